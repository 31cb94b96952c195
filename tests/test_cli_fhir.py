"""`dorsum fhir import`: FHIR in, the intake out; skipped counts on stderr; errors exit 2."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dorsum.cli.fhir import fhir_app
from dorsum.core.intake import Intake
from dorsum.fhir import intake_bundle, intake_resources
from tests.conftest import TODAY

EXAMPLES = Path(__file__).parent / "fhir_examples"
RUNNER = CliRunner()


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


INTAKE = {
    "patient": {"age": 29, "sex": "female", "pregnant": True},
    "history": {"recent_tan": True},
}


def test_import_prints_the_intake_of_a_bundle_as_json(tmp_path: Path) -> None:
    """A Bundle file gives the intake as JSON on stdout, with defaults left out."""
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(intake_bundle(INTAKE, today=TODAY)))
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == INTAKE


def test_import_prints_yaml_when_asked(tmp_path: Path) -> None:
    """--format yaml prints the same intake as YAML."""
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(intake_bundle(INTAKE, today=TODAY)))
    args = ["import", str(source), "--today", TODAY.isoformat(), "--format", "yaml"]
    result = RUNNER.invoke(fhir_app, args)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == INTAKE


def test_import_reads_ndjson_and_reports_bad_lines_by_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An .ndjson file is read line by line; a malformed line is named with its number."""
    monkeypatch.chdir(tmp_path)
    lines = [json.dumps(r) for r in intake_resources(INTAKE, today=TODAY)]
    Path("patient.ndjson").write_text("\n".join([lines[0], "{oops", *lines[1:]]) + "\n")
    result = RUNNER.invoke(fhir_app, ["import", "patient.ndjson", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == INTAKE
    assert "patient.ndjson line 2: not JSON" in flat(result.stderr)


def test_import_reads_standard_input() -> None:
    """'-' reads the document from standard input."""
    document = json.dumps(intake_bundle(INTAKE, today=TODAY))
    args = ["import", "-", "--today", TODAY.isoformat()]
    result = RUNNER.invoke(fhir_app, args, input=document)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == INTAKE


def test_import_lists_what_was_skipped_on_stderr() -> None:
    """Skipped resources are counted by reason on stderr, not mixed into the intake."""
    source = EXAMPLES / "ehr-searchset.json"
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["patient"] == {"age": 32, "sex": "female", "bmi": 27.4}
    assert "Patient/ehr-42: 8 resource(s) used" in flat(result.stderr)
    assert "skipped 1 × resource type Practitioner" in flat(result.stderr)


def test_a_document_without_a_patient_exits_2_with_a_message(tmp_path: Path) -> None:
    """No Patient: a message naming the problem, exit status 2, no traceback."""
    source = tmp_path / "condition.json"
    source.write_text(json.dumps({"resourceType": "Condition", "id": "c"}))
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 2
    assert "has no Patient resource" in flat(result.stderr)
    assert "Traceback" not in result.output


def test_an_invalid_value_exits_2_naming_the_resource(tmp_path: Path) -> None:
    """An age over 120 names the Patient and the intake field."""
    patient = {"resourceType": "Patient", "id": "old", "birthDate": "1800-01-01"}
    source = tmp_path / "patient.json"
    source.write_text(json.dumps(patient))
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 2
    assert "Patient/old" in flat(result.stderr)
    assert "patient.age" in flat(result.stderr)


def test_a_missing_file_and_a_bad_date_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing file or a malformed --today is a message and exit status 2."""
    monkeypatch.chdir(tmp_path)
    missing = RUNNER.invoke(fhir_app, ["import", "nope.ndjson", "--today", "2026-01-01"])
    bad_day = RUNNER.invoke(fhir_app, ["import", "-", "--today", "tomorrow"], input="{}")
    assert (missing.exit_code, bad_day.exit_code) == (2, 2)
    assert "nope.ndjson: no such file" in flat(missing.stderr)
    assert "--today" in bad_day.stderr


def test_import_reads_an_answered_intake_questionnaire(tmp_path: Path) -> None:
    """A QuestionnaireResponse to dorsum's intake questionnaire gives back the intake answered."""
    from dorsum.fhir.questionnaire_response import questionnaire_response

    source = tmp_path / "answers.json"
    answers = questionnaire_response(Intake.model_validate(INTAKE), today=TODAY)
    source.write_text(json.dumps(answers))
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == INTAKE


def test_questionnaire_prints_the_intake_form_in_the_language_asked() -> None:
    """`dorsum fhir questionnaire --lang es` prints the form with its questions in Spanish."""
    result = RUNNER.invoke(fhir_app, ["questionnaire", "--lang", "es"])
    assert result.exit_code == 0, result.output
    form = json.loads(result.stdout)
    assert form["resourceType"] == "Questionnaire"
    assert form["language"] == "es"
    assert form["item"][0]["item"][0]["text"] == "Edad"


def test_import_reads_gzipped_ndjson(tmp_path: Path) -> None:
    """A Bulk Data file as exported, `.ndjson.gz`, reads like the plain one."""
    source = tmp_path / "patient.ndjson.gz"
    lines = [json.dumps(r) for r in intake_resources(INTAKE, today=TODAY)]
    source.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == INTAKE


def test_a_gz_file_that_is_not_gzip_is_an_input_error(tmp_path: Path) -> None:
    """A `.ndjson.gz` that is not gzipped is a message and exit status 2, never a traceback."""
    source = tmp_path / "patient.ndjson.gz"
    source.write_text('{"resourceType": "Patient"}\n')
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 2
    assert "gzipped" in flat(result.output)


def test_an_id_that_looks_like_console_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    """A Patient id such as '[/x]' is not console markup: it is printed, never a crash."""
    source = tmp_path / "bundle.json"
    patient = {"resourceType": "Patient", "id": "[/x]", "birthDate": "2000-01-01"}
    source.write_text(json.dumps(patient))
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Patient/[/x]" in result.output


def _ndjson_text() -> str:
    return "\n".join(json.dumps(r) for r in intake_resources(INTAKE, today=TODAY)) + "\n"


@pytest.mark.parametrize("gzipped", [False, True])
def test_import_reads_ndjson_from_standard_input(gzipped: bool) -> None:
    """'-' whose content is NDJSON (one resource a line, plain or gzipped) is read as NDJSON."""
    text = _ndjson_text()
    sent = gzip.compress(text.encode()) if gzipped else text
    args = ["import", "-", "--today", TODAY.isoformat()]
    result = RUNNER.invoke(fhir_app, args, input=sent)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == INTAKE


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p.mkdir(), "is a directory; expected a FHIR Bundle or resource"),
        (lambda p: p.write_text(""), "is empty; expected a FHIR Bundle or resource"),
        (lambda p: p.write_text("{oops"), "is not valid JSON"),
    ],
)
def test_unreadable_input_says_fhir_was_expected_not_an_intake(
    tmp_path: Path, make: Any, said: str
) -> None:
    """A directory, an empty file or bad JSON: exit 2, a message about FHIR, never 'intake'."""
    source = tmp_path / "input.json"
    make(source)
    result = RUNNER.invoke(fhir_app, ["import", str(source), "--today", TODAY.isoformat()])
    assert result.exit_code == 2
    assert said in flat(result.output)
    assert "intake" not in flat(result.output)


def test_the_import_help_has_no_stray_line_break() -> None:
    """The command's help reads as sentences: 'listed on stderr' is not split mid-phrase."""
    result = RUNNER.invoke(fhir_app, ["import", "--help"], env={"COLUMNS": "200"})
    assert "What was skipped, and why, is listed on stderr." in flat(result.stdout)
    assert "list on\n" not in result.stdout


@pytest.mark.parametrize("fhir_format", ["bundle", "resources"])
def test_assess_reads_a_fhir_file_as_its_intake(tmp_path: Path, fhir_format: str) -> None:
    """`dorsum assess` given FHIR assesses the intake it describes, on the same --today."""
    from dorsum.cli import app

    fhir = (
        intake_bundle(INTAKE, today=TODAY)
        if fhir_format == "bundle"
        else intake_resources(INTAKE, today=TODAY)
    )
    (tmp_path / "fhir.json").write_text(json.dumps(fhir))
    (tmp_path / "intake.json").write_text(json.dumps(INTAKE))
    day = ["--today", TODAY.isoformat(), "--format", "json"]
    from_fhir = RUNNER.invoke(app, ["assess", str(tmp_path / "fhir.json"), *day])
    from_intake = RUNNER.invoke(app, ["assess", str(tmp_path / "intake.json"), *day])
    assert from_fhir.exit_code == 0, from_fhir.output
    assert json.loads(from_fhir.stdout) == json.loads(from_intake.stdout)
