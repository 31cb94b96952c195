"""The step signature, and the views of earlier findings that steps read.

A step is a pure function `(facts, index, earlier findings) -> findings`. The engine runs the
steps in order, each seeing what the earlier ones found, and builds the result from all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from dorsum.core.decision import DecisionInput
from dorsum.core.findings import Found, trace_line
from dorsum.core.knowledge.index import KnowledgeIndex

Step = Callable[[DecisionInput, KnowledgeIndex, tuple[Found, ...]], tuple[Found, ...]]


def considered(found: tuple[Found, ...]) -> dict[tuple[str, str], Found]:
    """The options considered so far, by (treatment, condition), in the order found."""
    return {(f.treatment, f.condition): f for f in found if f.effect == "consider"}


def excluded(found: tuple[Found, ...]) -> dict[tuple[str, str], list[Found]]:
    """Every exclusion found so far, by option."""
    reasons: dict[tuple[str, str], list[Found]] = {}
    for f in found:
        if f.effect == "exclude":
            reasons.setdefault((f.treatment, f.condition), []).append(f)
    return reasons


__all__ = ["Found", "Step", "considered", "excluded", "trace_line"]
