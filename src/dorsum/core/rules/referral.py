"""Step: red flags. Whether a physician must see the patient, how soon, and the wording that
fits this patient (a variant replaces the general text: e.g. no oral antibiotics proposed when
Malassezia folliculitis is suspected)."""

from __future__ import annotations

from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules.found import Found


def refer(
    facts: DecisionInput, index: KnowledgeIndex, found: tuple[Found, ...]
) -> tuple[Found, ...]:
    """Every red flag the patient has, each with the variant of its text that applies."""
    flags = facts.flags
    prebuilt = index.prebuilt.referral
    out = []
    for referral in index.kb.referrals:
        if referral.when not in flags:
            continue
        variant = next((v.id for v in referral.variants if v.when in flags), "")
        out.append(prebuilt[(referral.id, variant)])
    return tuple(out)
