"""The working state the engine's steps share while one intake is assessed."""

from __future__ import annotations

from dataclasses import dataclass, field

from dorsum.core.assessment import Caution, Reason
from dorsum.core.decision import DecisionInput
from dorsum.core.grading import ConditionFacts
from dorsum.core.knowledge.index import Candidate, KnowledgeIndex


@dataclass(slots=True)
class Option:
    """A treatment considered for one condition, and what the rules said about it."""

    candidate: Candidate
    condition: ConditionFacts
    cautions: list[Caution] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    score: float = 0.0

    @property
    def treatment_id(self) -> str:
        return self.candidate.treatment.id

    @property
    def excluded(self) -> bool:
        return bool(self.reasons)


@dataclass(slots=True)
class Context:
    """The decision's facts, the knowledge base, and the options so far."""

    facts: DecisionInput
    index: KnowledgeIndex
    options: dict[tuple[str, str], Option] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)

    def options_for(self, treatment_id: str) -> list[Option]:
        """Every option for this treatment, across conditions, in condition order."""
        return [option for option in self.options.values() if option.treatment_id == treatment_id]
