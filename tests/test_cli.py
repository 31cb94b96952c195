"""The command line: readable reports, the contract in JSON, and exit status 2 with the field
paths for every kind of bad input, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dorsum.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()
TEEN = str(next(p for p in EXAMPLES if p.stem == "teen-back-acne"))


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "160"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_prints_a_report(example: Path) -> None:
    """The text report shows findings, ranked options and sources for each example."""
    code, out, err = invoke("assess", str(example), "--today", "2026-11-21")
    assert code == 0, err
    assert "Findings" in out
    assert "Sources" in out
    assert "Traceback" not in out + err


def test_text_report_shows_exclusions_with_reasons_and_dates() -> None:
    """Deferred options say why and until when."""
    path = next(p for p in EXAMPLES if p.stem == "mild-scars-after-isotretinoin")
    code, out, _ = invoke("assess", str(path), "--today", "2026-11-21")
    assert code == 0
    assert "Ruled out or deferred" in out
    assert "Until 21 March 2027" in out


def test_text_report_puts_a_referral_banner_first() -> None:
    """A referral is shown before the options, unmistakably."""
    path = next(p for p in EXAMPLES if p.stem == "severe-acne-scars")
    _, out, _ = invoke("assess", str(path))
    assert out.index("REFER TO A PHYSICIAN") < out.index("Options, best first")


def test_json_output_is_the_contract() -> None:
    """`--format json` prints contract 1 JSON."""
    code, out, _ = invoke("assess", TEEN, "--format", "json", "--today", "2026-11-21")
    assert code == 0
    result = json.loads(out)
    assert result["contract"] == 1
    assert result["conditions"] == [result["conditions"][0]]
    assert result["recommendations"][0]["treatment"] == "benzoyl_peroxide"


def test_yaml_on_standard_input_is_accepted() -> None:
    """`-` reads standard input, in YAML as well as JSON."""
    yaml_intake = "patient: {age: 30}\nfindings:\n  acne: {comedones: 5}\n"
    code, out, _ = invoke("assess", "-", "--format", "json", stdin=yaml_intake)
    assert code == 0
    assert json.loads(out)["conditions"][0]["severity"] == "mild"


def test_trace_option_lists_the_rules_that_fired() -> None:
    """`--trace` appends the rules that fired."""
    _, out, _ = invoke("assess", TEEN, "--trace")
    assert "Rules that fired" in out
    assert "grade.acne" in out


BAD_INTAKE = {
    "patient": {"age": 130, "fitzpatrick": 9, "sex": "unknown"},
    "history": {"allergies": ["penicillin"], "pregant": True},
    "findings": {"acne": {"papules": -3, "nodules": "many"}},
}


def test_bad_intake_names_every_bad_field_by_path(tmp_path: Path) -> None:
    """Exit 2 and one line per bad field, named by its dotted path."""
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BAD_INTAKE))
    code, out, err = invoke("assess", str(path))
    assert code == 2
    for field in (
        "patient.age",
        "patient.fitzpatrick",
        "patient.sex",
        "history.allergies.0",
        "history.pregant",
        "findings.acne.papules",
        "findings.acne.nodules",
    ):
        assert field in err, field
    assert "Did you mean 'patient.pregnant'?" in " ".join(err.split())
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('{"patient": {"age": 30},}', ".json", "not valid JSON"),
        ("patient: [age: 30\n", ".yaml", "not valid JSON or YAML"),
        ("", ".json", "is empty"),
        ('["not", "an", "object"]', ".json", "must be an object"),
        ("{}", ".json", "patient: is required"),
    ],
    ids=["json syntax", "yaml syntax", "empty", "not an object", "missing patient"],
)
def test_unreadable_intakes_exit_2_with_a_message(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    """Malformed files get a one-line explanation, with the line where there is one."""
    path = tmp_path / f"intake{suffix}"
    path.write_text(content)
    code, out, err = invoke("assess", str(path))
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err


def test_a_missing_file_exits_2() -> None:
    """A path that does not exist is named in the error."""
    code, _, err = invoke("assess", "no/such/intake.json")
    assert code == 2
    assert "no such file" in err


def test_a_bad_date_option_exits_2() -> None:
    """`--today` must be an ISO date."""
    code, _, err = invoke("assess", TEEN, "--today", "21/11/2026")
    assert code == 2
    assert "--today" in err


def test_an_unknown_format_exits_2() -> None:
    """Typer rejects an output format it does not know."""
    code, _, _ = invoke("assess", TEEN, "--format", "xml")
    assert code == 2


def test_a_date_outside_the_supported_years_is_a_message_not_a_traceback() -> None:
    """A typo such as year 9999 exits 2 naming the date."""
    code, out, err = invoke("assess", TEEN, "--today", "9999-12-30")
    assert code == 2
    assert "today: must be between 1900-01-01 and 2199-12-31" in err
    assert "Traceback" not in out + err
