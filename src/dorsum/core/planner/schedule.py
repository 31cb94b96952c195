"""Put dates on the chosen options, respecting every order rule.

- Courses (topicals, silicone) start on the plan's start date and run alongside everything.
- Sessions follow their interval; a session never falls inside another treatment's downtime, and
  no two downtimes on the back overlap (the back is one treatment area).
- A wait from the assessment (isotretinoin) is honoured: nothing starts before it ends.
- Sequences from the knowledge base order treatments: acne is treated before scar procedures,
  and punch excision comes before laser resurfacing of the same area.

Scheduling is greedy and deterministic: items are placed in a fixed order, each session on the
earliest date that breaks no rule. It works on light records, because the target check
re-schedules many times; `parts()` turns the final one into the plan's values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from dorsum.core.dates import after
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.knowledge.models import Sequence, Span
from dorsum.core.plan import Note, PlanItem, Review, Session, Window
from dorsum.core.planner.choices import Choice
from dorsum.core.planner.timing import Timing

MAX_MOVES = 500  # a session is moved past conflicts at most this many times


@dataclass(slots=True)
class Placed:
    """One entry, dated."""

    choice: Choice
    timing: Timing
    start: date
    end: date | None
    dates: list[date] = field(default_factory=list)  # session dates
    visible: date | None = None
    recovered: date | None = None
    complete: bool = True  # every planned session has a date

    @property
    def finish(self) -> date | None:
        """Results visible and skin recovered (None: unknown, or daily care with no end)."""
        if self.timing.kind == "daily" or self.visible is None:
            return None
        return max(d for d in (self.visible, self.recovered) if d is not None)


@dataclass
class Scheduled:
    """The dated entries, in the order they were given, and what the scheduler did."""

    placed: list[Placed]
    trace: list[str]

    @property
    def finish(self) -> date | None:
        """When every result is visible and all skin has recovered; None if any is unknown."""
        finishes = [p.finish for p in self.placed if p.timing.kind != "daily"]
        if not finishes or any(f is None for f in finishes):
            return None
        return max(f for f in finishes if f is not None)


@dataclass(frozen=True, slots=True)
class _Busy:
    start: date
    end: date
    owner: int  # which entry it belongs to


def schedule(
    entries: list[tuple[Choice, Timing]], *, start: date, index: KnowledgeIndex
) -> Scheduled:
    """Date every entry from `start`."""
    trace: list[str] = []
    busy: list[_Busy] = []
    placed: dict[int, Placed] = {}
    for position in _order(entries, index.kb.sequences):
        choice, timing = entries[position]
        earliest = max(start, choice.deferred_until or start)
        if choice.deferred_until and choice.deferred_until > start:
            trace.append(f"wait: {choice.treatment} not before {choice.deferred_until}")
        earliest = _after_sequences(choice, earliest, placed.values(), index, trace)
        if timing.kind == "sessions":
            placed[position] = _sessions(
                position, choice, timing, earliest=earliest, busy=busy, trace=trace
            )
        else:
            placed[position] = _course(choice, timing, earliest, trace)
    return Scheduled([placed[position] for position in range(len(entries))], trace)


def _order(entries: list[tuple[Choice, Timing]], sequences: tuple[Sequence, ...]) -> list[int]:
    """Courses first, then sessions; within each, predecessors (by sequence) before successors."""
    present = {choice.treatment for choice, _ in entries}

    def depth(position: int) -> int:
        treatment = entries[position][0].treatment
        return sum(1 for s in sequences if treatment in s.then and not present.isdisjoint(s.first))

    return sorted(
        range(len(entries)),
        key=lambda p: (entries[p][1].kind == "sessions", depth(p), entries[p][0].rank, p),
    )


def _after_sequences(
    choice: Choice,
    earliest: date,
    placed: Iterable[Placed],
    index: KnowledgeIndex,
    trace: list[str],
) -> date:
    for sequence in index.kb.sequences:
        if choice.treatment not in sequence.then:
            continue
        if sequence.then_conditions and choice.condition not in sequence.then_conditions:
            continue
        for item in placed:
            if item.choice.treatment in sequence.first and item.end is not None:
                ready = after(item.end, sequence.gap.high, sequence.gap.unit)
                if ready > earliest:
                    earliest = ready
                    trace.append(f"{sequence.id}: {choice.treatment} not before {ready}")
    return earliest


def _course(choice: Choice, timing: Timing, start: date, trace: list[str]) -> Placed:
    end = after(start, timing.course.high, timing.course.unit) if timing.course else None
    visible = after(start, timing.visible.high, timing.visible.unit) if timing.visible else None
    trace.append(f"course {choice.treatment}: {start} to {end or 'ongoing'}")
    return Placed(choice, timing, start, end, visible=visible)


def _sessions(
    position: int,
    choice: Choice,
    timing: Timing,
    *,
    earliest: date,
    busy: list[_Busy],
    trace: list[str],
) -> Placed:
    planned = timing.sessions
    datable = planned if (planned is not None and timing.interval is not None) else 1
    dates: list[date] = []
    candidate = earliest
    for number in range(1, datable + 1):
        if number > 1 and timing.interval is not None:
            candidate = after(dates[-1], *timing.interval)
        day = _free_day(candidate, timing.downtime, busy, owner=position, trace=trace)
        dates.append(day)
        busy.append(_Busy(day, _end(day, timing.downtime), position))
    last = dates[-1]
    all_dated = planned is not None and datable == planned
    visible = None
    if all_dated and timing.visible is not None:
        visible = after(last, timing.visible.high, timing.visible.unit)
    trace.append(f"sessions {choice.treatment}: {', '.join(str(d) for d in dates)}")
    return Placed(
        choice,
        timing,
        dates[0],
        last,
        dates,
        visible=visible,
        recovered=_end(last, timing.downtime),
        complete=all_dated,
    )


def _end(day: date, span: Span | None) -> date:
    return day if span is None else after(day, span.high, span.unit)


def _free_day(
    candidate: date, downtime: Span | None, busy: list[_Busy], *, owner: int, trace: list[str]
) -> date:
    """The first day from `candidate` whose session and downtime clash with no other item's."""
    for _ in range(MAX_MOVES):
        end = _end(candidate, downtime)
        clash = [b for b in busy if b.owner != owner and b.start <= end and candidate <= b.end]
        if not clash:
            return candidate
        moved = max(b.end for b in clash) + timedelta(days=1)
        trace.append(f"move {candidate} to {moved}: another treatment's downtime")
        candidate = moved
    raise AssertionError("no free day found; the plan has more downtime than days")


def parts(
    scheduled: Scheduled, index: KnowledgeIndex
) -> tuple[list[PlanItem], list[Session], list[Window], list[Review]]:
    """The plan's values for a finished schedule."""
    items, sessions, windows, reviews = [], [], [], []
    for entry in scheduled.placed:
        choice, timing = entry.choice, entry.timing
        treatment = index.treatments[choice.treatment]
        name = treatment.name.lower()
        if timing.kind == "course" and entry.end is not None:
            windows.append(
                Window(kind="course", treatment=treatment.id, start=entry.start, end=entry.end)
            )
        if timing.kind == "course" and timing.review is not None:
            reviews.append(
                Review(
                    treatment=treatment.id,
                    date=after(entry.start, timing.review.high, timing.review.unit),
                    code="course_review",
                    text=f"Review with the clinic whether {name} is working.",
                )
            )
        for number, day in enumerate(entry.dates, start=1):
            sessions.append(
                Session(
                    treatment=treatment.id,
                    condition=choice.condition,
                    number=number,
                    of=timing.sessions,
                    date=day,
                    minutes=timing.session_minutes,
                )
            )
            if timing.downtime is not None:
                windows.append(
                    Window(
                        kind="downtime",
                        treatment=treatment.id,
                        start=day,
                        end=_end(day, timing.downtime),
                    )
                )
            if timing.sun is not None:
                windows.append(
                    Window(
                        kind="sun_avoidance",
                        treatment=treatment.id,
                        start=day,
                        end=_end(day, timing.sun),
                    )
                )
        if timing.kind == "sessions" and (entry.visible is not None or not entry.complete):
            reviews.append(_session_review(entry, treatment.id, name))
        items.append(_item(entry, index))
    sessions.sort(key=lambda s: (s.date, s.treatment, s.number))
    windows.sort(key=lambda w: (w.start, w.kind, w.treatment))
    reviews.sort(key=lambda r: (r.date, r.treatment))
    return items, sessions, windows, reviews


def _session_review(entry: Placed, treatment: str, name: str) -> Review:
    if entry.visible is not None:
        return Review(
            treatment=treatment,
            date=entry.visible,
            code="judge_result",
            text=f"Judge the result of {name} with the clinic.",
        )
    last = entry.dates[-1]
    interval = entry.timing.interval
    return Review(
        treatment=treatment,
        date=after(last, *interval) if interval else last,
        code="next_sessions",
        text=f"Agree the next sessions of {name} with the clinic.",
    )


def _item(entry: Placed, index: KnowledgeIndex) -> PlanItem:
    choice, timing = entry.choice, entry.timing
    notes = list(timing.notes)
    for rule_id, text in zip(choice.deferral_rules, choice.deferral_notes, strict=True):
        rule = index.rules[rule_id]
        until = choice.deferred_until
        notes.append(
            Note(
                code="deferred",
                text=text,
                sources=rule.sources,
                rule=rule_id,
                values={"until": until.isoformat()} if until and rule.wait else {},
            )
        )
    interval = timing.interval
    interval_days = (after(entry.start, *interval) - entry.start).days if interval else None
    return PlanItem(
        treatment=choice.treatment,
        condition=choice.condition,
        name=index.treatments[choice.treatment].name,
        rationale=choice.rationale,
        kind=timing.kind,
        start=entry.start,
        end=entry.end,
        sessions=timing.sessions,
        interval_days=interval_days,
        session_minutes=timing.session_minutes,
        results_visible=entry.visible,
        recovered=entry.recovered,
        deferred_until=choice.deferred_until,
        notes=tuple(notes),
        sources=choice.sources,
    )
