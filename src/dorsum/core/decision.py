"""The treatment decision as a pure function of a few facts, so it can be memoised.

Grading turns an intake into `DecisionInput`: the conditions (id, severity, features), the
patient's flags and the handful of values rules read directly. Everything the decision rules
may look at is a field here, never the intake itself, so `DecisionInput` is the complete key
for caching `Decision`s: equal inputs give equal decisions by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from dorsum.core.assessment import Advice, Exclusion, Finding, Recommendation, Referral
from dorsum.core.grading import ConditionFacts, GradedCondition
from dorsum.core.intake import Intake
from dorsum.core.knowledge.index import KnowledgeIndex


class DecisionInput(NamedTuple):
    """Every fact the decision rules may read (a tuple, so hashing it for the memo is cheap)."""

    conditions: tuple[ConditionFacts, ...]
    flags: frozenset[str]
    isotretinoin_months_since_stop: int | None
    prefer_non_invasive: bool
    today: date  # always known: every step may date what it finds


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision part of an assessment (everything but the graded conditions)."""

    recommendations: tuple[Recommendation, ...]
    excluded: tuple[Exclusion, ...]
    referral: Referral
    advice: tuple[Advice, ...]
    findings: tuple[Finding, ...]  # what every rule concluded, starting with the flags
    trace: tuple[str, ...]  # the findings as text lines


def decision_input(
    intake: Intake,
    conditions: list[GradedCondition],
    flags: frozenset[str],
    *,
    index: KnowledgeIndex,
    today: date,
) -> DecisionInput:
    """Collect the decision's facts from a graded intake."""
    months = intake.history.isotretinoin_months_since_stop
    waits_can_fire = months is not None and months < index.longest_wait_months
    return DecisionInput(
        conditions=tuple(c.facts for c in conditions),
        flags=flags,
        isotretinoin_months_since_stop=months if waits_can_fire else None,
        prefer_non_invasive=intake.goals.prefer_non_invasive,
        today=today,
    )
