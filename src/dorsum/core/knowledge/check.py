"""Cross-entry checks of a knowledge base: the review a clinician would otherwise do by hand.

`problems` fail `dorsum kb check` (and loading); `warnings` are printed for reviewers. Each
message names the entry, so a failure points at the line to fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import get_args

from dorsum.core.assessment import ConditionId
from dorsum.core.knowledge.matrix import matrix_problems
from dorsum.core.knowledge.models import (
    AdviceCode,
    AdviceItem,
    KnowledgeBase,
    ReferralRule,
    ReferralTherapy,
    Rule,
    Sequence,
    Span,
    Status,
    Treatment,
)

CONTRACT_TREATMENTS = frozenset(
    {
        "home_care",
        "benzoyl_peroxide",
        "topical_antibiotic",
        "topical_retinoid",
        "azelaic_acid",
        "chemical_peel",
        "laser_resurfacing",
        "nonablative_laser",
        "dermabrasion",
        "microneedling",
        "punch_excision",
        "subcision",
        "hyaluronic_acid_filler",
        "mesotherapy",
        "cryolipolysis",
        "silicone_gel",
        "intralesional_corticosteroid",
    }
)
PHYSICIAN_ONLY = frozenset({"oral_isotretinoin", "oral_antibiotics", "hormonal_therapy"})


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_knowledge_base(kb: KnowledgeBase) -> CheckReport:
    """Run every check and collect what failed."""
    report = CheckReport()
    for check in (
        _unique_ids,
        _coverage,
        _references,
        _nothing_unverified_used,
        _waits_have_dates,
        _conflicts_decided_safely,
        _claims_carried_by_clinical_sources,
        matrix_problems,
    ):
        report.problems.extend(check(kb))
    return report


def _duplicates(kind: str, ids: Iterable[str]) -> Iterator[str]:
    for entry_id, count in Counter(ids).items():
        if count > 1:
            yield f"{kind} id {entry_id!r} is used {count} times"


def _unique_ids(kb: KnowledgeBase) -> Iterator[str]:
    yield from _duplicates("source", (s.id for s in kb.sources))
    yield from _duplicates("condition", (c.id for c in kb.conditions))
    yield from _duplicates("treatment", (t.id for t in kb.treatments))
    yield from _duplicates("indication", (i.id for t in kb.treatments for i in t.indications))
    yield from _duplicates(
        "rule",
        [r.id for r in kb.rules] + [r.id for r in kb.referrals] + [a.id for a in kb.advice],
    )
    yield from _duplicates("conflict", (c.id for c in kb.conflicts))
    yield from _duplicates("session rule", (r.id for t in kb.treatments for r in t.session_rules))
    yield from _duplicates("sequence", (s.id for s in kb.sequences))
    yield from _duplicates("factor", (f.id for f in kb.factors))
    yield from _duplicates("no-interaction", (n.id for n in kb.no_interactions))


def _coverage(kb: KnowledgeBase) -> Iterator[str]:
    treatments = {t.id for t in kb.treatments}
    for missing in sorted(CONTRACT_TREATMENTS - treatments):
        yield f"contract treatment {missing!r} has no entry"
    for extra in sorted(treatments - CONTRACT_TREATMENTS):
        yield f"treatment {extra!r} is not a contract treatment id"
    conditions = {c.id for c in kb.conditions}
    for missing in sorted(set(get_args(ConditionId)) - conditions):
        yield f"condition {missing!r} has no entry"
    indicated = {i.condition for t in kb.treatments for i in t.indications}
    for bare in sorted(conditions - indicated):
        yield f"condition {bare!r} has no treatment indicated for it"
    advised = {a.code for a in kb.advice}
    for missing in sorted(set(get_args(AdviceCode)) - advised):
        yield f"advice code {missing!r} has no advice item"
    referral_only = {therapy.id for therapy in kb.referral_therapies}
    for missing in sorted(PHYSICIAN_ONLY - referral_only):
        yield f"physician-only therapy {missing!r} is not listed"
    for clash in sorted(referral_only & treatments):
        yield f"physician-only therapy {clash!r} must not be a recommendable treatment"


_KIND = {
    "Rule": "rule",
    "ReferralRule": "referral",
    "AdviceItem": "advice",
    "ReferralTherapy": "physician-only therapy",
    "Sequence": "sequence",
}


def _cited(kb: KnowledgeBase) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(where, source ids) for every place an entry cites sources."""
    for condition in kb.conditions:
        yield f"condition {condition.id}", condition.sources
        for n, cause in enumerate(condition.causes):
            yield f"condition {condition.id} cause {n}", cause.sources
    for treatment in kb.treatments:
        yield from _cited_by_treatment(treatment)
    entries: tuple[Rule | ReferralRule | AdviceItem | ReferralTherapy | Sequence, ...] = (
        *kb.rules,
        *kb.referrals,
        *kb.advice,
        *kb.referral_therapies,
        *kb.sequences,
    )
    for entry in entries:
        yield f"{_KIND[type(entry).__name__]} {entry.id}", entry.sources
    for sequence in kb.sequences:
        yield f"sequence {sequence.id} gap", sequence.gap.sources
    for conflict in kb.conflicts:
        yield f"conflict {conflict.id} decided_by", conflict.decided_by
        for n, statement in enumerate(conflict.statements):
            yield f"conflict {conflict.id} statement {n}", statement.sources
    for n, sign in enumerate(kb.general_call_clinic):
        yield f"call_clinic {n}", sign.sources
    for quiet in kb.no_interactions:
        yield f"no-interaction {quiet.id}", quiet.sources
    for referral in kb.referrals:
        for variant in referral.variants:
            yield f"referral {referral.id} variant {variant.id}", variant.sources


def _cited_by_treatment(treatment: Treatment) -> Iterator[tuple[str, tuple[str, ...]]]:
    yield f"treatment {treatment.id}", treatment.sources
    for indication in treatment.indications:
        yield f"indication {indication.id}", indication.sources
    for name, span in _spans(treatment):
        yield f"treatment {treatment.id} schedule.{name}", span.sources
    for n, care in enumerate(treatment.aftercare):
        yield f"treatment {treatment.id} aftercare {n}", care.sources
    for n, sign in enumerate(treatment.call_clinic):
        yield f"treatment {treatment.id} call_clinic {n}", sign.sources
    for session_rule in treatment.session_rules:
        yield f"session rule {session_rule.id}", session_rule.sources


def _spans(treatment: Treatment) -> Iterator[tuple[str, Span]]:
    schedule = treatment.schedule
    for name in type(schedule).model_fields:
        value = getattr(schedule, name)
        if isinstance(value, Span):
            yield name, value


def _references(kb: KnowledgeBase) -> Iterator[str]:
    sources = {s.id for s in kb.sources}
    for where, cited in _cited(kb):
        for source in cited:
            if source not in sources:
                yield f"{where} cites unknown source {source!r}"
    yield from _treatment_references(kb)
    targets = {t.id for t in kb.treatments} | {r.id for r in kb.rules} | {a.id for a in kb.advice}
    for conflict in kb.conflicts:
        for target in conflict.applies_to:
            if target not in targets:
                yield f"conflict {conflict.id} applies to unknown entry {target!r}"


def _treatment_references(kb: KnowledgeBase) -> Iterator[str]:
    treatments = {t.id for t in kb.treatments}
    named: list[tuple[str, tuple[str, ...]]] = [
        (f"treatment {t.id} requires", t.requires) for t in kb.treatments
    ]
    named += [(f"rule {r.id} names", r.treatments) for r in kb.rules]
    named += [(f"no-interaction {n.id} names", n.treatments) for n in kb.no_interactions]
    named += [(f"sequence {s.id} names", (*s.first, *s.then)) for s in kb.sequences]
    for where, targets in named:
        for target in targets:
            if target not in treatments:
                yield f"{where} unknown treatment {target!r}"


def _nothing_unverified_used(kb: KnowledgeBase) -> Iterator[str]:
    """UNVERIFIED facts may be recorded (in conflicts) but never drive behaviour."""
    rules: tuple[Rule | ReferralRule | AdviceItem | Sequence, ...] = (
        *kb.rules,
        *kb.referrals,
        *kb.advice,
        *kb.sequences,
    )
    used: list[tuple[str, Status]] = [
        (f"{_KIND[type(entry).__name__]} {entry.id}", entry.status) for entry in rules
    ]
    for treatment in kb.treatments:
        used += [(f"indication {i.id}", i.status) for i in treatment.indications]
        statements = (*treatment.aftercare, *treatment.call_clinic)
        used += [(f"text of {treatment.id}", s.status) for s in statements]
        used += [(f"session rule {r.id}", r.status) for r in treatment.session_rules]
        used += [(f"{treatment.id} schedule.{n}", span.status) for n, span in _spans(treatment)]
    for condition in kb.conditions:
        used += [(f"code {c.code} of {condition.id}", c.status) for c in condition.codes]
    used += [("general call_clinic", c.status) for c in kb.general_call_clinic]
    for where, status in used:
        if status == "unverified":
            yield f"{where} is marked unverified and must not be used as a rule or fact"


def _waits_have_dates(kb: KnowledgeBase) -> Iterator[str]:
    for rule in kb.rules:
        if rule.wait is not None and "{until}" not in rule.text:
            yield f"wait rule {rule.id} must say when the wait ends ({{until}} in its text)"
        if rule.wait is None and "{" in rule.text:
            yield f"rule {rule.id} has a placeholder but no wait to fill it"


def _conflicts_decided_safely(kb: KnowledgeBase) -> Iterator[str]:
    low = {s.id for s in kb.sources if s.low_quality}
    for conflict in kb.conflicts:
        deciders = [source for source in conflict.decided_by if source in low]
        if deciders:
            yield f"conflict {conflict.id} is decided by low-quality sources {deciders}"


def _claims_carried_by_clinical_sources(kb: KnowledgeBase) -> Iterator[str]:
    """A clinical claim (rationale, caution, exclusion, referral, advice, aftercare, warning
    sign, no-interaction) needs a guideline, label or peer-reviewed source: a seed, a lay page or
    a commercial site may stand beside one ("what the seed says"), never alone."""
    clinical = {s.id for s in kb.sources if s.clinical}
    claims: list[tuple[str, tuple[str, ...]]] = []
    for treatment in kb.treatments:
        claims += [(f"rationale of {i.id}", i.sources) for i in treatment.indications]
        claims += [(f"aftercare of {treatment.id}", a.sources) for a in treatment.aftercare]
        claims += [(f"warning sign of {treatment.id}", c.sources) for c in treatment.call_clinic]
    claims += [(f"{r.effect} rule {r.id}", r.sources) for r in kb.rules]
    claims += [(f"referral {r.id}", r.sources) for r in kb.referrals]
    claims += [
        (f"referral {r.id} variant {v.id}", v.sources) for r in kb.referrals for v in r.variants
    ]
    claims += [(f"advice {a.id}", a.sources) for a in kb.advice]
    claims += [(f"no-interaction {n.id}", n.sources) for n in kb.no_interactions]
    claims += [(f"call_clinic {n}", c.sources) for n, c in enumerate(kb.general_call_clinic)]
    for where, cited in claims:
        if clinical.isdisjoint(cited):
            yield (
                f"{where} rests only on seed, lay or commercial sources {list(cited)}: "
                "add a guideline, label or peer-reviewed source"
            )
