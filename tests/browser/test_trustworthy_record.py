"""Each role's day in a real browser, off the happy path: editing records created elsewhere,
two tabs on one consultation, wrong values typed, a phone-sized screen, Spanish, reception's
book and an admin's accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import shot
from tests.browser.test_clinic_journey import sign_in, switch_language

PHONE: ViewportSize = {"width": 390, "height": 844}


def _open_first_consultation(page: Page, patient: str) -> str:
    page.goto("/patients")
    page.get_by_role("link", name=patient).click()
    page.locator('a[href^="/consultations/"]').first.click()
    expect(page.locator("h1")).to_contain_text("Consultation of")
    return page.url


def _findings(page: Page) -> list[str]:
    return page.locator("#result .badge").all_inner_texts()


def test_editing_a_demo_consultation_keeps_its_findings(page: Page) -> None:
    """Change only the note of a consultation the demo created (no zones): same findings,
    same referral, one more version."""
    sign_in(page, "doctor@demo.dorsum.test")
    _open_first_consultation(page, "Javier Ruiz")
    before = _findings(page)
    assert before
    page.fill("#note", "Reviewed the scars again; no change.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator(".sub")).to_contain_text("version 2")
    assert _findings(page) == before
    shot(page, "10-demo-consultation-after-note-edit")


def test_two_tabs_on_one_consultation_get_a_clear_conflict(
    browser: Browser, live_server: str
) -> None:
    """The second tab's save is refused with an explanation, and its typing is kept."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1360, "height": 900})
    first, second = context.new_page(), context.new_page()
    sign_in(first, "doctor@demo.dorsum.test")
    url = _open_first_consultation(first, "Lucía Gómez")
    second.goto(url)
    first.fill("#note", "first tab")
    first.get_by_role("button", name="Save as a new version").click()
    expect(first.locator(".sub")).to_contain_text("version 2")
    second.fill("#note", "second tab, typed meanwhile")
    second.get_by_role("button", name="Save as a new version").click()
    expect(second.locator("#form-problems")).to_contain_text("A newer version exists")
    expect(second.locator("#note")).to_have_value("second tab, typed meanwhile")
    shot(second, "11-two-tabs-conflict")
    second.get_by_role("button", name="Save as a new version").click()
    expect(second.locator(".sub")).to_contain_text("version 3")
    context.close()


def test_a_wrong_count_is_refused_where_it_is_typed(page: Page) -> None:
    """-5 on the body map is refused beside the zone's field; -5 on the whole back is marked
    beside that field by the live result; nothing is silently changed."""
    sign_in(page, "doctor@demo.dorsum.test")
    page.goto("/patients")
    page.get_by_role("link", name="Daniel Ortega").click()
    page.get_by_role("link", name="New consultation").click()
    page.locator('[data-zone="upper_left"]').click()
    page.fill("#zone-papules", "-5")
    expect(page.locator("#zone-error-papules")).to_have_text("Enter a whole number, 0 or more.")
    expect(page.locator("#body_map")).to_have_value('{"zones": {}}')
    page.fill("#acne_pustules", "-5")
    expect(page.locator("#err-acne_pustules")).to_have_text("Must be 0 or more.", timeout=5000)
    expect(page.locator("#result")).to_contain_text("No result yet")
    shot(page, "12-wrong-counts-refused-where-typed")
    page.fill("#acne_pustules", "5")
    expect(page.locator("#err-acne_pustules")).to_have_text("", timeout=5000)


def test_spanish_errors_keep_what_was_typed(page: Page) -> None:
    """A Spanish-speaking practitioner types a five-digit year: the message is Spanish, next
    to the field, and the rest of the form is still there."""
    sign_in(page, "doctor@demo.dorsum.test")
    switch_language(page, "es")
    page.goto("/patients")
    page.get_by_role("link", name="María López").click()
    page.get_by_role("link", name="Nueva consulta").click()
    page.fill("#note", "control de acné")
    page.fill("#acne_papules", "6")
    page.evaluate("document.querySelector('#target_date').value = '20266-06-01'")
    page.get_by_role("button", name="Guardar consulta").click()
    expect(page.locator("#err-target_date")).to_contain_text("Escriba una fecha")
    expect(page.locator("#note")).to_have_value("control de acné")
    expect(page.locator("#acne_papules")).to_have_value("6")
    shot(page, "13-spanish-error-next-to-field")
    switch_language(page, "en")


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("email", "path"),
    [
        ("doctor@demo.dorsum.test", "/patients"),
        ("doctor@demo.dorsum.test", "/patients/new"),
        ("doctor@demo.dorsum.test", "/patients/1"),
        ("reception@demo.dorsum.test", "/appointments"),
        ("reception@demo.dorsum.test", "/requests"),
        ("admin@demo.dorsum.test", "/admin"),
    ],
)
def test_staff_pages_fit_a_phone(phone: Page, email: str, path: str) -> None:
    """At 390 px nothing scrolls sideways and every navigation link is on screen."""
    sign_in(phone, email)
    phone.goto(path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide"
    for link in phone.locator(".topbar nav a").all():
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    shot(phone, f"20-phone{path.replace('/', '-')}")


def test_the_live_result_is_one_tap_away_on_a_phone(phone: Page) -> None:
    """The consultation fits the screen, and "See the result" reaches it without scrolling
    past the whole form."""
    sign_in(phone, "doctor@demo.dorsum.test")
    phone.goto("/patients")
    phone.get_by_role("link", name="Daniel Ortega").click()
    phone.locator('a[href^="/consultations/"]').first.click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    jump = phone.get_by_role("link", name="See the result")
    expect(jump).to_be_in_viewport()
    jump.click()
    expect(phone.locator("#result-card h2")).to_be_in_viewport()
    shot(phone, "21-phone-consultation-result")


def test_reception_books_from_the_patients_page_and_is_told_why_not(page: Page) -> None:
    """The patient is already chosen; a Sunday is refused with the reason; then booked and
    cancelled."""
    sign_in(page, "reception@demo.dorsum.test")
    switch_language(page, "en")
    page.goto("/patients")
    page.get_by_role("link", name="Carmen Vidal").click()
    page.get_by_role("link", name="Book an appointment").click()
    expect(page.locator("#patient_id option:checked")).to_have_text(re.compile("Carmen Vidal"))
    page.fill("#starts_at", "2027-01-03T03:00")
    page.fill("#purpose", "Review")
    page.get_by_role("button", name="Book").click()
    expect(page.locator("#err-starts_at")).to_contain_text("The clinic is closed then")
    expect(page.locator("#purpose")).to_have_value("Review")
    shot(page, "30-reception-refused-with-reason")
    page.fill("#starts_at", "2027-01-04T10:00")
    page.get_by_role("button", name="Book").click()
    expect(page.locator(".banner.note")).to_contain_text("booked")
    page.get_by_role("link", name="change or cancel").first.click()
    page.get_by_role("button", name="Cancel this appointment").click()
    expect(page.locator(".banner.note")).to_contain_text("cancelled")
    switch_language(page, "es")


def test_an_admin_deactivates_a_user_and_erases_a_patient_by_name(page: Page) -> None:
    """Accounts have a lifecycle, and erasure names the patient before anything is deleted."""
    sign_in(page, "admin@demo.dorsum.test")
    page.goto("/admin")
    page.fill("#new-name", "Temp Nurse")
    page.fill("#new-email", "temp@demo.dorsum.test")
    page.fill("#new-password", "a long password")
    page.get_by_role("button", name="Add user").click()
    page.get_by_role("link", name="Temp Nurse").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".banner.note")).to_contain_text("Deactivated")
    page.goto("/patients")
    page.get_by_role("link", name="Rosa Martín").click()
    page.get_by_role("link", name="Erase this patient…").click()
    expect(page.locator("h1")).to_have_text("Erase Rosa Martín?")
    page.fill("#confirm_name", "Rosa")
    page.get_by_role("button", name="Erase Rosa Martín").click()
    expect(page.locator("#err-confirm_name")).to_contain_text("full name")
    shot(page, "40-erase-asks-for-the-name")
    page.fill("#confirm_name", "Rosa Martín")
    page.get_by_role("button", name="Erase Rosa Martín").click()
    expect(page.locator("body")).not_to_contain_text("Rosa Martín")


def test_a_fourth_scar_gets_its_own_row(page: Page) -> None:
    """Rows are added on demand, and every scar entered is saved and shown again."""
    sign_in(page, "doctor@demo.dorsum.test")
    page.goto("/patients")
    page.get_by_role("link", name="Isabel Navarro").click()
    page.get_by_role("link", name="New consultation").click()
    for row, (cause, kind) in enumerate(
        [("burn", "keloid"), ("cut", "flat"), ("surgery", "hypertrophic"), ("bite", "atrophic")]
    ):
        if row == 3:
            page.get_by_role("button", name="Add another scar").click()
        page.select_option(f"#scar_{row}_cause", cause)
        page.select_option(f"#scar_{row}_kind", kind)
    page.get_by_role("button", name="Save consultation").click()
    expect(page.locator("h1")).to_contain_text("Consultation of")
    expect(page.locator("#scar_3_kind")).to_have_value("atrophic")
    expect(page.locator(".scar-row")).to_have_count(5)
