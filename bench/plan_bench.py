"""Benchmark: building a 12-month plan with five treatments (goal ≤ 5 ms), and rendering its
patient report as HTML and as PDF. Figures are printed, never asserted."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

import dorsum
from dorsum.core.planner import build_plan
from dorsum.i18n import Localizer
from dorsum.reports import patient

TODAY = date(2026, 11, 21)
INTAKE: dict[str, Any] = {
    "patient": {"age": 34, "sex": "female", "fitzpatrick": 3, "bmi": 25},
    "findings": {
        "acne_scars": {"macular": 5, "rolling": 6, "boxcar": 2, "visible_at_social_distance": True},
        "localized_fat": {"pinch_cm": 3.5, "areas": 2},
        "scars": [{"cause": "burn", "kind": "hypertrophic", "months_old": 20}],
    },
}
# Five options whose times to result are all known, so the target check does its full search.
CHOICES = ["subcision", "laser_resurfacing", "chemical_peel", "cryolipolysis", "dermabrasion"]
TARGET = date(2028, 3, 1)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return samples


def main() -> dict[str, Any]:
    index = dorsum.default_index()
    assessment = dorsum.assess(INTAKE, today=TODAY, index=index)

    def plan() -> dorsum.Plan:
        return build_plan(assessment, index=index, start=TODAY, chosen=CHOICES, target=TARGET)

    built = plan()
    months = (built.last_date - built.start).days / 30.4
    english = Localizer("en")
    rows = {
        "build the plan (with target check)": timed(plan, 300),
        "patient report, HTML": timed(
            lambda: patient.report_html(built, index=index, localizer=english), 30
        ),
        "patient report, PDF (WeasyPrint)": timed(
            lambda: patient.report_pdf(built, index=index, localizer=english), 5
        ),
    }
    table = Table(
        title=f"Plan benchmark: {len(built.items)} treatments over {months:.0f} months, "
        f"{len(built.sessions)} sessions"
    )
    for column in ("step", "median ms", "p95 ms", "runs"):
        table.add_column(column, justify="left" if column == "step" else "right")
    report = {}
    for name, samples in rows.items():
        ordered = sorted(samples)
        row = {"median_ms": statistics.median(samples), "p95_ms": ordered[int(len(ordered) * 0.95)]}
        report[name] = row
        table.add_row(name, f"{row['median_ms']:.2f}", f"{row['p95_ms']:.2f}", str(len(samples)))
    console = Console()
    console.print(table)
    if built.target is not None:
        verdict = "met" if built.target.met else "not met"
        console.print(f"  target {built.target.date}: {verdict}; finish {built.finish}")
    met = report["build the plan (with target check)"]["median_ms"] <= 5
    console.print(f"  {'met' if met else 'MISSED'}: plan built in ≤ 5 ms")
    return report


if __name__ == "__main__":
    main()
