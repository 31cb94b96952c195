"""The assessment as a terminal report (rich): what was found, what fits, what is ruled out.

The referral comes first and in red when there is one, because a clinician must not miss it.
Every sentence comes from the wording module, so the terminal says what the JSON and the web
page say.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dorsum.core.assessment import Assessment, Recommendation
from dorsum.core.dates import long_date
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import Localizer
from dorsum.reports import wording

EN = Localizer("en")

URGENCY_LABEL = {
    "same_day": "SAME DAY",
    "urgent": "URGENT",
    "routine": "ROUTINE",
}
SEVERITY_STYLE = {"mild": "green", "moderate": "yellow", "severe": "bold red"}


def render_assessment(
    assessment: Assessment, *, index: KnowledgeIndex, show_trace: bool = False
) -> Group:
    """The whole report as one rich renderable."""
    parts: list[RenderableType] = [_header(assessment)]
    if assessment.referral.urgency != "none":
        parts.append(_referral(assessment, index))
    parts.append(_conditions(assessment))
    parts.append(_recommendations(assessment, index))
    if assessment.excluded:
        parts.append(_excluded(assessment, index))
    if assessment.advice:
        parts.append(_advice(assessment, index))
    parts.append(_sources(assessment, index))
    if show_trace:
        parts.append(_trace(assessment))
    return Group(*parts)


def print_assessment(
    assessment: Assessment,
    *,
    index: KnowledgeIndex,
    console: Console | None = None,
    show_trace: bool = False,
) -> None:
    """Print the report to the console (standard output by default)."""
    console = console or Console()
    console.print(render_assessment(assessment, index=index, show_trace=show_trace))


def _header(assessment: Assessment) -> Text:
    text = Text("dorsum assessment", style="bold")
    text.append(
        f"  ·  {long_date(assessment.assessed_on)}  ·  knowledge base "
        f"{assessment.knowledge_base_version}",
        style="dim",
    )
    return text


def _referral(assessment: Assessment, index: KnowledgeIndex) -> Panel:
    referral = assessment.referral
    lines = Text()
    for reason in referral.reasons:
        lines.append(f"• [{URGENCY_LABEL[reason.urgency]}] ", style="bold")
        lines.append(wording.referral_text(reason, index, EN) + "\n")
    title = f"REFER TO A PHYSICIAN: {URGENCY_LABEL[referral.urgency]}"
    style = "bold white on red" if referral.urgency != "routine" else "bold red"
    return Panel(lines, title=title, title_align="left", border_style=style)


def _conditions(assessment: Assessment) -> RenderableType:
    if not assessment.conditions:
        return Text("No back-skin condition was recorded in this intake.", style="italic")
    table = Table(title="Findings", title_justify="left", box=box.SIMPLE_HEAD, expand=True)
    table.add_column("Condition")
    table.add_column("Severity")
    table.add_column("Grading")
    for condition in assessment.conditions:
        readings = "\n".join(
            "{}: {}".format(*wording.reading_words(r, EN)[:2]) + (f" ({r.band})" if r.band else "")
            for r in condition.grading
        )
        table.add_row(
            condition.name or condition.id,
            Text(condition.severity, style=SEVERITY_STYLE[condition.severity]),
            readings,
        )
    return table


def _recommendations(assessment: Assessment, index: KnowledgeIndex) -> RenderableType:
    if not assessment.recommendations:
        return Text("No treatment option fits without a physician's review.", style="italic")
    table = Table(title="Options, best first", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right")
    table.add_column("Treatment")
    table.add_column("For")
    table.add_column("Evidence")
    table.add_column("Why, and cautions", ratio=1)
    for item in assessment.recommendations:
        table.add_row(
            str(item.rank),
            item.name + ("\n(physician)" if item.physician_required else ""),
            item.condition.replace("_", " "),
            item.evidence,
            _why(item, index),
        )
    return table


def _why(item: Recommendation, index: KnowledgeIndex) -> Text:
    text = Text(wording.rationale_text(item, index, EN))
    if item.requires:
        names = ", ".join(wording.name(t, index, EN, inline=True) for t in item.requires)
        text.append("\n" + EN.gettext("Only together with %(names)s.", names=names), style="bold")
    for caution in item.cautions:
        text.append("\n⚠ ", style="yellow")
        text.append(wording.caution_text(caution, index, EN))
        text.append(f" [{caution.code}]", style="dim")
    return text


def _excluded(assessment: Assessment, index: KnowledgeIndex) -> Table:
    table = Table(title="Ruled out or deferred", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Treatment")
    table.add_column("For")
    table.add_column("Why not", ratio=1)
    for item in assessment.excluded:
        reasons = Text()
        for n, reason in enumerate(item.reasons):
            if n:
                reasons.append("\n")
            reasons.append("✗ ", style="red")
            reasons.append(wording.reason_text(reason, index, EN))
            if reason.until is not None and reason.params.get("counted_from") != "last_dose":
                reasons.append(f" Until {long_date(reason.until)}.", style="bold")
            reasons.append(f" [{reason.code}]", style="dim")
        for caution in item.cautions:
            reasons.append("\n⚠ ", style="yellow")
            reasons.append(wording.caution_text(caution, index, EN))
            reasons.append(f" [{caution.code}]", style="dim")
        table.add_row(item.name or item.treatment, item.condition.replace("_", " "), reasons)
    return table


def _advice(assessment: Assessment, index: KnowledgeIndex) -> Table:
    table = Table(title="At home", title_justify="left", box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("Code", style="cyan")
    table.add_column("Advice", ratio=1)
    for item in assessment.advice:
        table.add_row(item.code.replace("_", " "), wording.advice_text(item, index, EN))
    return table


def _sources(assessment: Assessment, index: KnowledgeIndex) -> Text:
    text = Text("Sources\n", style="bold")
    for source_id in assessment.cited_sources():
        source = index.sources.get(source_id)
        title = source.title if source else source_id
        text.append(f"  {source_id}", style="cyan")
        text.append(f"  {title}\n", style="dim")
    return text


def _trace(assessment: Assessment) -> Text:
    text = Text("Rules that fired\n", style="bold")
    for line in assessment.trace:
        text.append(f"  {line}\n", style="dim")
    return text
