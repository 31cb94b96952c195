"""Step: home-care advice for the conditions found. Never advice to seek sun."""

from __future__ import annotations

from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules.found import Found, Seen


def advise(facts: DecisionInput, index: KnowledgeIndex, seen: Seen) -> tuple[Found, ...]:
    """Each advice item whose conditions include one that is present, in knowledge-base order."""
    present = {condition.id for condition in facts.conditions}
    prebuilt = index.prebuilt.advice
    return tuple(
        prebuilt[item.id] for item in index.advice if not present.isdisjoint(item.conditions)
    )
