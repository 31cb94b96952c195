"""`dorsum plan`: a dated treatment plan, as a terminal timeline, JSON, iCalendar, the
patient report in HTML or PDF, or a FHIR R4 CarePlan Bundle, in English or Spanish."""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dorsum.cli.common import fail, parse_day, settings_today, user_errors
from dorsum.cli.reading import read_document


class PlanFormat(StrEnum):
    text = "text"
    json = "json"
    ics = "ics"
    html = "html"
    pdf = "pdf"
    fhir = "fhir"


class Lang(StrEnum):
    en = "en"
    es = "es"


def plan_command(
    *,
    intake_file: Annotated[
        str, typer.Argument(metavar="INTAKE", help="Intake in JSON or YAML; '-' reads stdin.")
    ],
    choose: Annotated[
        list[str] | None,
        typer.Option(
            "--choose",
            "-c",
            metavar="ID",
            help="A treatment to plan (repeat for more). Default: the best option per condition.",
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First day of the plan (YYYY-MM-DD). Default: today.")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            help="The date it should be done by (YYYY-MM-DD, or 'summer'). "
            "Default: the intake's goals.target_date."
        ),
    ] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the report.")] = Lang.en,
    output: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = (
        PlanFormat.text
    ),
    out: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.")
    ] = None,
    hemisphere: Annotated[
        str | None, typer.Option(help="north or south: when summer is. Default: north.")
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="Two-letter country code, instead of --hemisphere.")
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="Date of the assessment (YYYY-MM-DD). Default: today.")
    ] = None,
) -> None:
    """Build a dated treatment plan for an intake and render it."""

    import dorsum
    from dorsum.core.planner.seasons import hemisphere_of, next_summer_start
    from dorsum.i18n import Localizer
    from dorsum.reports import ics, patient, plan_terminal

    day = parse_day(today, "--today") or settings_today()
    first = parse_day(start, "--start")
    if output is PlanFormat.pdf and out is None and sys.stdout.isatty():
        fail("a PDF cannot be shown in the terminal: add -o FILE (for example -o plan.pdf)")
    with user_errors():
        intake = read_document(intake_file)
        goal = None
        if target == "summer":
            side = hemisphere_of(hemisphere=hemisphere, country=country)
            goal = next_summer_start(side, first or day)
        else:
            goal = parse_day(target, "--target")
        index = dorsum.default_index()
        plan = dorsum.plan(
            intake,
            choose=choose or None,
            start=first,
            target=goal,
            hemisphere=hemisphere,
            country=country,
            today=day,
            index=index,
        )
        localizer = Localizer(lang.value)
        if output is PlanFormat.text and out is None:
            plan_terminal.print_plan(plan, index=index, localizer=localizer)
            return
        content: str | bytes
        if output is PlanFormat.json:
            content = json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        elif output is PlanFormat.ics:
            content = ics.plan_ics(plan, index=index, localizer=localizer)
        elif output is PlanFormat.html:
            content = patient.report_html(plan, index=index, localizer=localizer)
        elif output is PlanFormat.pdf:
            content = patient.report_pdf(plan, index=index, localizer=localizer)
        elif output is PlanFormat.fhir:
            from dorsum.fhir.plan_bundle import plan_bundle

            bundle = plan_bundle(plan, index=index, localizer=localizer)
            content = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
        else:
            from rich.console import Console

            console = Console(record=True, width=120, file=io.StringIO())
            plan_terminal.print_plan(plan, index=index, localizer=localizer, console=console)
            content = console.export_text()
        _write(content, out)


def _write(content: str | bytes, out: Path | None) -> None:
    data = content.encode() if isinstance(content, str) else content
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror}")
    typer.echo(f"wrote {out}", err=True)
