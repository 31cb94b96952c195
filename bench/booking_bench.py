"""Benchmark: booking synthetic clinics of 50, 200 and 500 patients over 12 weeks, CP-SAT
against the first-fit baseline reception would do by hand.

Goals (the booking issue): at most 30 s at 500 patients on a 2-core machine, more patients'
target dates met than greedy at every size, and a gap of at most 5% to CP-SAT's bound. Figures
are printed, never asserted: the solver's time limit holds the time, the rest is what it found.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from dorsum.scheduling import generator
from dorsum.scheduling.check import violations
from dorsum.scheduling.greedy import first_fit
from dorsum.scheduling.optimiser import optimise
from dorsum.scheduling.outcome import measure

SIZES = (50, 200, 500)
SECONDS = 30.0  # the solver's time limit, the goal's own
WORKERS = 2  # the machine's cores
COLUMNS = (
    "patients",
    "series",
    "greedy s",
    "greedy met",
    "CP-SAT s",
    "CP-SAT met",
    "late days",
    "bottleneck device",
    "use",
    "gap",
    "status",
)


def run(patients: int, *, seed: int = 0) -> dict[str, Any]:
    """Book one generated clinic both ways and measure each."""
    problem = generator.problem(patients, seed=seed)
    started = time.perf_counter()
    greedy = first_fit(problem)
    greedy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    best = optimise(problem, seconds=SECONDS, workers=WORKERS)
    seconds = time.perf_counter() - started
    before, after = measure(problem, greedy.bookings), measure(problem, best.bookings)
    return {
        "patients": patients,
        "series": len(problem.series),
        "with_target": after.patients_with_target,
        "greedy_seconds": greedy_seconds,
        "greedy_met": before.targets_met,
        "greedy_late_days": before.lateness_days,
        "cpsat_seconds": seconds,
        "cpsat_met": after.targets_met,
        "cpsat_late_days": after.lateness_days,
        "bottleneck": after.bottleneck,
        "bottleneck_use": after.bottleneck_use,
        "gap": best.gap,
        "status": best.status,
        "violations": len(violations(problem, best.bookings)),
    }


def _row(r: dict[str, Any]) -> list[str]:
    of = r["with_target"]
    gap = "n/a" if r["gap"] is None else f"{r['gap']:.1%}"
    return [
        str(r["patients"]),
        str(r["series"]),
        f"{r['greedy_seconds']:.1f}",
        f"{r['greedy_met']}/{of}",
        f"{r['cpsat_seconds']:.1f}",
        f"{r['cpsat_met']}/{of}",
        f"{r['greedy_late_days']} → {r['cpsat_late_days']}",
        r["bottleneck"],
        f"{r['bottleneck_use']:.0%}",
        gap,
        r["status"],
    ]


def _verdicts(rows: list[dict[str, Any]]) -> list[tuple[bool, str]]:
    largest = max(rows, key=lambda r: r["patients"])
    return [
        (
            largest["cpsat_seconds"] <= SECONDS,
            f"≤ {SECONDS:.0f} s at {largest['patients']} patients",
        ),
        (all(r["cpsat_met"] > r["greedy_met"] for r in rows), "more targets met than greedy"),
        (all(r["gap"] is not None and r["gap"] <= 0.05 for r in rows), "gap ≤ 5% at every size"),
        (all(r["violations"] == 0 for r in rows), "no booking breaks a constraint (check)"),
    ]


def main(sizes: Sequence[int] = SIZES) -> dict[str, Any]:
    rows = [run(n) for n in sizes]
    table = Table(
        title=f"Booking benchmark: 12 weeks, CP-SAT ({WORKERS} workers, {SECONDS:.0f} s) vs "
        "first-fit",
        caption="met: patients whose every series ends by its due day, of those with one; "
        "late days: greedy → CP-SAT; use: the busiest device's held minutes over its open ones",
    )
    for column in COLUMNS:
        table.add_column(
            column, justify="left" if column.startswith(("bottle", "status")) else "right"
        )
    for r in rows:
        table.add_row(*_row(r))
    console = Console()
    console.print(table)
    for met, goal in _verdicts(rows):
        console.print(f"  {'met' if met else 'MISSED'}: {goal}")
    return {str(r["patients"]): r for r in rows}


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="patients")
    main(parser.parse_args().sizes)


if __name__ == "__main__":
    _cli()
