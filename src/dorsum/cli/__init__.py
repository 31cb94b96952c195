"""The `dorsum` command line.

Exit status: 0 on success, 1 when a check finds problems, 2 for bad input (unreadable file,
invalid intake, unknown id). Every expected failure is a message, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from dorsum.cli.audit import audit_app
from dorsum.cli.clinic import clinic_app
from dorsum.cli.common import parse_day, settings_today, user_errors
from dorsum.cli.fhir import fhir_app, is_fhir, read_fhir_intake
from dorsum.cli.kb import kb_app
from dorsum.cli.outbox import outbox_app
from dorsum.cli.plan import Lang, plan_command
from dorsum.cli.reading import read_document
from dorsum.cli.schedule import schedule_app
from dorsum.cli.screen import screen_command, synthetic_command
from dorsum.cli.web import db_app, demo, serve
from dorsum.core.validation import parse_intake

app = typer.Typer(
    name="dorsum",
    help="Clinical decision support and treatment planning for skin conditions of the back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb")
app.command("plan")(plan_command)
app.command("serve")(serve)
app.command("demo")(demo)
app.add_typer(db_app, name="db")
app.add_typer(clinic_app, name="clinic")
app.add_typer(audit_app, name="audit")
app.add_typer(outbox_app, name="outbox")
app.add_typer(schedule_app, name="schedule")
app.add_typer(fhir_app, name="fhir")
fhir_app.command("synthetic")(synthetic_command)
app.command("screen")(screen_command)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    fhir = "fhir"


@app.command()
def assess(
    intake_file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="Intake in JSON or YAML, or a FHIR Bundle or resource (JSON); '-' reads stdin.",
        ),
    ],
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format", "-f", help="text report, contract JSON, or a FHIR R4 Bundle (JSON)."
        ),
    ] = OutputFormat.text,
    today: Annotated[
        str | None, typer.Option(help="Date to assess on (YYYY-MM-DD); default: today.")
    ] = None,
    trace: Annotated[bool, typer.Option(help="Also list the rules that fired.")] = False,
    lang: Annotated[
        Lang, typer.Option(help="Language of the texts in the JSON and FHIR formats.")
    ] = Lang.en,
) -> None:
    """Assess one intake: conditions, ranked options, exclusions, referral and advice.

    A FHIR Bundle or resource is read as `dorsum fhir import` reads it, on the same day."""
    from dorsum import assess as run_assessment
    from dorsum.knowledge import default_index
    from dorsum.reports.terminal import print_assessment

    day = parse_day(today, "--today") or settings_today()
    with user_errors():
        document = read_document(intake_file)
        if is_fhir(document):
            intake = read_fhir_intake(document, today=day)
        else:
            intake = parse_intake(document)
        assessment = run_assessment(intake, today=day, language=lang.value)
        if output is OutputFormat.json:
            json.dump(assessment.model_dump(mode="json"), sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif output is OutputFormat.fhir:
            from dorsum.fhir.assessment_bundle import assessment_bundle

            bundle = assessment_bundle(assessment, index=default_index(), language=lang.value)
            json.dump(bundle, sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            print_assessment(assessment, index=default_index(), show_trace=trace)


def main() -> None:
    """Console-script entry point."""
    app()
