"""Lookup tables built once per knowledge base, so the engine does dictionary lookups, not scans.

The index is derived data: it is rebuilt from the validated `KnowledgeBase` and never edited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from dorsum.core.assessment import Code
from dorsum.core.knowledge.models import (
    AdviceItem,
    Condition,
    Indication,
    KnowledgeBase,
    Rule,
    Source,
    Treatment,
)
from dorsum.core.knowledge.prebuilt import prebuild

K = TypeVar("K")
V = TypeVar("V")

EVIDENCE_POINTS: dict[str, int] = {
    "strong": 4,
    "moderate": 3,
    "consensus": 2,
    "limited": 1,
    "insufficient": 0,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A treatment indication for a condition, with what it needs to match."""

    treatment: Treatment
    indication: Indication
    features: frozenset[str]
    severities: frozenset[str]
    base_score: float  # fit and evidence; the engine subtracts invasiveness and cautions

    def matches(self, severity: str, features: frozenset[str]) -> bool:
        """True when the condition's severity and features are ones this indication suits."""
        return severity in self.severities and (
            not self.features or not self.features.isdisjoint(features)
        )


class KnowledgeIndex:
    """Read-only views of one knowledge base, keyed the way the engine asks."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.version = kb.version
        self.sources: dict[str, Source] = {source.id: source for source in kb.sources}
        self.conditions: dict[str, Condition] = {c.id: c for c in kb.conditions}
        self.treatments: dict[str, Treatment] = {t.id: t for t in kb.treatments}
        self.treatment_order: dict[str, int] = {t.id: i for i, t in enumerate(kb.treatments)}
        self.candidates: dict[str, tuple[Candidate, ...]] = _candidates(kb)
        self.rule_order: dict[str, int] = {rule.id: n for n, rule in enumerate(kb.rules)}
        self.rules_by_flag: dict[str, tuple[Rule, ...]] = _group(
            (rule.when, rule) for rule in kb.rules if rule.when is not None and rule.wait is None
        )
        self.wait_rules: tuple[Rule, ...] = tuple(rule for rule in kb.rules if rule.wait)
        # Which treatments each rule reaches: those it names and those with one of its properties.
        self.rule_targets: dict[str, frozenset[str]] = {
            rule.id: targets(kb, rule.treatments, rule.properties) for rule in kb.rules
        }
        self.candidate_by_indication: dict[str, Candidate] = {
            c.indication.id: c for cs in self.candidates.values() for c in cs
        }
        self.advice: tuple[AdviceItem, ...] = kb.advice
        self.prebuilt = prebuild(kb, self.rule_targets)
        self.condition_codes: dict[str, tuple[Code, ...]] = {
            c.id: tuple(Code(system=x.system, code=x.code, display=x.display) for x in c.codes)
            for c in kb.conditions
        }
        self.longest_wait_months = max(
            (r.wait.months for r in self.wait_rules if r.wait), default=0
        )

    def fired_rules(self, flags: frozenset[str]) -> list[Rule]:
        """The flag-triggered rules these flags fire, in knowledge-base order."""
        return sorted(
            (rule for flag in flags for rule in self.rules_by_flag.get(flag, ())),
            key=lambda rule: self.rule_order[rule.id],
        )

    def condition_specific(self, rule_id: str) -> bool:
        """Whether the rule applies to some conditions only (no scar procedure during acne)."""
        rule = self.rules.get(rule_id)
        return rule is not None and bool(rule.conditions)

    @cached_property
    def rules(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.kb.rules}

    @cached_property
    def indications(self) -> dict[str, Indication]:
        return {i.id: i for t in self.kb.treatments for i in t.indications}


def targets(
    kb: KnowledgeBase, treatments: Iterable[str], properties: Iterable[str]
) -> frozenset[str]:
    """The treatments named, plus every treatment that has one of the properties."""
    wanted = frozenset(properties)
    return frozenset(treatments) | {
        t.id for t in kb.treatments if not wanted.isdisjoint(t.properties)
    }


def _candidates(kb: KnowledgeBase) -> dict[str, tuple[Candidate, ...]]:
    grouped: dict[str, list[Candidate]] = defaultdict(list)
    for treatment in kb.treatments:
        for indication in treatment.indications:
            grouped[indication.condition].append(
                Candidate(
                    treatment=treatment,
                    indication=indication,
                    features=frozenset(indication.features_any),
                    severities=frozenset(indication.severities),
                    base_score=10.0 * indication.fit + 3.0 * EVIDENCE_POINTS[indication.evidence],
                )
            )
    return {condition: tuple(items) for condition, items in grouped.items()}


def _group(pairs: Iterable[tuple[K, V]]) -> dict[K, tuple[V, ...]]:
    grouped: dict[K, list[V]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return {key: tuple(values) for key, values in grouped.items()}
