"""Benchmark: building a 12-month plan with five treatments (goal ≤ 5 ms), and rendering its
patient report as HTML and as PDF, plain and branded with the clinic's letterhead, a logo and six
before photos (goal ≤ 250 ms). Figures are printed, never asserted."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from PIL import Image, ImageDraw
from rich.console import Console
from rich.table import Table

import dorsum
from dorsum.core.planner import build_plan
from dorsum.i18n import Localizer
from dorsum.reports import patient
from dorsum.reports.letterhead import Letterhead, ReportPhoto

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
ZONES = ["Upper left", "Upper right", "Middle left", "Middle right", "Lower left", "Lower right"]
BRANDED_GOAL_MS = 250


def photo_jpeg(number: int) -> bytes:
    """A real 800x600 JPEG with something drawn on it, as the photo store's downscale gives."""
    image = Image.new("RGB", (800, 600), (214, 170 + 8 * number, 150))
    draw = ImageDraw.Draw(image)
    for spot in range(40):
        x, y = (97 * spot + 31 * number) % 760, (53 * spot + 17 * number) % 560
        draw.ellipse((x, y, x + 14 + spot % 9, y + 10 + spot % 7), fill=(150, 70 + spot, 80))
    draw.line((60, 520, 740, 80), fill=(120, 90, 80), width=5)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def logo_png() -> bytes:
    """A small PNG logo with transparency, as an admin uploads it."""
    image = Image.new("RGBA", (300, 90), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 296, 86), radius=18, outline=(31, 78, 121, 255), width=6)
    draw.ellipse((20, 20, 70, 70), fill=(31, 78, 121, 255))
    draw.rectangle((90, 36, 270, 54), fill=(169, 204, 227, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def branding() -> tuple[Letterhead, list[ReportPhoto]]:
    """A clinic's letterhead with a logo, and six before photos."""
    letterhead = Letterhead(
        clinic_name="Clínica Dorsal Madrid",
        address="Calle de Alcalá 120, 2º\n28009 Madrid",
        phone="+34 910 000 000",
        logo=logo_png(),
        logo_type="image/png",
        patient_name="Lucía Fernández",
        practitioner_name="Dra. Marta Ruiz",
    )
    photos = [ReportPhoto(zone, date(2026, 11, 14), photo_jpeg(n)) for n, zone in enumerate(ZONES)]
    return letterhead, photos


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
    letterhead, photos = branding()

    def branded_pdf() -> bytes:
        return patient.report_pdf(
            built, index=index, localizer=english, letterhead=letterhead, photos=photos
        )

    rows = {
        "build the plan (with target check)": timed(plan, 300),
        "patient report, HTML": timed(
            lambda: patient.report_html(built, index=index, localizer=english), 30
        ),
        "patient report, PDF (WeasyPrint)": timed(
            lambda: patient.report_pdf(built, index=index, localizer=english), 5
        ),
        "branded patient report, PDF (logo, 6 photos)": timed(branded_pdf, 5),
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
    branded = report["branded patient report, PDF (logo, 6 photos)"]["median_ms"]
    met = branded <= BRANDED_GOAL_MS
    console.print(
        f"  {'met' if met else 'MISSED'}: branded patient report PDF in ≤ {BRANDED_GOAL_MS} ms"
    )
    return report


if __name__ == "__main__":
    main()
