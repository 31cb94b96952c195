"""The plan as a terminal timeline (rich): one row per treatment, one column per week.

A legend explains the symbols;
summer weeks have a grey background. Below the chart, the dated list of what happens.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.i18n import Localizer
from dorsum.reports import wording

LABEL_WIDTH = 22


def render_plan(
    plan: Plan, *, index: KnowledgeIndex, localizer: Localizer | None = None, width: int = 100
) -> Group:
    """The timeline, the treatments, the target check and the dated list, for `width` columns."""
    loc = localizer or Localizer("en")
    parts: list[RenderableType] = [
        Text(loc.gettext("Your treatment plan"), style="bold"),
        Text(loc.gettext("The plan starts on %(start)s.", start=loc.date(plan.start)), style="dim"),
    ]
    for reason in plan.assessment.referral.reasons:
        parts.append(Text("⚠ " + wording.referral_text(reason, index, loc), style="bold red"))
    parts.append(_chart(plan, index, loc, columns=max(width - LABEL_WIDTH - 4, 20)))
    legend = loc.gettext(
        "● session  █ course  ░ recovery  ~ avoid the sun  ▼ review  ◆ results  │ your date"
    )
    parts.append(Text(legend, style="dim"))
    parts.append(_items(plan, index, loc))
    if plan.target is not None:
        check = plan.target
        headline = (
            loc.gettext("Ready by your date (%(date)s).", date=loc.date(check.date))
            if check.met
            else loc.gettext("Not ready by your date (%(date)s).", date=loc.date(check.date))
        )
        lines = Text(headline + "\n", style="bold green" if check.met else "bold yellow")
        for line in wording.target_lines(plan, index, loc):
            lines.append("  " + line + "\n")
        parts.append(lines)
    for warning in plan.warnings:
        parts.append(Text("☀ " + wording.note_text(warning, index, loc), style="yellow"))
    parts.append(_agenda(plan, index, loc))
    return Group(*parts)


def print_plan(
    plan: Plan,
    *,
    index: KnowledgeIndex,
    localizer: Localizer | None = None,
    console: Console | None = None,
) -> None:
    console = console or Console()
    console.print(render_plan(plan, index=index, localizer=localizer, width=console.width))


def _columns(plan: Plan, most: int) -> tuple[date, int, int]:
    """Weekly columns, or fortnightly and wider, so that the chart fits `most` columns."""
    first = plan.start - timedelta(days=plan.start.weekday())
    days = (plan.last_date - first).days + 7
    step = 7
    while days // step + 1 > most:
        step += 7
    return first, step, days // step + 1


def _chart(plan: Plan, index: KnowledgeIndex, loc: Localizer, *, columns: int) -> Table:
    first, step, count = _columns(plan, columns)
    table = Table(box=box.SIMPLE, show_header=True, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("", no_wrap=True, max_width=LABEL_WIDTH, overflow="ellipsis")
    table.add_column(_header(first, step, count, loc), no_wrap=True)
    for item in plan.items:
        cells = [" "] * count
        styles = [""] * count

        def mark(
            day: date,
            symbol: str,
            style: str,
            *,
            cells: list[str] = cells,
            styles: list[str] = styles,
        ) -> None:
            column = (day - first).days // step
            if 0 <= column < count:
                cells[column] = symbol
                styles[column] = style

        for window in (w for w in plan.windows if w.treatment == item.treatment):
            day = window.start
            symbol, style = {
                "course": ("█", "blue"),
                "downtime": ("░", "red"),
                "sun_avoidance": ("~", "yellow"),
            }[window.kind]
            while day <= window.end:
                if cells[min(max((day - first).days // step, 0), count - 1)] == " ":
                    mark(day, symbol, style)
                day += timedelta(days=step)
        if item.kind == "daily":
            for column in range(max((item.start - first).days // step, 0), count):
                cells[column], styles[column] = "·", "cyan"
        for review in (r for r in plan.reviews if r.treatment == item.treatment):
            mark(review.date, "▼", "bold")
        for session in (s for s in plan.sessions if s.treatment == item.treatment):
            mark(session.date, "●", "bold blue")
        if item.results_visible is not None:
            mark(item.results_visible, "◆", "bold green")
        if plan.target is not None:
            column = (plan.target.date - first).days // step
            if 0 <= column < count and cells[column] == " ":
                cells[column], styles[column] = "│", "bold red"
        row = Text()
        for n, (cell, style) in enumerate(zip(cells, styles, strict=True)):
            in_summer = any(
                s.start <= first + timedelta(days=n * step) <= s.end for s in plan.summers
            )
            row.append(cell, style=(style + " on grey23" if in_summer else style) or None)
        table.add_row(wording.name(item.treatment, index, loc), row)
    return table


def _header(first: date, step: int, count: int, loc: Localizer) -> str:
    header = [" "] * count
    previous = None
    for column in range(count):
        day = first + timedelta(days=column * step)
        if day.month != previous:
            label = loc.month(day)[:3]
            if all(c == " " for c in header[column : column + len(label) + 1]):
                header[column : column + len(label)] = list(label)
            previous = day.month
    return "".join(header[:count])


def _items(plan: Plan, index: KnowledgeIndex, loc: Localizer) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_header=True)
    table.add_column(loc.gettext("Treatment"))
    table.add_column(loc.gettext("When"))
    table.add_column(loc.gettext("Notes"), ratio=1)
    for item in plan.items:
        notes = "\n".join("• " + wording.note_text(n, index, loc) for n in item.notes)
        table.add_row(
            wording.name(item.treatment, index, loc), wording.schedule_line(item, loc), notes
        )
    return table


def _agenda(plan: Plan, index: KnowledgeIndex, loc: Localizer) -> Table:
    table = Table(
        title=loc.gettext("Key dates"), title_justify="left", box=box.SIMPLE_HEAD, show_header=False
    )
    table.add_column("date", no_wrap=True, style="dim")
    table.add_column("what")
    rows = [(s.date, wording.session_text(s, index, loc), "") for s in plan.sessions]
    rows += [(r.date, wording.review_text(r, index, loc), "") for r in plan.reviews]
    rows += [
        (
            i.results_visible,
            loc.gettext(
                "%(name)s: results should be visible", name=wording.name(i.treatment, index, loc)
            ),
            "green",
        )
        for i in plan.items
        if i.results_visible is not None
    ]
    if plan.target is not None:
        rows.append((plan.target.date, loc.gettext("Your date"), "bold red"))
    for day, text, style in sorted(rows, key=lambda row: row[0]):
        table.add_row(loc.date(day, "medium"), Text(text, style=style or ""))
    return table
