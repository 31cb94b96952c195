"""Findings that do not depend on the patient's values, built once per knowledge base.

Considering an indication, a rule excluding or cautioning one option, low evidence, an advice
item, a referral (with its variant): each is the same finding for every patient it applies to.
Building them here, with their trace lines, structured entries and result values, keeps the
engine to look-ups. This is derived data, like the rest of the index: rebuilt with it, never
changed, and not a cache of anything a patient supplied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dorsum.core.assessment import Advice, Caution, Reason, ReferralReason
from dorsum.core.findings import Found, Prebuilt, entry, trace_line
from dorsum.core.knowledge.models import KnowledgeBase, Rule


@dataclass
class PrebuiltFindings:
    consider: dict[str, Found] = field(default_factory=dict)  # by indication id
    evidence: dict[str, Found] = field(default_factory=dict)  # by indication id
    rule: dict[tuple[str, str, str], Found] = field(default_factory=dict)  # (rule, t, c)
    advice: dict[str, Found] = field(default_factory=dict)  # by advice id
    referral: dict[tuple[str, str], Found] = field(default_factory=dict)  # (id, variant)
    by_id: dict[int, Prebuilt] = field(default_factory=dict)  # id(found) -> what it becomes
    kept: list[Found] = field(default_factory=list)  # every prebuilt finding lives as long

    def add(self, found: Found, value: Any = None) -> Found:
        """Register a finding; the engine recognises it by identity, so it is kept alive."""
        self.kept.append(found)
        self.by_id[id(found)] = Prebuilt(trace_line(found), entry(found), value)
        return found


def prebuild(kb: KnowledgeBase, reach: dict[str, frozenset[str]]) -> PrebuiltFindings:
    """Every patient-independent finding of this knowledge base."""
    table = PrebuiltFindings()
    indicated: set[tuple[str, str]] = set()
    for treatment in kb.treatments:
        for indication in treatment.indications:
            key = (treatment.id, indication.condition)
            indicated.add(key)
            table.consider[indication.id] = table.add(
                Found(indication.id, "consider", *key, sources=indication.sources)
            )
            if indication.evidence == "insufficient":
                params = (("indication", indication.id),)
                caution = Caution(
                    code="low_evidence",
                    text="",
                    rule=f"evidence.{indication.id}",
                    sources=indication.sources,
                    params=dict(params),
                )
                table.evidence[indication.id] = table.add(
                    Found(caution.rule, "caution", *key, "low_evidence", params, caution.sources),
                    caution,
                )
    for rule in kb.rules:
        if rule.wait is None:
            for treatment_id, condition in _options(rule, reach[rule.id], indicated):
                table.rule[(rule.id, treatment_id, condition)] = table.add(
                    Found(
                        rule.id, rule.effect, treatment_id, condition, rule.code, (), rule.sources
                    ),
                    _value(rule),
                )
    for item in kb.advice:
        advice = Advice(code=item.code, text="", sources=item.sources, rule=item.id)
        table.advice[item.id] = table.add(
            Found(item.id, "advise", code=item.code, sources=item.sources), advice
        )
    for referral in kb.referrals:
        for variant in (None, *referral.variants):
            said: tuple[tuple[str, str], ...] = (("urgency", referral.urgency),)
            sources = referral.sources
            if variant is not None:
                said += (("variant", variant.id),)
                sources = tuple(dict.fromkeys((*variant.sources, *sources)))
            reason = ReferralReason(
                code=referral.code,
                text="",
                urgency=referral.urgency,
                rule=referral.id,
                sources=sources,
                variant=variant.id if variant else "",
            )
            table.referral[(referral.id, variant.id if variant else "")] = table.add(
                Found(referral.id, "refer", code=referral.code, params=said, sources=sources),
                reason,
            )
    return table


def _options(
    rule: Rule, targets: frozenset[str], indicated: set[tuple[str, str]]
) -> Iterable[tuple[str, str]]:
    for treatment_id, condition in sorted(indicated):
        if treatment_id in targets and (not rule.conditions or condition in rule.conditions):
            yield treatment_id, condition


def _value(rule: Rule) -> Reason | Caution:
    if rule.effect == "exclude":
        return Reason(code=rule.code, text="", rule=rule.id, sources=rule.sources)
    return Caution(code=rule.code, text="", rule=rule.id, sources=rule.sources)
