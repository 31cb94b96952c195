"""The plan's timeline as an SVG Gantt chart, readable at a glance on paper.

One row per treatment: the course as a pale bar, each session as a dot, the downtime after it
as a red band, sun avoidance as an orange band, the review as a grey triangle and the date
results should show as a green diamond. Summers are shaded and the patient's own date is a
dashed line. Every word comes from the localizer, so the chart speaks the report's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from dorsum.core.dates import add_months
from dorsum.core.plan import Plan, PlanItem
from dorsum.i18n import Localizer

WIDTH = 760
LABEL_WIDTH = 180
CHART_LEFT = LABEL_WIDTH + 12
CHART_RIGHT = WIDTH - 14
TOP = 38
ROW = 46
LEGEND = 58
LABEL_PIXELS = 58  # room a month label needs, so labels never overlap

COLOURS = {
    "session": "#1f4e79",
    "course": "#a9cce3",
    "daily": "#d6eaf8",
    "downtime": "#c0392b",
    "sun": "#e67e22",
    "summer": "#fdf2c5",
    "result": "#1e8449",
    "review": "#566573",
    "target": "#922b21",
    "grid": "#d5d8dc",
    "text": "#1c2833",
}


@dataclass(frozen=True)
class _Scale:
    first: date
    last: date

    def x(self, day: date) -> float:
        span = max((self.last - self.first).days, 1)
        offset = min(max((day - self.first).days, 0), span)
        return CHART_LEFT + (CHART_RIGHT - CHART_LEFT) * offset / span


def gantt_svg(plan: Plan, localizer: Localizer) -> str:
    """The timeline of `plan` as a standalone SVG document fragment."""
    first = plan.start.replace(day=1)
    last = add_months(plan.last_date.replace(day=1), 1)
    scale = _Scale(first, last)
    rows = list(plan.items)
    height = TOP + ROW * max(len(rows), 1) + LEGEND
    title = escape(localizer.gettext("Treatment timeline"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{title}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
    ]
    chart_bottom = TOP + ROW * max(len(rows), 1)
    parts += _summers(plan, scale, chart_bottom, localizer)
    parts += _months(scale, chart_bottom, localizer)
    for number, item in enumerate(rows):
        parts += _row(plan, item, scale, TOP + ROW * number, localizer)
    if plan.target is not None:
        parts += _target(plan.target.date, scale, chart_bottom, localizer)
    parts += _legend(chart_bottom + 16, localizer)
    parts.append("</svg>")
    return "".join(parts)


def _summers(plan: Plan, scale: _Scale, bottom: int, loc: Localizer) -> list[str]:
    label = escape(loc.gettext("Summer"))
    out = []
    for summer in plan.summers:
        x0, x1 = scale.x(summer.start), scale.x(summer.end)
        if x1 - x0 < 1:
            continue
        out.append(
            f'<rect x="{x0:.1f}" y="{TOP - 6}" width="{x1 - x0:.1f}" height="{bottom - TOP + 6}" '
            f'fill="{COLOURS["summer"]}"><title>{label}</title></rect>'
        )
    return out


def _months(scale: _Scale, bottom: int, loc: Localizer) -> list[str]:
    months = []
    day = scale.first
    while day <= scale.last:
        months.append(day)
        day = add_months(day, 1)
    spacing = (CHART_RIGHT - CHART_LEFT) / max(len(months) - 1, 1)
    step = max(1, math.ceil(LABEL_PIXELS / spacing))
    out = []
    for n, month in enumerate(months):
        x = scale.x(month)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="{COLOURS["grid"]}" stroke-width="0.8"/>'
        )
        if n % step == 0 and month < scale.last:
            out.append(
                f'<text x="{x + 3:.1f}" y="{TOP - 10}" font-size="9.5" '
                f'fill="{COLOURS["text"]}">{escape(loc.month(month))}</text>'
            )
    return out


def _wrap(text: str, width: int = 26) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3]


def _row(plan: Plan, item: PlanItem, scale: _Scale, y: int, loc: Localizer) -> list[str]:
    middle = y + ROW / 2
    label = _wrap(loc.kb(item.name))
    first_line = middle - 6 * (len(label) - 1)
    out = [
        f'<line x1="0" y1="{y + ROW}" x2="{WIDTH}" y2="{y + ROW}" stroke="{COLOURS["grid"]}" '
        'stroke-width="0.5"/>',
        "".join(
            f'<text x="4" y="{first_line + 12 * n + 4:.1f}" font-size="11" font-weight="bold" '
            f'fill="{COLOURS["text"]}">{escape(line)}</text>'
            for n, line in enumerate(label)
        ),
    ]
    if item.kind == "daily":
        out.append(_bar(scale.x(plan.start), CHART_RIGHT, middle - 5, 10, COLOURS["daily"]))
        daily = escape(loc.gettext("daily care"))
        out.append(
            f'<text x="{scale.x(plan.start) + 4:.1f}" y="{middle + 4:.1f}" font-size="9" '
            f'fill="{COLOURS["text"]}">{daily}</text>'
        )
    for window in (w for w in plan.windows if w.treatment == item.treatment):
        x0, x1 = scale.x(window.start), scale.x(window.end)
        if window.kind == "course":
            out.append(_bar(x0, x1, middle - 8, 16, COLOURS["course"]))
        elif window.kind == "downtime":
            out.append(_bar(x0, max(x1, x0 + 2), middle + 8, 5, COLOURS["downtime"]))
        else:
            out.append(_bar(x0, x1, middle + 14, 4, COLOURS["sun"], opacity=0.85))
    for review in (r for r in plan.reviews if r.treatment == item.treatment):
        x = scale.x(review.date)
        out.append(
            f'<path d="M{x:.1f},{middle - 15:.1f} l5,-8 l-10,0 z" fill="{COLOURS["review"]}"/>'
        )
    for session in (s for s in plan.sessions if s.treatment == item.treatment):
        out.append(
            f'<circle cx="{scale.x(session.date):.1f}" cy="{middle:.1f}" r="5" '
            f'fill="{COLOURS["session"]}" stroke="white" stroke-width="1"/>'
        )
    if item.results_visible is not None:
        x = scale.x(item.results_visible)
        out.append(
            f'<path d="M{x:.1f},{middle - 7:.1f} l7,7 l-7,7 l-7,-7 z" '
            f'fill="{COLOURS["result"]}" stroke="white" stroke-width="1"/>'
        )
    return out


def _bar(x0: float, x1: float, y: float, h: float, colour: str, *, opacity: float = 1.0) -> str:
    return (
        f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" height="{h}" rx="2" '
        f'fill="{colour}" fill-opacity="{opacity}"/>'
    )


def _target(day: date, scale: _Scale, bottom: int, loc: Localizer) -> list[str]:
    x = scale.x(day)
    label = escape(loc.gettext("Your date"))
    return [
        f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{bottom}" '
        f'stroke="{COLOURS["target"]}" stroke-width="2" stroke-dasharray="5,3"/>',
        f'<text x="{x - 3:.1f}" y="{TOP - 24}" font-size="10" font-weight="bold" '
        f'text-anchor="end" fill="{COLOURS["target"]}">'
        f"{label}: {escape(loc.date(day, 'medium'))}</text>",
    ]


def _legend(y: int, loc: Localizer) -> list[str]:
    entries = [
        ("session", loc.gettext("Session")),
        ("course", loc.gettext("Course")),
        ("downtime", loc.gettext("Recovery")),
        ("sun", loc.gettext("Avoid the sun")),
        ("result", loc.gettext("Results visible")),
        ("review", loc.gettext("Review")),
        ("summer", loc.gettext("Summer")),
        ("target", loc.gettext("Your date")),
    ]
    out = []
    x = 4.0
    row_y = float(y)
    for kind, label in entries:
        width = 26 + 6.2 * len(label)
        if x + width > WIDTH:
            x, row_y = 4.0, row_y + 20
        out.append(_symbol(kind, x, row_y))
        out.append(
            f'<text x="{x + 20:.1f}" y="{row_y + 4:.1f}" font-size="10" '
            f'fill="{COLOURS["text"]}">{escape(label)}</text>'
        )
        x += width
    return out


def _symbol(kind: str, x: float, y: float) -> str:
    colour = COLOURS[kind]
    if kind == "session":
        return f'<circle cx="{x + 7:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
    if kind == "result":
        return f'<path d="M{x + 7:.1f},{y - 6:.1f} l6,6 l-6,6 l-6,-6 z" fill="{colour}"/>'
    if kind == "review":
        return f'<path d="M{x + 7:.1f},{y + 4:.1f} l5,-8 l-10,0 z" fill="{colour}"/>'
    if kind == "target":
        return (
            f'<line x1="{x + 7:.1f}" y1="{y - 7:.1f}" x2="{x + 7:.1f}" y2="{y + 7:.1f}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="4,2"/>'
        )
    height = {"course": 12, "downtime": 5, "sun": 4, "summer": 12}[kind]
    return _bar(x, x + 14, y - height / 2, height, colour)
