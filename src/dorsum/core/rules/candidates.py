"""Step: which treatments suit the conditions found (before any safety screening)."""

from __future__ import annotations

from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import Candidate, KnowledgeIndex
from dorsum.core.rules.found import Found, Seen


def consider_indicated(
    facts: DecisionInput, index: KnowledgeIndex, seen: Seen
) -> tuple[Found, ...]:
    """For each condition, the best-fitting matching indication of each treatment."""
    best: dict[tuple[str, str], Candidate] = {}
    for condition in facts.conditions:
        for candidate in index.candidates.get(condition.id, ()):
            if not candidate.matches(condition.severity, condition.features):
                continue
            key = (candidate.treatment.id, condition.id)
            current = best.get(key)
            if current is None or candidate.base_score > current.base_score:
                best[key] = candidate
    consider = index.prebuilt.consider
    return tuple(consider[candidate.indication.id] for candidate in best.values())
