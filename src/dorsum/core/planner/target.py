"""An honest answer to "will it be done by my date?": met only when every result is visible and
all treated skin has recovered on or before the target. When it is not met, say why, the
latest start that would have met it, and which other suitable option would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from dorsum.core.dates import long_date
from dorsum.core.plan import Note, PlanItem, TargetCheck

SEARCH_BACK_DAYS = 730  # how far before the planned start the latest-start search looks


def check_target(
    target: date,
    *,
    start: date,
    items: list[PlanItem],
    finish: date | None,
    finish_if_started: Callable[[date], date | None],
    alternatives: Callable[[], list[str]],
) -> TargetCheck:
    """Judge the plan against `target`."""
    met = finish is not None and finish <= target
    reasons = [] if met else _reasons(target, items)
    latest = _latest_start(target, start, finish_if_started) if finish is not None else None
    return TargetCheck(
        date=target,
        met=met,
        finish=finish,
        reasons=tuple(reasons),
        latest_start=latest,
        alternatives=() if met else tuple(alternatives()),
    )


def _reasons(target: date, items: list[PlanItem]) -> list[Note]:
    reasons = []
    for item in items:
        if item.kind == "daily":
            continue
        finish = item.finish
        if finish is None:
            reasons.append(
                Note(
                    code="result_time_unknown",
                    text=f"{item.name}: no source gives the time to a visible result, so dorsum "
                    "cannot promise it by the target.",
                    rule=item.treatment,
                )
            )
        elif finish > target:
            reasons.append(
                Note(
                    code="finishes_late",
                    text=f"{item.name}: results and recovery expected by {long_date(finish)}, "
                    f"after {long_date(target)}.",
                    rule=item.treatment,
                    values={"finish": finish.isoformat(), "target": target.isoformat()},
                )
            )
    return reasons


def _latest_start(
    target: date, start: date, finish_if_started: Callable[[date], date | None]
) -> date | None:
    """The latest start whose plan finishes by `target` (finish never falls as start rises)."""

    def meets(day: date) -> bool:
        finish = finish_if_started(day)
        return finish is not None and finish <= target

    low, high = start - timedelta(days=SEARCH_BACK_DAYS), target
    if not meets(low):
        return None
    while (high - low).days > 0:
        middle = low + timedelta(days=((high - low).days + 1) // 2)
        if meets(middle):
            low = middle
        else:
            high = middle - timedelta(days=1)
    return low
