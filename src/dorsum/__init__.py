"""dorsum: clinical decision support and treatment planning for skin conditions of the back.

>>> import dorsum
>>> result = dorsum.assess({"patient": {"age": 16}, "findings": {"acne": {"papules": 8}}})
>>> result.conditions[0].severity
'moderate'
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dorsum.core.assessment import Assessment
from dorsum.core.engine import assess_intake
from dorsum.core.errors import DorsumError, IntakeError, KnowledgeBaseError, PlanError
from dorsum.core.intake import Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.validation import parse_intake

__version__ = "0.1.0"
__all__ = [
    "Assessment",
    "DorsumError",
    "Intake",
    "IntakeError",
    "KnowledgeBaseError",
    "PlanError",
    "__version__",
    "assess",
]


def assess(
    intake: Intake | dict[str, Any],
    *,
    today: date | None = None,
    index: KnowledgeIndex | None = None,
) -> Assessment:
    """Assess one intake (a dict or `Intake`). Raises `IntakeError` listing every bad field.

    `today` dates any waits; it defaults to the system date, so pass it for reproducible results.
    """
    return assess_intake(
        parse_intake(intake),
        index=index or default_index(),
        today=today or date.today(),
    )


_default: KnowledgeIndex | None = None


def default_index() -> KnowledgeIndex:
    """The shipped knowledge base, read on first use (so `import dorsum` stays light)."""
    global _default  # noqa: PLW0603 - a once-per-process cache of immutable data
    if _default is None:
        from dorsum.knowledge import default_index as load

        _default = load()
    return _default
