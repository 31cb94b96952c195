"""`dorsum assess --format fhir` and `dorsum plan --format fhir` print a FHIR R4 Bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import dorsum
from dorsum.cli import app
from dorsum.fhir.r4b import validate_bundle
from tests.conftest import EXAMPLES, TODAY

runner = CliRunner()
DAY = TODAY.isoformat()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    return result.exit_code, result.stdout, result.stderr


def _kinds(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_assess_prints_a_valid_bundle_of_the_same_assessment(example: Path) -> None:
    """The Bundle validates and carries one Condition per condition of the JSON contract."""
    code, out, err = invoke("assess", str(example), "--format", "fhir", "--today", DAY)
    assert code == 0, err
    bundle = json.loads(out)
    validate_bundle(bundle)
    expected = dorsum.assess(json.loads(example.read_text()), today=TODAY)
    assert _kinds(bundle).count("Condition") == len(expected.conditions)
    provenance = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "provenance")
    assert provenance["entity"][0]["what"]["identifier"]["value"] == expected.knowledge_base_version


def test_plan_prints_a_care_plan_bundle_in_the_chosen_language() -> None:
    """`--format fhir --lang es` gives a valid Bundle with a CarePlan worded in Spanish."""
    teen = str(next(p for p in EXAMPLES if p.stem == "teen-back-acne"))
    code, out, err = invoke("plan", teen, "--format", "fhir", "--today", DAY, "--lang", "es")
    assert code == 0, err
    bundle = json.loads(out)
    validate_bundle(bundle)
    care_plan = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "plan")
    assert care_plan["title"] == "Plan de tratamiento"
    assert "Condition" in _kinds(bundle)


def test_plan_can_write_the_bundle_to_a_file(tmp_path: Path) -> None:
    """`-o FILE` writes the same JSON the terminal would show."""
    teen = str(next(p for p in EXAMPLES if p.stem == "teen-back-acne"))
    target = tmp_path / "plan.json"
    code, _, err = invoke("plan", teen, "--format", "fhir", "--today", DAY, "-o", str(target))
    assert code == 0, err
    _, shown, _ = invoke("plan", teen, "--format", "fhir", "--today", DAY)
    assert target.read_text() == shown


def test_a_bad_intake_is_a_message_and_status_2_in_fhir_format(tmp_path: Path) -> None:
    """Bad input still names the field and exits 2, never a traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"patient": {"age": -3}}))
    code, out, err = invoke("assess", str(bad), "--format", "fhir", "--today", DAY)
    assert code == 2
    assert "patient.age" in err
    assert "Traceback" not in out + err


def test_the_other_formats_are_unchanged() -> None:
    """`--format json` is still the contract, not a Bundle."""
    teen = str(next(p for p in EXAMPLES if p.stem == "teen-back-acne"))
    code, out, _ = invoke("assess", teen, "--format", "json", "--today", DAY)
    assert code == 0
    assert json.loads(out)["contract"] == 1
