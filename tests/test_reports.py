"""Renderers of a plan: the patient report (HTML, PDF) in English and Spanish, the terminal
timeline and the calendar file. They render the same Plan and recompute nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from rich.console import Console

import dorsum
from dorsum.core.plan import Plan
from dorsum.i18n import Localizer
from dorsum.knowledge import default_index
from dorsum.reports import ics, patient, plan_terminal
from dorsum.reports.gantt import gantt_svg
from tests.conftest import EXAMPLES

TODAY = date(2026, 11, 21)
CHOICES: dict[str, list[str] | None] = {
    "severe-acne-scars": ["punch_excision", "laser_resurfacing", "dermabrasion", "home_care"],
    "mild-scars-after-isotretinoin": ["home_care", "chemical_peel", "microneedling"],
}


def example_plan(name: str, **options: Any) -> Plan:
    intake = json.loads(next(p for p in EXAMPLES if p.stem == name).read_text())
    options.setdefault("choose", CHOICES.get(name))
    return dorsum.plan(intake, today=TODAY, start=date(2026, 12, 1), **options)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.parametrize("example", [p.stem for p in EXAMPLES])
def test_spanish_reports_have_no_untranslated_strings(example: str) -> None:
    """Every message and knowledge text in the Spanish report has a Spanish translation."""
    localizer = Localizer("es", strict=True)
    patient.report_html(example_plan(example), index=default_index(), localizer=localizer)
    assert localizer.missing == set()


def test_a_full_spanish_plan_has_no_untranslated_strings_either() -> None:
    """A plan with acne, scars, fat, stretch marks and a target is fully Spanish too."""
    intake = {
        "patient": {"age": 55, "fitzpatrick": 5, "bmi": 26},
        "history": {"herpes_history": True, "isotretinoin_months_since_stop": 3},
        "findings": {
            "acne_scars": {"macular": 10, "rolling": 4, "visible_at_social_distance": True},
            "localized_fat": {"pinch_cm": 3},
            "stretch_marks": {"stage": "alba"},
            "scars": [{"cause": "burn", "kind": "keloid"}],
        },
        "goals": {"target_date": "2027-06-01"},
    }
    plan = dorsum.plan(
        intake,
        today=TODAY,
        choose=[
            "chemical_peel",
            "cryolipolysis",
            "mesotherapy",
            "silicone_gel",
            "intralesional_corticosteroid",
            "nonablative_laser",
        ],
    )
    localizer = Localizer("es", strict=True)
    html = patient.report_html(plan, index=default_index(), localizer=localizer)
    terminal = Console(file=io.StringIO(), width=120, record=True)
    plan_terminal.print_plan(plan, index=default_index(), localizer=localizer, console=terminal)
    ics.plan_ics(plan, index=default_index(), localizer=localizer)
    assert localizer.missing == set()
    assert "Su plan de tratamiento" in html


@pytest.mark.parametrize(
    ("language", "phrases"),
    [
        (
            "en",
            [
                "Your treatment plan",
                "What we found on your back",
                "Your timeline",
                "When to call the clinic",
                "Sources",
                "Punch excision",
            ],
        ),
        (
            "es",
            [
                "Su plan de tratamiento",
                "Lo que encontramos en su espalda",
                "Su calendario",
                "Cuándo llamar a la clínica",
                "Fuentes",
                "Extirpación",
            ],
        ),
    ],
)
def test_the_pdf_report_contains_every_section(language: str, phrases: list[str]) -> None:
    """The PDF is rendered by WeasyPrint and its text holds each section, in its language."""
    plan = example_plan("severe-acne-scars")
    data = patient.report_pdf(plan, index=default_index(), localizer=Localizer(language))  # type: ignore[arg-type]
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for phrase in phrases:
        assert phrase in text, phrase


def test_the_report_shows_the_referral_and_the_target_verdict() -> None:
    """A referral banner, and whether the patient's date is met, are on the report."""
    html = patient.report_html(
        example_plan("severe-acne-scars"), index=default_index(), localizer=Localizer("en")
    )
    assert "Please see a doctor about this" in html
    assert "Not ready by your date (1 June 2027)" in html


def test_the_timeline_is_an_svg_with_sessions_summer_and_target() -> None:
    """The Gantt chart draws a dot per session, shades summers and marks the target."""
    plan = example_plan("severe-acne-scars")
    svg = gantt_svg(plan, Localizer("en"))
    assert svg.startswith("<svg")
    assert svg.count("<circle") >= len(plan.sessions)
    assert "stroke-dasharray" in svg  # the target line
    assert "<title>Summer</title>" in svg
    assert re.search(r"Jun 2027", svg)


def test_the_calendar_has_an_event_per_session_review_result_and_target() -> None:
    """The .ics file parses and holds one event for each dated thing."""
    plan = example_plan("severe-acne-scars")
    calendar = Calendar.from_ical(ics.plan_ics(plan, index=default_index()))
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    results = sum(1 for i in plan.items if i.results_visible)
    assert len(events) == len(plan.sessions) + len(plan.reviews) + results + 1
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_the_calendar_is_the_same_every_time() -> None:
    """No clock in the output: two renderings are byte-identical."""
    plan = example_plan("teen-back-acne")
    assert ics.plan_ics(plan, index=default_index()) == ics.plan_ics(plan, index=default_index())


def test_the_terminal_timeline_fits_the_width_and_explains_its_symbols() -> None:
    """The text timeline has a legend, the dated list, and no line wider than the console."""
    console = Console(file=io.StringIO(), width=80, record=True)
    plan_terminal.print_plan(
        example_plan("severe-acne-scars"), index=default_index(), console=console
    )
    text = console.export_text()
    assert "● session" in text
    assert "Key dates" in text
    assert max(len(line) for line in text.splitlines()) <= 80
