"""Step: red flags. Whether a physician must see the patient, how soon, and the wording that
fits this patient: every variant whose flag is set replaces the general options (pregnancy
first; no oral antibiotic proposed when Malassezia folliculitis is suspected)."""

from __future__ import annotations

from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.knowledge.models import ReferralRule
from dorsum.core.rules.found import Found, Seen


def refer(facts: DecisionInput, index: KnowledgeIndex, seen: Seen) -> tuple[Found, ...]:
    """Every red flag the patient has, each with the variant of its text that applies."""
    flags = facts.flags
    prebuilt = index.prebuilt.referral
    out = []
    for referral in index.kb.referrals:
        if referral.when not in flags:
            continue
        variants = ",".join(v.id for v in referral.variants if v.when in flags)
        found = prebuilt.get((referral.id, variants))
        out.append(found if found is not None else _with_variants(referral, variants))
    return tuple(out)


def _with_variants(referral: ReferralRule, variants: str) -> Found:
    """A referral with a combination of variants that was not built ahead of time."""
    chosen = [v for v in referral.variants if v.id in variants.split(",")]
    cited = [*(s for v in chosen for s in v.sources), *referral.sources]
    sources = tuple(dict.fromkeys(cited))
    return Found(
        referral.id,
        "refer",
        code=referral.code,
        params=(("urgency", referral.urgency), ("variant", variants)),
        sources=sources,
    )
