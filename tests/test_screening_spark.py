"""The Spark engine gives exactly what the local engine gives: rows, skips and malformed lines.

Spark runs in local mode in one session for the module. Its splits are made small (16 KB) so
that plain files are read in several splits and line numbering across splits is exercised.
Without pyspark (or Java) the module is skipped, unless DORSUM_REQUIRE_SPARK=1 (CI) says the
Spark path must run.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dorsum.core.errors import DorsumError
from dorsum.screening.export import ExportError, bulk_files
from dorsum.screening.local_engine import run_local
from dorsum.screening.patient import ScreenSpec
from dorsum.screening.report import read_report
from dorsum.screening.summary import MalformedLine, ScreenSummary
from dorsum.screening.synthetic import SyntheticOptions, write_synthetic

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

REQUIRED = os.environ.get("DORSUM_REQUIRE_SPARK") == "1"
if importlib.util.find_spec("pyspark") is None:  # pragma: no cover - depends on the environment
    if REQUIRED:
        raise ImportError("DORSUM_REQUIRE_SPARK=1 but pyspark is not installed")
    pytest.skip("pyspark is not installed: pip install 'dorsum[spark]'", allow_module_level=True)

TODAY = date(2026, 11, 30)
SPLIT_BYTES = 64 * 1024
PATIENTS = 300


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local session for the module; `run_spark` borrows it and leaves it running."""
    from dorsum.screening.spark_session import spark_session

    settings = {"spark.sql.files.maxPartitionBytes": str(SPLIT_BYTES)}
    try:
        with spark_session("local[2]", settings) as session:
            session.sparkContext.setLogLevel("ERROR")
            yield session
    except Exception as error:  # pragma: no cover - no Java on this machine
        if REQUIRED:
            raise
        pytest.skip(f"Spark cannot start here: {error}")


@dataclass(frozen=True)
class Run:
    """A report and the totals of one run."""

    report: Path
    summary: ScreenSummary


def export(directory: Path, *, gzipped: bool) -> Path:
    """A synthetic population with noise, broken patients and truncated (malformed) lines."""
    options = SyntheticOptions(
        PATIENTS, seed=11, today=TODAY, malformed_rate=0.01, broken_rate=0.03, gzipped=gzipped
    )
    write_synthetic(directory, options)
    return directory


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(tmp_path_factory.mktemp("plain"), gzipped=False)


@pytest.fixture(scope="module")
def gzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(tmp_path_factory.mktemp("gzipped"), gzipped=True)


@pytest.fixture(scope="module")
def local(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The local engine's run on the plain export: what Spark must reproduce."""
    out = tmp_path_factory.mktemp("local") / "report.csv"
    return Run(out, run_local(bulk_files(plain), out, ScreenSpec(today=TODAY)))


def spark_run(directory: Path, out: Path) -> Run:
    """Screen with the Spark engine in the module's session."""
    from dorsum.screening.spark_engine import run_spark

    return Run(out, run_spark([str(directory)], out, ScreenSpec(today=TODAY)))


@pytest.fixture(scope="module")
def spark_plain(spark: SparkSession, plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return spark_run(plain, tmp_path_factory.mktemp("spark-plain") / "report.csv")


@pytest.fixture(scope="module")
def spark_gzipped(
    spark: SparkSession, gzipped: Path, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    return spark_run(gzipped, tmp_path_factory.mktemp("spark-gzipped") / "report.csv")


def test_the_plain_export_gives_the_local_report_byte_for_byte(
    spark_plain: Run, local: Run
) -> None:
    """Same rows, same order, same CSV: the report files are identical."""
    assert len(read_report(spark_plain.report)) > PATIENTS * 0.9  # two empty reports prove nothing
    assert spark_plain.report.read_bytes() == local.report.read_bytes()


def test_the_gzipped_export_gives_the_same_report(spark_gzipped: Run, local: Run) -> None:
    """Gzipped files (each read whole by one task) give the report of the plain files."""
    assert spark_gzipped.report.read_bytes() == local.report.read_bytes()


@pytest.mark.parametrize("kind", ["spark_plain", "spark_gzipped"])
def test_totals_equal_the_local_engines(
    kind: str, local: Run, request: pytest.FixtureRequest
) -> None:
    """Patients, rows, skipped resources by reason, malformed lines by file and line number."""
    run: Run = request.getfixturevalue(kind)
    expected = local.summary
    assert (run.summary.patients, run.summary.rows) == (expected.patients, expected.rows)
    assert dict(run.summary.skipped) == dict(expected.skipped)
    assert run.summary.malformed == expected.malformed > 0
    suffix = ".gz" if kind == "spark_gzipped" else ""
    assert [(bad.file, bad.line) for bad in run.summary.sorted_malformed()] == [
        (bad.file + suffix, bad.line) for bad in expected.sorted_malformed()
    ]


def test_malformed_lines_give_the_local_engines_reasons(spark_plain: Run, local: Run) -> None:
    """Each malformed line is explained in the same words by both engines."""
    assert [bad.reason for bad in spark_plain.summary.sorted_malformed()] == [
        bad.reason for bad in local.summary.sorted_malformed()
    ]


def test_malformed_lines_are_numbered_across_splits(spark: SparkSession, tmp_path: Path) -> None:
    """A file read in several splits reports each bad line by its line number in the file."""
    good = json.dumps({"resourceType": "Patient", "id": "p1", "birthDate": "1990-01-01"})
    lines = [good] * 5000
    bad = {3: "{not json", 1777: "[1, 2]", 4999: '{"id": "x"}'}
    for number, text in bad.items():
        lines[number - 1] = text
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text("\n".join(lines) + "\n")
    assert len(good) * 5000 > 4 * SPLIT_BYTES  # the file really is read in several splits
    run = spark_run(folder, tmp_path / "spark.csv")
    assert [(m.file, m.line) for m in run.summary.sorted_malformed()] == [
        ("Patient.ndjson", number) for number in sorted(bad)
    ]
    assert run.summary.malformed == len(bad)


def test_blank_lines_are_neither_rows_nor_malformed(spark: SparkSession, tmp_path: Path) -> None:
    """Blank lines, as the local engine treats them, are skipped silently."""
    folder = tmp_path / "export"
    folder.mkdir()
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1990-01-01"}
    with gzip.open(folder / "Patient.ndjson.gz", "wt") as handle:
        handle.write("\n" + json.dumps(patient) + "\n   \n")
    run = spark_run(folder, tmp_path / "spark.csv")
    assert [row.patient_id for row in read_report(run.report)] == ["p1"]
    assert run.summary.malformed == 0


def test_files_other_than_ndjson_are_not_read(
    spark: SparkSession, plain: Path, local: Run, tmp_path: Path
) -> None:
    """A Bulk export's manifest and other files beside the NDJSON are left alone."""
    folder = tmp_path / "export"
    folder.mkdir()
    for path in bulk_files(plain):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "manifest.json").write_text('{"transactionTime": "2026-11-30T00:00:00Z"}\n')
    run = spark_run(folder, tmp_path / "spark.csv")
    assert run.report.read_bytes() == local.report.read_bytes()
    assert run.summary.malformed == local.summary.malformed


def test_a_folder_without_ndjson_is_a_clear_error(spark: SparkSession, tmp_path: Path) -> None:
    """No NDJSON at the path: an ExportError naming it, never a Spark stack trace."""
    (tmp_path / "notes.txt").write_text("nothing here\n")
    with pytest.raises(ExportError, match=r"no \*\.ndjson"):
        spark_run(tmp_path, tmp_path / "spark.csv")


def test_a_missing_path_is_a_clear_error(spark: SparkSession, tmp_path: Path) -> None:
    """A path Spark cannot find: an ExportError with Spark's one-line reason."""
    with pytest.raises(ExportError, match=r"Spark cannot read .*missing"):
        spark_run(tmp_path / "missing", tmp_path / "spark.csv")


def test_malformed_line_reasons_never_quote_the_line(spark: SparkSession, tmp_path: Path) -> None:
    """What a patient told the clinic never reaches the run's summary."""
    secret = "keloid after my brother's stabbing"
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Condition.ndjson").write_text('{"note": "' + secret + "\n")
    run = spark_run(folder, tmp_path / "spark.csv")
    assert run.summary.first_malformed == [
        MalformedLine("Condition.ndjson", 1, run.summary.first_malformed[0].reason)
    ]
    assert secret not in str(run.summary.first_malformed[0])


def test_a_knowledge_base_that_does_not_load_fails_before_spark_runs(
    spark: SparkSession, plain: Path, tmp_path: Path
) -> None:
    """A bad --kb is dorsum's own error on the driver, not a failed Spark job."""
    from dorsum.screening.spark_engine import run_spark
    from dorsum.screening.spark_session import SparkError

    spec = ScreenSpec(today=TODAY, kb=str(tmp_path / "no-such-kb"))
    with pytest.raises(DorsumError) as raised:
        run_spark([str(plain)], tmp_path / "spark.csv", spec)
    assert not isinstance(raised.value, SparkError)


@pytest.mark.parametrize("kind", ["PySparkRuntimeError", "Py4JError"])
def test_spark_failures_become_one_line_errors(kind: str) -> None:
    """Spark's pages of stack trace (PySpark's own, or py4j's) become a one-line SparkError."""
    from pyspark.errors import PySparkRuntimeError

    from dorsum.screening.spark_session import PY4J_ERROR, SparkError, spark_errors

    failures: dict[str, type[Exception]] = {
        "PySparkRuntimeError": PySparkRuntimeError,
        "Py4JError": PY4J_ERROR,
    }
    failure = failures[kind]
    with pytest.raises(SparkError, match=r"^Spark failed: the job broke$"), spark_errors():
        raise failure("the job broke\n\tat org.apache.spark.Somewhere")


def test_spark_that_cannot_start_is_a_clear_error(plain: Path, tmp_path: Path) -> None:
    """No Java (here, a JAVA_HOME without one): a SparkError saying so, not a traceback."""
    script = (
        "import sys; from datetime import date; from pathlib import Path\n"
        "from dorsum.screening.patient import ScreenSpec\n"
        "from dorsum.screening.spark_engine import run_spark\n"
        "from dorsum.screening.spark_session import SparkError\n"
        "try:\n"
        f"    run_spark([{str(plain)!r}], Path({str(tmp_path / 'r.csv')!r}),"
        " ScreenSpec(today=date(2026, 11, 30)))\n"
        "except SparkError as error:\n"
        "    print(error)\n"
    )
    environment = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    environment.pop("PYSPARK_SUBMIT_ARGS", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Spark failed: ")
    assert "JAVA_GATEWAY_EXITED" in done.stdout
