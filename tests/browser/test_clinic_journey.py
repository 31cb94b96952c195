"""A practitioner's day, in a real browser: sign in, record a consultation on the body map,
see the live result, save it, create a plan, and download the patient report as a PDF."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from dorsum.services.demo import PASSWORD
from tests.browser.conftest import shot


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def switch_language(page: Page, language: str) -> None:
    """Choose a language in the header and wait until the page speaks it (the choice is
    saved for the user, so later tests depend on it having landed)."""
    page.select_option('select[name="language"]', language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_a_consultation_through_the_body_map_to_a_pdf_plan(page: Page) -> None:
    """The whole journey works without documentation, and each step is on screen."""
    sign_in(page, "doctor@demo.dorsum.test")
    expect(page.locator("h1")).to_have_text("Patients")
    shot(page, "01-patients")
    page.get_by_role("link", name="New patient").click()
    page.fill("#name", "Browser Patient")
    page.fill("#birth_date", "2008-05-04")
    page.select_option("#sex", "female")
    page.get_by_role("button", name="Register patient").click()
    expect(page.locator("h1")).to_have_text("Browser Patient")
    page.get_by_role("link", name="New consultation").click()
    page.locator('[data-zone="upper_left"]').click()
    page.fill("#zone-comedones", "14")
    page.fill("#zone-papules", "9")
    page.locator('[data-zone="middle_right"]').click()
    page.fill("#zone-pustules", "6")
    page.locator('[data-zone="lower_left"]').click()
    page.fill("#zone-nodules", "1")
    expect(page.locator("#result")).to_contain_text("Benzoyl peroxide", timeout=10_000)
    expect(page.locator("#referral-banner")).to_contain_text("Nodules or cysts")
    expect(page.locator("#result")).to_contain_text("severe")
    shot(page, "02-consultation-live-result")
    page.get_by_role("button", name="Save consultation").click()
    expect(page.locator("h1")).to_contain_text("Consultation of")
    page.locator('input[name="choose"][value="benzoyl_peroxide"]').check()
    page.locator('input[name="choose"][value="topical_retinoid"]').check()
    page.get_by_role("button", name="Create plan").click()
    expect(page.locator("h1")).to_have_text("Treatment plan")
    expect(page.locator(".timeline svg")).to_be_visible()
    shot(page, "03-plan")
    with page.expect_download() as download:
        page.click("#download-pdf")
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    assert "Your treatment plan" in text
    assert "Benzoyl peroxide" in text


def test_progress_and_spanish(page: Page) -> None:
    """A patient seen three times shows progress; the application speaks Spanish on request."""
    sign_in(page, "doctor@demo.dorsum.test")
    page.get_by_role("link", name="Daniel Ortega").click()
    expect(page.locator(".chart").first).to_be_visible()
    shot(page, "04-patient-progress")
    switch_language(page, "es")
    expect(page.locator("h2").first).to_have_text("Consultas")
    shot(page, "05-patient-in-spanish")
    switch_language(page, "en")


def test_reception_books_without_clinical_detail(page: Page) -> None:
    """Reception sees appointments and patients, never consultations."""
    sign_in(page, "reception@demo.dorsum.test")
    expect(page.locator("h1")).to_have_text("Citas")
    shot(page, "06-reception")
    page.goto("/patients")
    page.get_by_role("link", name="Javier Ruiz").click()
    expect(page.locator("body")).not_to_contain_text("Consultas")


def test_the_public_self_check(page: Page) -> None:
    """Anyone can take the self-check and see triage, in their browser's language."""
    page.goto("/self-check")
    page.fill("#age", "19")
    page.select_option("#spots", "35_or_more")
    page.check('input[name="lumps"]')
    page.get_by_role("button", name="See my result").click()
    expect(page.locator("#triage")).to_contain_text("Book a visit with a doctor")
    shot(page, "07-self-check-result")
