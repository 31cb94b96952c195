"""`dorsum plan`: every format, both languages, and exit status 2 for what cannot be planned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dorsum.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()
SCARS = str(next(p for p in EXAMPLES if p.stem == "severe-acne-scars"))
PREGNANT = str(next(p for p in EXAMPLES if p.stem == "pregnant-acne"))
DAY = ["--today", "2026-11-21"]


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plan", *args], env={"COLUMNS": "120"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_gets_a_timeline(example: Path) -> None:
    """The default text output is a timeline with the dated list."""
    code, out, err = invoke(str(example), *DAY)
    assert code == 0, err
    assert "Your treatment plan" in out
    assert "● session" in out


def test_json_is_the_plan_value() -> None:
    """`--format json` prints the plan, with its assessment."""
    code, out, _ = invoke(
        SCARS,
        *DAY,
        "--choose",
        "punch_excision",
        "--choose",
        "laser_resurfacing",
        "--format",
        "json",
    )
    plan = json.loads(out)
    assert code == 0
    assert [i["treatment"] for i in plan["items"]] == ["punch_excision", "laser_resurfacing"]
    assert plan["target"]["date"] == "2027-06-01"
    assert plan["assessment"]["contract"] == 1


def test_ics_html_and_pdf_files_are_written(tmp_path: Path) -> None:
    """Each file format is written where -o says."""
    for fmt, magic in (("ics", b"BEGIN:VCALENDAR"), ("html", b"<!DOCTYPE html>"), ("pdf", b"%PDF")):
        path = tmp_path / f"plan.{fmt}"
        code, _, err = invoke(SCARS, *DAY, "--format", fmt, "-o", str(path))
        assert code == 0, err
        assert path.read_bytes().startswith(magic)


def test_the_report_can_be_in_spanish(tmp_path: Path) -> None:
    """`--lang es` gives the Spanish report."""
    path = tmp_path / "plan.html"
    code, _, _ = invoke(PREGNANT, *DAY, "--lang", "es", "--format", "html", "-o", str(path))
    assert code == 0
    assert "Su plan de tratamiento" in path.read_text()


def test_summer_can_be_the_target() -> None:
    """`--target summer` aims at the first day of the next summer."""
    code, out, _ = invoke(PREGNANT, *DAY, "--target", "summer", "--format", "json")
    assert code == 0
    assert json.loads(out)["target"]["date"] == "2027-06-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--choose", "topical_retinoid"], "ruled out"),
        (["--choose", "lazer"], "not a treatment dorsum knows"),
        (["--choose", "cryolipolysis"], "does not suit"),
        (["--start", "2026-13-01"], "--start must be a date"),
        (["--target", "next june"], "--target must be a date"),
        (["--start", "2027-08-01", "--target", "2027-07-01"], "before the start"),
        (["--start", "2020-01-01"], "before the assessment"),
        (["--hemisphere", "east"], "hemisphere"),
        (["--country", "Spain"], "two-letter"),
    ],
    ids=[
        "contraindicated",
        "unknown",
        "unsuitable",
        "bad start",
        "bad target",
        "target first",
        "past start",
        "hemisphere",
        "country",
    ],
)
def test_what_cannot_be_planned_exits_2_with_a_message(args: list[str], message: str) -> None:
    """Bad dates, unknown and excluded options each get exit 2 and a clear message."""
    code, out, err = invoke(PREGNANT, *DAY, *args)
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in out + err


def test_an_unwritable_output_path_exits_2(tmp_path: Path) -> None:
    """A missing directory is reported, not a traceback."""
    code, _, err = invoke(PREGNANT, *DAY, "--format", "ics", "-o", str(tmp_path / "no" / "x.ics"))
    assert code == 2
    assert "cannot write" in err
