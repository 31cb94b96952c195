"""A treatment plan: the dated timeline a patient follows, as one value.

Renderers (JSON, terminal timeline, iCalendar, the patient report in HTML and PDF) render this
value and recompute nothing. The assessment it was built from travels with it.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Literal

from pydantic import Field

from dorsum.core.assessment import Assessment, ConditionId, _Value

PLAN_VERSION: Literal[1] = 1
ItemKind = Literal["daily", "course", "sessions"]
WindowKind = Literal["course", "downtime", "sun_avoidance"]
Hemisphere = Literal["north", "south"]


class Note(_Value):
    """A sourced remark: how a figure was set, or something the patient should know."""

    code: str
    text: str
    sources: tuple[str, ...] = ()
    rule: str = ""
    values: dict[str, str] = Field(
        default_factory=dict
    )  # what a translation needs to say the same (dates, counts)


class Session(_Value):
    """One dated visit. `of` is the planned number of sessions, when it is known."""

    treatment: str
    condition: ConditionId
    number: int
    of: int | None
    date: date
    minutes: int | None = None


class Window(_Value):
    """A stretch of days: a topical course, downtime after a session, or sun avoidance."""

    kind: WindowKind
    treatment: str
    start: date
    end: date
    in_summer: bool = False


class Review(_Value):
    """A point to judge progress, such as the 12-week review of a topical course."""

    treatment: str
    date: date
    code: Literal["course_review", "judge_result", "next_sessions"]
    text: str


class Period(_Value):
    start: date
    end: date


class PlanItem(_Value):
    """One chosen treatment, scheduled."""

    treatment: str
    condition: ConditionId
    name: str
    rationale: str
    kind: ItemKind
    start: date
    end: date | None  # last session, or the end of the course; None for daily care
    sessions: int | None = None
    interval_days: int | None = None
    session_minutes: int | None = None
    results_visible: date | None = None
    recovered: date | None = None  # the end of the downtime after the last session
    deferred_until: date | None = None
    notes: tuple[Note, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def finish(self) -> date | None:
        """When this item's result is visible and the skin has recovered (None: unknown)."""
        if self.kind == "daily":
            return None
        if self.results_visible is None:
            return None
        return max(d for d in (self.results_visible, self.recovered) if d is not None)


class TargetCheck(_Value):
    """Whether everything is visible and recovered by the patient's date, and if not, why."""

    date: dt.date
    met: bool
    finish: dt.date | None
    reasons: tuple[Note, ...] = ()
    latest_start: dt.date | None = None
    alternatives: tuple[str, ...] = ()


class Plan(_Value):
    plan_version: Literal[1] = PLAN_VERSION
    knowledge_base_version: str
    start: date
    hemisphere: Hemisphere
    summers: tuple[Period, ...]
    items: tuple[PlanItem, ...]
    sessions: tuple[Session, ...]
    windows: tuple[Window, ...]
    reviews: tuple[Review, ...]
    finish: date | None
    target: TargetCheck | None
    warnings: tuple[Note, ...]
    trace: tuple[str, ...]
    assessment: Assessment

    @property
    def last_date(self) -> date:
        """The last date anything in the plan happens (for drawing the timeline)."""
        dates = [self.start]
        dates += [w.end for w in self.windows]
        dates += [s.date for s in self.sessions] + [r.date for r in self.reviews]
        dates += [i.results_visible for i in self.items if i.results_visible]
        if self.target is not None:
            dates.append(self.target.date)
        return max(dates)
