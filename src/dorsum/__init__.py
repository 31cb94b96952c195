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
from dorsum.core.cache import AssessmentCache
from dorsum.core.engine import assess_intake
from dorsum.core.errors import DorsumError, IntakeError, KnowledgeBaseError, PlanError
from dorsum.core.intake import Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.core.planner import build_plan
from dorsum.core.validation import parse_intake

__version__ = "0.1.0"
__all__ = [
    "Assessment",
    "DorsumError",
    "Intake",
    "IntakeError",
    "KnowledgeBaseError",
    "Plan",
    "PlanError",
    "__version__",
    "assess",
    "plan",
]


# The memos of this process's assessments: the adapter owns them, the pure core keeps none.
CACHE = AssessmentCache()


def assess(
    intake: Intake | dict[str, Any],
    *,
    today: date | None = None,
    index: KnowledgeIndex | None = None,
    language: str = "en",
    cache: AssessmentCache | None = CACHE,
) -> Assessment:
    """Assess one intake (a dict or `Intake`). Raises `IntakeError` listing every bad field.

    `today` dates any waits; it defaults to the system date, so pass it for reproducible results.
    The text fields are written in `language` ("en" or "es") by the wording module. `cache`
    memoises repeated work; pass `None` to compute everything afresh.
    """
    from dorsum.reports.worded import worded, wording_for  # here: `import dorsum` stays light

    index = index or default_index()
    parsed = parse_intake(intake)
    day = today or date.today()
    if cache is None:
        result = assess_intake(parsed, index=index, today=day)
        return worded(result, wording_for(index, language), None)
    key = (index, language, day, parsed)  # equal intakes: the same (immutable) result
    found: Assessment | None = cache.results.get(key)
    if found is None:
        result = assess_intake(parsed, index=index, today=day, cache=cache)
        found = worded(result, wording_for(index, language), cache)
        cache.remember(cache.results, key, found)
    return found


def plan(
    intake: Intake | dict[str, Any],
    *,
    choose: list[str] | None = None,
    start: date | None = None,
    target: date | None = None,
    hemisphere: str | None = None,
    country: str | None = None,
    today: date | None = None,
    index: KnowledgeIndex | None = None,
) -> Plan:
    """Assess the intake and schedule the chosen options (default: the best per condition).

    `start` defaults to `today`; `target` to the intake's `goals.target_date`. Raises
    `IntakeError` for a bad intake and `PlanError` for a plan that cannot be built as asked.
    """
    index = index or default_index()
    parsed = parse_intake(intake)
    assessment = assess(parsed, index=index, today=today)
    return build_plan(
        assessment,
        index=index,
        start=start or assessment.assessed_on,
        chosen=choose,
        target=target or parsed.goals.target_date,
        hemisphere=hemisphere,
        country=country,
    )


_default: KnowledgeIndex | None = None


def default_index() -> KnowledgeIndex:
    """The shipped knowledge base, read on first use (so `import dorsum` stays light)."""
    global _default  # noqa: PLW0603 - a once-per-process cache of immutable data
    if _default is None:
        from dorsum.knowledge import default_index as load

        _default = load()
    return _default
