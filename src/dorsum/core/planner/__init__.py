"""The planner: turns an assessment and chosen options into a dated `Plan`.

Pure like the rest of the core: the start date (and any target) is passed in, nothing reads a
clock, and the same inputs always give the same plan.
"""

from __future__ import annotations

from datetime import date

from dorsum.core.assessment import Assessment
from dorsum.core.dates import check_supported
from dorsum.core.errors import PlanError
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.plan import Note, Period, Plan, Window
from dorsum.core.planner.choices import Choice, choose
from dorsum.core.planner.schedule import Scheduled, parts, schedule
from dorsum.core.planner.seasons import SOURCES as SEASON_SOURCES
from dorsum.core.planner.seasons import hemisphere_of, overlaps, summers
from dorsum.core.planner.target import check_target
from dorsum.core.planner.timing import Timing, timing_for

__all__ = ["build_plan"]


def build_plan(
    assessment: Assessment,
    *,
    index: KnowledgeIndex,
    start: date,
    chosen: list[str] | None = None,
    target: date | None = None,
    hemisphere: str | None = None,
    country: str | None = None,
) -> Plan:
    """Schedule the chosen options (default: the top recommendation per condition)."""
    check_supported(start, "start")
    if target is not None:
        check_supported(target, "target")
    if start < assessment.assessed_on:
        raise PlanError(
            f"the plan cannot start ({start}) before the assessment date "
            f"({assessment.assessed_on})",
            code="start_before_assessment",
            field="start",
            start=start,
            assessed=assessment.assessed_on,
        )
    if target is not None and target < start:
        raise PlanError(
            f"the target date ({target}) is before the start date ({start})",
            code="target_before_start",
            field="target",
            target=target,
            start=start,
        )
    side = hemisphere_of(hemisphere=hemisphere, country=country)
    timings = _Timings(assessment, index)
    choices = choose(assessment, chosen, index=index)
    entries = timings.entries(choices)
    scheduled = schedule(entries, start=start, index=index)
    items, sessions, windows, reviews = parts(scheduled, index)
    target_check = None
    if target is not None:
        target_check = check_target(
            target,
            start=start,
            items=items,
            finish=scheduled.finish,
            finish_if_started=lambda day: schedule(entries, start=day, index=index).finish,
            alternatives=lambda: _alternatives(
                scheduled, assessment=assessment, timings=timings, start=start, target=target
            ),
        )
    last = max([start, *(w.end for w in windows), *(s.date for s in sessions)])
    if target is not None:
        last = max(last, target)
    periods = summers(side, start, last)
    windows, warnings = _flag_summer(windows, periods, index)
    return Plan(
        knowledge_base_version=index.version,
        start=start,
        hemisphere=side,
        summers=periods,
        items=tuple(items),
        sessions=tuple(sessions),
        windows=tuple(windows),
        reviews=tuple(reviews),
        finish=scheduled.finish,
        target=target_check,
        warnings=tuple(warnings),
        trace=tuple(scheduled.trace),
        assessment=assessment,
    )


class _Timings:
    """Each chosen option's timing for this patient, worked out once per plan."""

    def __init__(self, assessment: Assessment, index: KnowledgeIndex) -> None:
        self.assessment, self.index = assessment, index
        self.conditions = {c.id: c for c in assessment.conditions}
        self.cache: dict[tuple[str, str], Timing] = {}

    def entries(self, choices: list[Choice]) -> list[tuple[Choice, Timing]]:
        return [(choice, self.timing(choice)) for choice in choices]

    def timing(self, choice: Choice) -> Timing:
        key = (choice.treatment, choice.condition)
        if key not in self.cache:
            condition = self.conditions[choice.condition]
            self.cache[key] = timing_for(
                self.index.treatments[choice.treatment],
                severity=condition.severity,
                age=self.assessment.patient_age,
                areas=condition.areas,
            )
        return self.cache[key]


def _alternatives(
    scheduled: Scheduled, *, assessment: Assessment, timings: _Timings, start: date, target: date
) -> list[str]:
    """Other recommended options that, swapped in for a late one, would meet the target."""
    placed = scheduled.placed
    chosen = {p.choice.treatment for p in placed}
    found: list[str] = []
    unknown = [p for p in placed if p.timing.kind != "daily" and p.finish is None]
    for position, late in enumerate(placed):
        if late.timing.kind == "daily" or (late.finish is not None and late.finish <= target):
            continue
        if any(other is not late for other in unknown):
            continue  # another option's result date is unknown, so no single swap can help
        for recommendation in assessment.recommendations:
            treatment = recommendation.treatment
            if recommendation.condition != late.choice.condition or treatment in chosen:
                continue
            if treatment in found:
                continue
            swapped = [p.choice.treatment for p in placed]
            swapped[position] = treatment
            try:
                trial = choose(assessment, swapped, index=timings.index)
            except PlanError:
                continue
            finish = schedule(timings.entries(trial), start=start, index=timings.index).finish
            if finish is not None and finish <= target:
                found.append(treatment)
    return found


def _flag_summer(
    all_windows: list[Window], periods: tuple[Period, ...], index: KnowledgeIndex
) -> tuple[list[Window], list[Note]]:
    windows = []
    warnings = []
    for window in all_windows:
        summer = (
            overlaps(window.start, window.end, periods) if window.kind == "sun_avoidance" else None
        )
        if summer is None:
            windows.append(window)
            continue
        windows.append(window.model_copy(update={"in_summer": True}))
        name = index.treatments[window.treatment].name
        warnings.append(
            Note(
                code="sun_in_summer",
                text=f"The skin treated with {name.lower()} must avoid the sun until "
                f"{window.end}, into the summer that starts on {summer.start}. Plan covering "
                "clothes and SPF 30 sunscreen, or move the sessions to after the summer.",
                sources=SEASON_SOURCES,
                rule=window.treatment,
                values={"end": window.end.isoformat(), "summer": summer.start.isoformat()},
            )
        )
    return windows, _dedupe(warnings)


def _dedupe(notes: list[Note]) -> list[Note]:
    seen: set[str] = set()
    kept = []
    for note in notes:
        if note.rule not in seen:
            seen.add(note.rule)
            kept.append(note)
    return kept
