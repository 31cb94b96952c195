"""`dorsum fhir import`: read one patient's FHIR R4 data and print it as a contract-1 intake.

The intake goes to standard output (JSON or YAML); what was skipped, and NDJSON lines that could
not be read, go to standard error as counts and line numbers, never as patient data.
"""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml

from dorsum.cli.common import parse_day, settings_today, stderr, user_errors
from dorsum.cli.reading import InputFileError

if TYPE_CHECKING:
    from dorsum.core.intake import Intake

fhir_app = typer.Typer(help="Read and write FHIR R4.", no_args_is_help=True)


@fhir_app.callback()
def fhir() -> None:
    """Read and write HL7 FHIR R4 (the R4B models, wire-compatible with R4)."""


class IntakeFormat(StrEnum):
    json = "json"
    yaml = "yaml"


@fhir_app.command("import")
def import_intake(
    source: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help=(
                "A FHIR Bundle or resource (JSON), or Bulk Data NDJSON (.ndjson or"
                " .ndjson.gz); '-' is stdin."
            ),
        ),
    ],
    today: Annotated[
        str | None,
        typer.Option(help="The day ages and months are counted to (YYYY-MM-DD); default: today."),
    ] = None,
    output: Annotated[
        IntakeFormat, typer.Option("--format", "-f", help="Print the intake as JSON or YAML.")
    ] = IntakeFormat.json,
) -> None:
    """Print the intake in one patient's FHIR data (or an answered intake questionnaire).

    What was skipped, and why, is listed on stderr."""
    day = parse_day(today, "--today") or settings_today()
    with user_errors():
        intake = read_fhir_intake(load_fhir(source), today=day)
    _print_intake(intake.model_dump(mode="json", exclude_defaults=True), output)


class Lang(StrEnum):
    en = "en"
    es = "es"


@fhir_app.command("questionnaire")
def print_questionnaire(
    lang: Annotated[Lang, typer.Option(help="Language of the questions.")] = Lang.en,
) -> None:
    """Print the intake as a FHIR Questionnaire (SDC style), for an EHR's forms."""
    from dorsum.fhir.questionnaire import questionnaire

    sys.stdout.write(json.dumps(questionnaire(language=lang.value), indent=2, ensure_ascii=False))
    sys.stdout.write("\n")


def _print_intake(data: dict[str, Any], output: IntakeFormat) -> None:
    if output is IntakeFormat.yaml:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


EXPECTED = "expected a FHIR Bundle or resource (JSON) or Bulk Data NDJSON"


def load_fhir(source: str) -> Any:
    """The FHIR in a file or stdin ('-'): a parsed JSON document, or the list of resources of
    NDJSON (named .ndjson / .ndjson.gz, or several JSON objects one per line); gzip is undone.

    Unreadable NDJSON lines are listed on stderr by line number, never by content."""
    label = "standard input" if source == "-" else source
    text = _fhir_text(source, label)
    if not text.strip():
        raise InputFileError(f"{label} is empty; {EXPECTED}")
    if not _is_ndjson(source):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            if not _looks_like_ndjson(text):
                where = f"line {error.lineno}, column {error.colno}"
                raise InputFileError(
                    f"{label} is not valid JSON ({error.msg} at {where}); {EXPECTED}"
                ) from None
    return _ndjson(text.splitlines(), label)


def is_fhir(document: Any) -> bool:
    """Whether a parsed document is FHIR (a resource, or a list of them), not a contract intake."""
    if isinstance(document, list):
        return bool(document) and all(is_fhir(item) for item in document)
    return isinstance(document, dict) and isinstance(document.get("resourceType"), str)


def read_fhir_intake(document: Any, *, today: date) -> Intake:
    """The intake in loaded FHIR (`load_fhir`), with what was used and skipped on stderr."""
    from dorsum.fhir import intake_from_resources, resources_in

    if isinstance(document, dict) and document.get("resourceType") == "QuestionnaireResponse":
        from dorsum.fhir.questionnaire_response import intake_from_questionnaire_response

        intake = intake_from_questionnaire_response(document, today=today)
        stderr.print("the intake questionnaire's answers were read", highlight=False)
        return intake
    read = intake_from_resources(resources_in(document), today=today)
    who = f"Patient/{read.patient_id}" if read.patient_id else "the patient"
    stderr.print(f"{who}: {read.used} resource(s) used", highlight=False, markup=False)
    for reason, count in sorted(read.skipped.items()):
        stderr.print(f"  skipped {count} × {reason}", highlight=False, markup=False)
    return read.intake


def _is_ndjson(source: str) -> bool:
    return source.lower().endswith((".ndjson", ".ndjson.gz"))


def _looks_like_ndjson(text: str) -> bool:
    """Several lines, the first of them a whole JSON object: Bulk Data NDJSON, not one JSON."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except json.JSONDecodeError:
        return False


def _fhir_text(source: str, label: str) -> str:
    """The text of a file or stdin, un-gzipped when gzipped, with errors that name FHIR."""
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(
            f"{label} is a directory; {EXPECTED} file (use `dorsum screen DIR` for a Bulk"
            " Data export of many patients)"
        ) from None
    except OSError as error:
        raise InputFileError(f"{label} cannot be read: {error.strerror}") from None
    try:
        if raw[:2] == GZIP_MAGIC or source.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, zlib.error):
        raise InputFileError(f"{label} is not UTF-8 text (gzipped or not); {EXPECTED}") from None


GZIP_MAGIC = b"\x1f\x8b"


def _ndjson(lines: list[str], label: str) -> list[dict[str, Any]]:
    from dorsum.fhir import ndjson_resources

    read = ndjson_resources(lines, source=label)
    for bad in read.malformed:
        stderr.print(f"  {bad.source} line {bad.line}: {bad.reason}", highlight=False, markup=False)
    return read.resources
