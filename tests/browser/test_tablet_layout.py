"""The header and the pages reception and admins use most never scroll sideways, on a tablet
(768 px) or a phone (390 px), in Spanish (the longer menu)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.test_book_plan import WIDEST, sign_in

WIDTHS = (390, 768)
PAGES = ("/patients", "/calendar", "/resources")
CONTROLS = (".topbar select[name=language]", ".topbar form[action='/logout'] button")


def choose_language(page: Page, language: str) -> None:
    """Choose a language with the header's selector, as a person would (it is saved for the
    user, so the test puts the user's own language back afterwards)."""
    if page.locator("html").get_attribute("lang") != language:
        with page.expect_navigation():
            page.select_option(".topbar select[name=language]", language)


def a_patients_page(page: Page) -> str:
    page.goto("/patients")
    link = page.locator('a[href^="/patients/"]').first.get_attribute("href")
    assert link is not None
    return link


@pytest.mark.parametrize("email", ["reception@demo.dorsum.test", "admin@demo.dorsum.test"])
def test_no_page_scrolls_sideways_on_a_tablet_or_a_phone(page: Page, email: str) -> None:
    """The menu wraps under the brand; the language selector and sign-out stay on screen."""
    sign_in(page, email)
    own = page.locator("html").get_attribute("lang") or "en"
    choose_language(page, "es")
    try:
        _check_widths(page)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/patients")
        choose_language(page, own)


def _check_widths(page: Page) -> None:
    paths = (*PAGES, a_patients_page(page))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (width, path, wide, page.evaluate(WIDEST))
            for control in CONTROLS:
                box = page.locator(control).bounding_box()
                assert box is not None
                assert box["x"] + box["width"] <= width, (width, path, control)
