"""Benchmark: population re-screening throughput on 100,000 synthetic patients, against the time
merely to read and parse the same NDJSON (the floor), in one run.

Goals (issue 11): at least 300,000 patients/min locally and within 3x of the parse floor; Spark
in local mode on the same data is reported beside it. The floor and the local engine are timed
three times, interleaved, and each at its fastest is shown: on a shared machine one slow moment
would otherwise decide the ratio either way. The export is generated once into
`.bench-cache/` and reused. Figures are printed, never asserted. `DORSUM_BENCH_PATIENTS` sets
another population size.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dorsum.screening.export import bulk_files, piece_lines, pieces_of
from dorsum.screening.local_engine import run_local
from dorsum.screening.ndjson import parse_line
from dorsum.screening.patient import ScreenSpec
from dorsum.screening.synthetic import SyntheticOptions, write_synthetic

TODAY = date(2026, 11, 30)
CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"
ROUNDS = 3


def export(patients: int) -> Path:
    """The synthetic export, written on first use."""
    folder = CACHE / f"screen-{patients}-seed0"
    done = folder / "written.json"
    if not done.exists():
        options = SyntheticOptions(
            patients=patients, seed=0, today=TODAY, malformed_rate=0.0005, broken_rate=0.001
        )
        written = write_synthetic(folder, options)
        done.write_text(json.dumps({"patients": written.patients, "malformed": written.malformed}))
    return folder


Timing = tuple[float, float]
"""Wall-clock seconds and CPU seconds (this process and its workers): on a shared machine the
CPU time says what the work costs when the wall clock is stretched by other load."""


def timed(work: Callable[[], object]) -> Timing:
    start, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - start, _cpu() - cpu


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def parse_floor(files: list[Path]) -> None:
    """Read every line and parse it as JSON, in one process: the floor."""
    for piece in pieces_of(files):
        for line in piece_lines(piece):
            parse_line(line)


def local(files: list[Path], out: Path, workers: int) -> Callable[[], object]:
    return lambda: run_local(files, out, ScreenSpec(today=TODAY), workers=workers)


def spark(folder: Path, out: Path) -> Timing | str:
    if importlib.util.find_spec("pyspark") is None:
        return "skipped: pyspark is not installed (pip install 'dorsum[spark]')"
    try:
        from dorsum.screening.spark_engine import run_spark
    except ImportError as error:
        return f"skipped: {error}"
    try:
        return timed(lambda: run_spark([str(folder)], out, ScreenSpec(today=TODAY)))
    except Exception as error:
        return f"failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}"


def main() -> None:
    console = Console()
    patients = int(os.environ.get("DORSUM_BENCH_PATIENTS", "100000"))
    folder = export(patients)
    files = bulk_files(folder)
    size = sum(path.stat().st_size for path in files)
    workers = os.cpu_count() or 1
    ScreenSpec(today=TODAY).context()  # the knowledge base is loaded once, outside the timings
    floors, ones, manys = [], [], []
    for _ in range(ROUNDS):  # interleaved, so that a slow moment of the machine hits all alike
        floors.append(timed(lambda: parse_floor(files)))
        ones.append(timed(local(files, CACHE / "screen-report-1.csv", 1)))
        manys.append(timed(local(files, CACHE / "screen-report.csv", workers)))
    floor, one, many = min(floors), min(ones), min(manys)  # each at its fastest
    spark_time = spark(folder, CACHE / "screen-report-spark.csv")
    table = Table(title=f"Re-screening {patients:,} patients ({size / 1e6:,.0f} MB of NDJSON)")
    columns = ("path", "wall s", "patients/min", "x floor", "CPU s", "CPU x floor")
    for column in columns:
        table.add_column(column, justify="right" if column != "path" else "left")
    rows = [
        ("parse floor (read + JSON, 1 process)", floor),
        ("local engine, 1 process", one),
        (f"local engine, {workers} processes", many),
    ]
    if not isinstance(spark_time, str):
        rows.append(("spark, local mode (driver CPU only)", spark_time))
    for name, (wall, cpu) in rows:
        per_minute = patients / wall * 60
        table.add_row(
            name,
            f"{wall:.2f}",
            f"{per_minute:,.0f}",
            f"{wall / floor[0]:.2f}",
            f"{cpu:.2f}",
            f"{cpu / floor[1]:.2f}",
        )
    console.print(table)
    if isinstance(spark_time, str):
        console.print(f"spark: {spark_time}", markup=False)
    reports = [CACHE / "screen-report-1.csv", CACHE / "screen-report.csv"]
    if not isinstance(spark_time, str):
        reports.append(CACHE / "screen-report-spark.csv")
    same = len({path.read_bytes() for path in reports}) == 1
    console.print(f"the {len(reports)} reports are {'identical' if same else 'DIFFERENT'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    console.print(f"peak RSS: this process {peak:,.0f} MB, largest worker {children:,.0f} MB")
    console.print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {workers} cores")
    spreads = ", ".join(
        f"{name} {max(wall for wall, _ in runs) / min(wall for wall, _ in runs):.2f}"
        for name, runs in (("floor", floors), ("1 process", ones), (f"{workers} processes", manys))
    )
    console.print(f"each timed {ROUNDS} times, fastest shown; slowest / fastest: {spreads}")
    console.print("goals: >= 300,000 patients/min locally, within 3x of the parse floor")


if __name__ == "__main__":
    main()
