"""`dorsum screen` and `dorsum fhir synthetic` from the command line: a report and a summary,
changes since an earlier version, and exit status 2 with a message for every expected failure."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import dorsum
from dorsum.cli.screen import screen_command, synthetic_command
from dorsum.core.assessment import Exclusion
from dorsum.knowledge.versions import load_version
from dorsum.screening.report import read_report
from dorsum.screening.synthetic import synthetic_intakes
from tests.test_screening_versions import changed_copy

DAY = date(2026, 11, 30)
TODAY = DAY.isoformat()
PATIENTS = 120
SEED = 4

app = typer.Typer()
app.command("screen")(screen_command)
app.command("synthetic")(synthetic_command)
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-export")
    code, err = invoke(
        "synthetic", str(folder), "--patients", str(PATIENTS), "--seed", str(SEED),
        "--malformed-rate", "0.02", "--today", TODAY,
    )  # fmt: skip
    assert code == 0, err
    return folder


def test_synthetic_writes_one_file_per_resource_type(export: Path) -> None:
    """The generator writes Bulk-style NDJSON, one file per resource type."""
    names = {path.name for path in export.iterdir()}
    assert {"Patient.ndjson", "Observation.ndjson", "Encounter.ndjson"} <= names


def test_the_same_seed_writes_the_same_files(export: Path, tmp_path: Path) -> None:
    """Generation is deterministic for a seed."""
    args = ("--patients", str(PATIENTS), "--seed", str(SEED), "--malformed-rate", "0.02")
    assert invoke("synthetic", str(tmp_path), *args, "--today", TODAY)[0] == 0
    for path in export.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_screen_writes_a_row_per_patient_and_a_summary(export: Path, tmp_path: Path) -> None:
    """The report has every patient; stderr says how many, and where malformed lines are."""
    out = tmp_path / "report.csv"
    code, err = invoke("screen", str(export), "--out", str(out), "--today", TODAY, "--workers", "1")
    assert code == 0, err
    assert len(read_report(out)) == PATIENTS
    assert f"{PATIENTS} patients screened" in err
    assert "malformed line" in err
    assert ".ndjson:" in err


def test_since_reports_exactly_the_patients_a_change_affects(export: Path, tmp_path: Path) -> None:
    """Against the shipped version, a knowledge base with a longer isotretinoin wait marks as
    changed exactly the patients whose exclusions differ between the two."""
    folder = changed_copy(tmp_path, "2099.1.0", "months: 6}", "months: 9}")
    out = tmp_path / "since.csv"
    code, err = invoke(
        "screen", str(export), "--out", str(out), "--today", TODAY, "--workers", "1",
        "--kb", str(folder), "--since", "2026.11.0",
    )  # fmt: skip
    assert code == 0, err
    changed = {row.patient_id for row in read_report(out) if row.changes}
    new = load_version(str(folder))
    expected = set()
    for pid, intake in synthetic_intakes(PATIENTS, SEED):
        before = dorsum.assess(intake, today=DAY).excluded
        after = dorsum.assess(intake, today=DAY, index=new).excluded
        if _reasons(before) != _reasons(after):
            expected.add(pid)
            assert intake.history.isotretinoin_months_since_stop is not None
    assert expected, "the synthetic population should include recent isotretinoin courses"
    assert changed == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "1999.1.0"), "no knowledge-base version or directory '1999.1.0'"),
        (("--kb", "/no/such/kb"), "no knowledge-base version or directory"),
        (("--today", "tomorrow"), "--today must be a date"),
    ],
)
def test_bad_options_are_a_message_and_status_2(
    export: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    """A bad option names itself and exits 2, without a traceback."""
    code, err = invoke("screen", str(export), "--out", str(tmp_path / "r.csv"), *args)
    assert code == 2
    assert message in " ".join(err.split())
    assert "not valid" not in err  # a typing mistake is not a broken knowledge base
    assert "Traceback" not in err


@pytest.mark.parametrize("what", ["an export", "a file"])
def test_synthetic_never_writes_over_an_export_or_into_a_file(
    export: Path, tmp_path: Path, what: str
) -> None:
    """Writing into a folder that already holds an export would mix two populations; into a
    file is impossible. Both are a message and status 2, and nothing is changed."""
    target = export if what == "an export" else tmp_path / "a-file"
    if what == "a file":
        target.write_text("keep me")
    before = {p.name: p.read_bytes() for p in export.iterdir()}
    code, err = invoke("synthetic", str(target), "--patients", "3", "--today", TODAY)
    assert code == 2
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in export.iterdir()} == before


def test_a_report_that_cannot_be_written_is_a_message(export: Path, tmp_path: Path) -> None:
    """--out in a folder that does not exist: status 2, naming the folder."""
    code, err = invoke("screen", str(export), "--out", str(tmp_path / "no" / "r.csv"))
    assert code == 2
    assert "does not exist" in err


def test_a_report_path_that_is_a_folder_is_a_message_before_any_work(
    export: Path, tmp_path: Path
) -> None:
    """--out naming a folder: status 2 at once, saying to give a file name."""
    code, err = invoke("screen", str(export), "--out", str(tmp_path), "--today", TODAY)
    assert code == 2
    assert "is a folder" in " ".join(err.split())


def test_a_folder_without_an_export_is_a_message(tmp_path: Path) -> None:
    """An empty folder: status 2, saying there are no NDJSON files."""
    code, err = invoke("screen", str(tmp_path), "--out", str(tmp_path / "r.csv"), "--today", TODAY)
    assert code == 2
    assert "no *.ndjson" in err


def test_spark_without_pyspark_says_how_to_install_it(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--engine spark` where PySpark is missing: status 2 and the pip command."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    code, err = invoke(
        "screen", str(export), "--out", str(tmp_path / "r.csv"), "--today", TODAY,
        "--engine", "spark",
    )  # fmt: skip
    assert code == 2
    assert "pip install 'dorsum[spark]'" in err


def _reasons(excluded: tuple[Exclusion, ...]) -> set[tuple[str, str, tuple[object, ...]]]:
    return {
        (e.treatment, e.condition, tuple((r.code, r.until) for r in e.reasons)) for e in excluded
    }


def test_spark_on_a_missing_local_folder_is_a_message_before_spark_starts(tmp_path: Path) -> None:
    """A mistyped local path is named at once, without Spark's Java stack trace."""
    missing = tmp_path / "no-such-export"
    out = str(tmp_path / "r.csv")
    code, err = invoke("screen", str(missing), "--out", out, "--engine", "spark")
    assert code == 2
    assert f"{missing}: no such folder" in " ".join(err.split())
    assert "java" not in err.lower()
