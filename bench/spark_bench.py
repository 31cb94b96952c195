"""Benchmark: the Spark engine in local mode on the same synthetic export as `screen_bench`.

Session start-up (the JVM and the SparkContext) is timed apart from the screening itself: on a
cluster it is paid once per job, and it dwarfs a small export. Figures are printed, never
asserted. `DORSUM_BENCH_PATIENTS` sets another population size (default 100,000).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.screen_bench import CACHE, TODAY, export
from dorsum.screening.patient import ScreenSpec


def run(directory: Path) -> float:
    """Seconds for Spark local mode to screen the export in `directory` (start-up excluded)."""
    from dorsum.screening.spark_session import spark_session

    with spark_session():
        return _screen(directory)


def _screen(directory: Path) -> float:
    from dorsum.screening.spark_engine import run_spark

    start = time.perf_counter()
    run_spark([str(directory)], CACHE / "spark-bench-report.csv", ScreenSpec(today=TODAY))
    return time.perf_counter() - start


def main() -> None:
    console = Console()
    try:
        from dorsum.screening.spark_session import spark_session
    except ImportError:
        console.print("Spark benchmark skipped: pip install 'dorsum[spark]'")
        return
    patients = int(os.environ.get("DORSUM_BENCH_PATIENTS", "100000"))
    folder = export(patients)
    start = time.perf_counter()
    with spark_session() as spark:
        startup = time.perf_counter() - start
        master = spark.sparkContext.master
        seconds = _screen(folder)
    table = Table(title=f"Spark engine ({master}), {patients:,} patients")
    for column in ("what", "seconds", "patients/min"):
        table.add_column(column, justify="left" if column == "what" else "right")
    table.add_row("session start-up", f"{startup:.1f}", "")
    table.add_row("screening", f"{seconds:.1f}", f"{patients / seconds * 60:,.0f}")
    total = startup + seconds
    table.add_row("both", f"{total:.1f}", f"{patients / total * 60:,.0f}")
    console.print(table)


if __name__ == "__main__":
    main()
