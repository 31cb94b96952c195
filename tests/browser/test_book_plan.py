"""Reception books a plan's whole series in a real browser: the proposal, accepting it, the
sessions in the calendar, moving one with the form, and the calendar on a phone and a tablet."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from dorsum.services.demo import PASSWORD

SHOTS = Path("/tmp/shots")
WIDEST = (
    "[...document.querySelectorAll('body *')]"
    ".filter(e => e.getBoundingClientRect().right > innerWidth).slice(0, 8)"
    ".map(e => e.tagName + '.' + e.className)"
)


def sign_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def plan_booking_link(page: Page) -> str:
    """The demo plan's "Book this plan" link, as the practitioner sees it on the plan."""
    sign_in(page, "doctor@demo.dorsum.test")
    page.goto("/patients")
    for href in page.locator('a[href^="/patients/"]').evaluate_all("els => els.map(e => e.href)"):
        page.goto(href)
        plans = page.locator('a[href^="/plans/"]')
        if plans.count():
            plans.first.click()
            link = page.locator("#book-plan")
            expect(link).to_be_visible()
            return str(link.get_attribute("href"))
    raise AssertionError("the demo has no plan")


def test_reception_books_a_plans_series_and_moves_a_session(page: Page) -> None:
    """From the proposal to the calendar, then a move through the form, in Spanish."""
    SHOTS.mkdir(exist_ok=True)
    link = plan_booking_link(page)
    sign_in(page, "reception@demo.dorsum.test")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Reservar este plan")
    rows = page.locator("table.proposal tbody tr")
    assert rows.count() >= 1
    page.screenshot(path=str(SHOTS / "book-plan-proposal.png"), full_page=True)
    page.click("#accept")
    expect(page).to_have_url(re.compile(r"/calendar\?day="))
    events = page.locator(".cal-event")
    expect(events.first).to_be_visible()
    page.screenshot(path=str(SHOTS / "book-plan-calendar.png"), full_page=True)
    events.first.click()
    expect(page.locator("form[action$='/move']")).to_be_visible()
    page.fill("#time", "12:00")
    page.locator("form[action$='/move'] button[type=submit]").click()
    moved = page.locator(".banner.note")
    refused = page.locator("#refusal li")
    expect(moved.or_(refused).first).to_be_visible()
    page.screenshot(path=str(SHOTS / "book-plan-moved.png"), full_page=True)


def test_the_calendar_never_scrolls_the_page_sideways_on_a_phone(page: Page) -> None:
    """At 390 px only the grid scrolls; at tablet widths the page fits too."""
    sign_in(page, "reception@demo.dorsum.test")
    for width in (390, 768, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/calendar")
        expect(page.locator("#grid")).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            print(page.evaluate(WIDEST))
        assert wide <= width, f"the page is {wide} px wide at {width} px"
        page.screenshot(path=str(SHOTS / f"calendar-{width}.png"), full_page=True)
