"""`dorsum screen`: re-screen a population from a FHIR Bulk Data export; `dorsum fhir synthetic`.

The report goes to a CSV file; progress, totals and the first malformed lines go to stderr, and
never the content of a line (it may hold what a patient told the clinic).
"""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures.process import BrokenProcessPool
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from dorsum.cli.common import fail, parse_day, settings_today, stderr, user_errors
from dorsum.screening.patient import ScreenSpec
from dorsum.screening.summary import ScreenSummary

SHOWN_MALFORMED = 20
SHOWN_SKIPPED = 15


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def screen_command(
    directory: Annotated[
        str,
        typer.Argument(
            metavar="DIR",
            help="Folder of a Bulk Data export (*.ndjson[.gz]); for Spark, any path it reads.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The report (CSV) to write.")],
    today: Annotated[
        str | None, typer.Option(help="Date to assess on (YYYY-MM-DD); default: today.")
    ] = None,
    kb: Annotated[
        str | None,
        typer.Option(help="Knowledge-base version or directory; default: the shipped one."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="An earlier knowledge-base version (or directory) to report changes."),
    ] = None,
    engine: Annotated[Engine, typer.Option(help="local (embedded) or spark.")] = Engine.local,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes for the local engine; default: one per core."),
    ] = None,
) -> None:
    """Assess every patient of a Bulk Data export and write one report row per patient."""
    day = parse_day(today, "--today") or settings_today()
    spec = ScreenSpec(today=day, kb=kb, since=since)
    if not out.parent.is_dir():
        fail(f"--out: the folder {out.parent} does not exist")
    if out.is_dir():
        fail(f"--out: {out} is a folder; give the name of the report file (e.g. report.csv)")
    with user_errors():
        spec.context()  # a bad --kb or --since fails here, before any reading
        try:
            if engine is Engine.spark:
                summary = _run_spark(directory, out, spec)
            else:
                summary = _run_local(Path(directory), out, spec, workers or os.cpu_count() or 1)
        except OSError as error:  # a full disk, a file that cannot be read or written
            fail(f"{error.filename or out}: {error.strerror or error}")
        except BrokenProcessPool:
            fail("a worker process died (out of memory?); try again with fewer --workers")
    _print_summary(summary, out)


def synthetic_command(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="Folder to write into.")],
    patients: Annotated[int, typer.Option(min=1, help="How many patients.")] = 1000,
    seed: Annotated[int, typer.Option(help="The same seed gives the same files.")] = 0,
    malformed_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of lines followed by a broken line.")
    ] = 0.0,
    broken_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of patients with no valid intake.")
    ] = 0.0,
    gzipped: Annotated[bool, typer.Option("--gzip", help="Write *.ndjson.gz.")] = False,
    today: Annotated[
        str | None, typer.Option(help="The date the export is as of (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Write a synthetic population as a FHIR Bulk Data export (one NDJSON file per type)."""
    from dorsum.screening.synthetic import SyntheticOptions, write_synthetic

    if out_dir.exists() and not out_dir.is_dir():
        fail(f"{out_dir} is a file; OUT_DIR must be a folder")
    if out_dir.is_dir() and any(out_dir.glob("*.ndjson*")):
        fail(f"{out_dir} already holds an export; choose an empty or new folder")
    day = parse_day(today, "--today") or settings_today()
    options = SyntheticOptions(
        patients=patients,
        seed=seed,
        today=day,
        malformed_rate=malformed_rate,
        broken_rate=broken_rate,
        gzipped=gzipped,
    )
    with user_errors():
        written = write_synthetic(out_dir, options)
    stderr.print(
        f"wrote {written.patients} patients, {sum(written.resources.values())} resources "
        f"({sum(written.noise.values())} that dorsum does not use), {written.malformed} "
        f"malformed lines, in {len(written.files)} files under {out_dir}",
        highlight=False,
    )


def _run_local(directory: Path, out: Path, spec: ScreenSpec, workers: int) -> ScreenSummary:
    from dorsum.screening.export import bulk_files
    from dorsum.screening.local_engine import run_local

    files = bulk_files(directory)
    with _Bar() as bar:
        return run_local(files, out, spec, workers=workers, progress=bar)


def _run_spark(directory: str, out: Path, spec: ScreenSpec) -> ScreenSummary:
    local = "://" not in directory and not any(c in directory for c in "*?[{")
    if local and not Path(directory).exists():  # said before Spark starts (and logs in Java)
        fail(f"{directory}: no such folder")
    if importlib.util.find_spec("pyspark") is None:
        fail("the Spark engine needs PySpark: pip install 'dorsum[spark]' (and Java 17)")
    from dorsum.screening.spark_engine import run_spark

    def show(message: str) -> None:
        stderr.print(f"spark: {message}", highlight=False, markup=False)

    summary: ScreenSummary = run_spark([directory], out, spec, progress=show)
    return summary


def _print_summary(summary: ScreenSummary, out: Path) -> None:
    for bad in summary.sorted_malformed()[:SHOWN_MALFORMED]:
        stderr.print(f"[yellow]malformed line[/] {bad}", highlight=False)
    if summary.malformed > SHOWN_MALFORMED:
        stderr.print(f"... and {summary.malformed - SHOWN_MALFORMED} more malformed lines")
    by_count = sorted(summary.skipped.items(), key=lambda item: (-item[1], item[0]))
    for reason, count in by_count[:SHOWN_SKIPPED]:  # ties by reason: the same on every run
        stderr.print(f"skipped {count:>9,} {reason}", highlight=False)
    if len(summary.skipped) > SHOWN_SKIPPED:
        stderr.print(f"... and {len(summary.skipped) - SHOWN_SKIPPED} more kinds of skipped")
    stderr.print(
        f"[green]✓[/] {summary.patients:,} patients screened into {out} "
        f"({summary.skipped_total:,} resources skipped, {summary.malformed:,} malformed lines)",
        highlight=False,
    )


class _Bar:
    """A rich progress bar: bytes read of the total, then partitions screened."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            TimeElapsedColumn(),
            console=stderr,
        )
        self.task: TaskID | None = None
        self.unit = ""

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def reading(self, total_bytes: int) -> None:
        self._start("reading", total_bytes, "MB")

    def read(self, size: int) -> None:
        self._advance(size)

    def screening(self, partitions: int) -> None:
        self._start("screening", partitions, "partitions")

    def screened(self) -> None:
        self._advance(1)

    def _start(self, what: str, total: int, unit: str) -> None:
        self.unit = unit
        self.task = self.progress.add_task(f"{what:<9}", total=total, amount="")
        self._advance(0)

    def _advance(self, amount: int) -> None:
        if self.task is None:
            return
        self.progress.advance(self.task, amount)
        task = self.progress.tasks[-1]
        done, total = task.completed, task.total or 0
        if self.unit == "MB":
            text = f"{done / 1e6:,.1f}/{total / 1e6:,.1f} MB"
        else:
            text = f"{done:,.0f}/{total:,.0f} {self.unit}"
        self.progress.update(self.task, amount=text)
