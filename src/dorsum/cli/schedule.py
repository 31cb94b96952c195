"""`dorsum schedule synthetic`: try the booking optimiser on a synthetic clinic and compare it
with first-fit booking, as `make bench` does at 50, 200 and 500 patients. It reads and writes
no database; it shows what the optimiser does before a clinic relies on it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

schedule_app = typer.Typer(help="The booking optimiser.", no_args_is_help=True)
stdout = Console(highlight=False)


@schedule_app.command("synthetic")
def synthetic(
    patients: Annotated[int, typer.Option(min=1, max=2000, help="Patients to book.")] = 50,
    seconds: Annotated[
        float, typer.Option(min=1.0, max=600.0, help="The solver's time limit.")
    ] = 10.0,
    seed: Annotated[int, typer.Option(min=0, help="The synthetic clinic's seed.")] = 0,
) -> None:
    """Book a synthetic clinic's 12 weeks first-fit and with CP-SAT, and compare."""
    from dorsum.scheduling import generator
    from dorsum.scheduling.check import violations
    from dorsum.scheduling.greedy import first_fit
    from dorsum.scheduling.optimiser import optimise
    from dorsum.scheduling.outcome import measure

    problem = generator.problem(patients, seed=seed)
    with stdout.status("Booking first-fit…"):
        greedy = first_fit(problem)
    with stdout.status(f"Optimising (up to {seconds:g} s)…") as status:
        solved = optimise(
            problem,
            seconds=seconds,
            progress=lambda phase: status.update(f"Optimising: {phase} (up to {seconds:g} s)…"),
        )
    table = Table(title=f"{patients} patients, {len(problem.series)} series, 12 weeks")
    for column in ("", "first-fit", "CP-SAT"):
        table.add_column(column, justify="right" if column else "left")
    before, after = measure(problem, greedy.bookings), measure(problem, solved.bookings)
    table.add_row("seconds", f"{greedy.seconds:.1f}", f"{solved.seconds:.1f}")
    table.add_row(
        "targets met",
        f"{before.targets_met}/{before.patients_with_target}",
        f"{after.targets_met}/{after.patients_with_target}",
    )
    table.add_row("days late (total)", str(before.lateness_days), str(after.lateness_days))
    table.add_row("days waited (total)", str(before.waiting_days), str(after.waiting_days))
    table.add_row(
        "series booked",
        f"{before.series_placed}/{before.series_total}",
        f"{after.series_placed}/{after.series_total}",
    )
    table.add_row(
        f"busiest device ({after.bottleneck})",
        f"{before.bottleneck_use:.0%}",
        f"{after.bottleneck_use:.0%}",
    )
    gap = "" if solved.gap is None else f"{solved.gap:.1%} ({solved.status})"
    table.add_row("gap to the bound", "", gap)
    broken = len(violations(problem, solved.bookings)) + len(violations(problem, greedy.bookings))
    table.add_row("constraints broken", "0" if not broken else str(broken), "")
    stdout.print(table)
    if solved.unplaced:
        stdout.print(f"{len(solved.unplaced)} series could not be booked; first reason of each:")
        for unplaced in solved.unplaced[:5]:
            stdout.print(f"  {unplaced.series}: {unplaced.reasons[0].code}")
