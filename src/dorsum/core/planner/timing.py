"""How long things take for one patient: the knowledge base's schedule, adjusted by the
treatment's session rules (peel sessions by severity and age, cryolipolysis cycles by area).

Where a range is given the plan takes the upper figure, so that it never promises a result
sooner than the sources do; the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorsum.core.knowledge.models import SessionRule, Span, Treatment
from dorsum.core.plan import ItemKind, Note

CYCLE_MINUTES_SPAN_FIELD = "session_length"
DEFAULT_AREAS = 2  # bra and back fat is usually treated as a left and a right area


@dataclass(frozen=True)
class Timing:
    kind: ItemKind
    sessions: int | None = None
    interval: tuple[float, str] | None = None  # amount and unit between sessions
    session_minutes: int | None = None
    downtime: Span | None = None
    sun: Span | None = None
    visible: Span | None = None
    course: Span | None = None
    review: Span | None = None
    notes: tuple[Note, ...] = field(default=())


def timing_for(
    treatment: Treatment, *, severity: str, age: int | None, areas: int | None
) -> Timing:
    """The schedule of `treatment` for a patient of this age, at this severity."""
    schedule = treatment.schedule
    if schedule.sessions is None and schedule.course is None:
        kind: ItemKind = "daily" if schedule.interval is None else "sessions"
    else:
        kind = "course" if schedule.course is not None else "sessions"
    notes: list[Note] = []
    sessions = _upper(schedule.sessions)
    interval = (schedule.interval.high, schedule.interval.unit) if schedule.interval else None
    cycles_per_area: int | None = None
    for rule in _matching(treatment.session_rules, severity=severity, age=age):
        if rule.sessions is not None:
            sessions = rule.sessions
        if rule.interval_weeks is not None:
            interval = (float(rule.interval_weeks), "weeks")
        if rule.cycles_per_area is not None:
            cycles_per_area = rule.cycles_per_area
        notes.append(Note(code="session_rule", text=rule.text, sources=rule.sources, rule=rule.id))
    minutes = _upper(schedule.session_length)
    if minutes is not None and cycles_per_area is not None:
        counted = areas or DEFAULT_AREAS
        minutes *= counted * cycles_per_area
        if areas is None:
            notes.append(
                Note(
                    code="assumed_areas",
                    text=f"Planned for {DEFAULT_AREAS} areas of the back; the clinician confirms "
                    "how many areas need treating.",
                    values={"areas": str(DEFAULT_AREAS)},
                )
            )
    notes.extend(_range_notes(treatment, sessions))
    if schedule.unknown:
        notes.append(
            Note(
                code="unknown", text=schedule.unknown, sources=treatment.sources, rule=treatment.id
            )
        )
    return Timing(
        kind=kind,
        sessions=sessions if kind == "sessions" else None,
        interval=interval,
        session_minutes=minutes,
        downtime=schedule.downtime,
        sun=schedule.sun_avoidance,
        visible=schedule.visible_result,
        course=schedule.course,
        review=schedule.review_after,
        notes=tuple(notes),
    )


def _upper(span: Span | None) -> int | None:
    return None if span is None else round(span.high)


def _matching(
    rules: tuple[SessionRule, ...], *, severity: str, age: int | None
) -> list[SessionRule]:
    return [
        rule
        for rule in rules
        if (not rule.severities or severity in rule.severities)
        and (rule.min_age is None or (age is not None and age >= rule.min_age))
    ]


def _range_notes(treatment: Treatment, planned: int | None) -> list[Note]:
    span = treatment.schedule.sessions
    if span is None or span.low == span.high or planned is None:
        return []
    return [
        Note(
            code="session_range",
            text=f"{round(span.low)} to {round(span.high)} sessions are usual; {planned} are "
            "planned, and the clinician may stop sooner.",
            sources=span.sources,
            values={
                "low": str(round(span.low)),
                "high": str(round(span.high)),
                "planned": str(planned),
            },
        )
    ]
