"""A practitioner's photo day in a real browser: the patient signs photo consent on screen,
a photo is taken at two visits, the zone is compared side by side and with the overlay, the
signed form is downloaded, and withdrawing the consent hides the photos at once."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.test_book_plan import sign_in

PATIENT = "Daniel Ortega"  # the demo patient seen at three visits


def _photo(path: Path, spots: int) -> Path:
    image = Image.new("RGB", (800, 600), (224, 182, 150))
    draw = ImageDraw.Draw(image)
    for n in range(spots):
        x, y = 60 + (n * 97) % 680, 60 + (n * 53) % 480
        draw.ellipse([x - 10, y - 10, x + 10, y + 10], fill=(190, 80, 80))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def _sign(page: Page) -> None:
    """Draw a signature in the box with the mouse, as a patient would with a finger."""
    box = page.locator("[data-signature-pad]").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + 140)
    page.mouse.down()
    for x, y in ((90, 50), (150, 150), (220, 60), (300, 140), (380, 70)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()


def _patient_page(page: Page) -> str:
    page.goto("/patients?q=Daniel")
    page.get_by_role("link", name=PATIENT).first.click()
    expect(page.locator("h1")).to_have_text(PATIENT)
    return page.url


def test_a_practitioner_photographs_compares_and_collects_consent(
    page: Page, tmp_path: Path
) -> None:
    """Consent signed on screen, photos at two visits, compared, then the consent withdrawn."""
    sign_in(page, "doctor@demo.dorsum.test")
    patient_url = _patient_page(page)
    page.get_by_role("link", name="Record consent").click()
    expect(page.locator(".consent-text")).to_contain_text("photographs")
    page.click("button[type=submit]:has-text('Record the signed consent')")
    expect(page.locator("#err-signature")).to_have_text("Ask the patient to sign in the box.")
    _sign(page)
    shot(page, "consent-signing")
    page.click("button[type=submit]:has-text('Record the signed consent')")
    expect(page.locator(".banner.note")).to_contain_text("The consent is recorded.")
    expect(page.locator("img.signature-image")).to_be_visible()
    consent_url = page.url.split("?")[0]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the signed form (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(patient_url)
    visits = page.locator('a[href^="/consultations/"]').evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(visits) >= 2
    for n, visit in enumerate(visits[-1:-3:-1]):  # the two earliest visits, oldest first
        page.goto(f"{visit}/photos")
        page.select_option("#photo-zone", "upper_left")
        page.set_input_files("#photo-file", str(_photo(tmp_path / f"visit{n}.jpg", 24 - 12 * n)))
        page.click("button[type=submit]:has-text('Add photo')")
        expect(page.locator(".banner.note")).to_contain_text("Location and camera data")
        expect(page.locator(".photo img")).to_have_count(1)
    shot(page, "visit-photos")

    page.goto(patient_url)
    page.get_by_role("link", name="Photos: compare over time").click()
    expect(page.locator(".compare-visit img")).to_have_count(2)
    expect(page.locator(".compare-visit").first).to_contain_text("acne lesion")
    slider = page.locator("[data-overlay-slider]")
    slider.fill("80")
    clip = page.locator("[data-after]").evaluate("e => e.style.clipPath")
    assert re.search(r"inset\(0(px)? 20% 0(px)? 0(px)?\)", clip), clip
    shot(page, "photo-compare")
    page.set_viewport_size({"width": 390, "height": 844})
    widest = page.evaluate("document.documentElement.scrollWidth")
    assert widest <= 392, widest
    shot(page, "photo-compare-phone")
    page.set_viewport_size({"width": 1360, "height": 900})

    page.goto(consent_url)
    page.click("button:has-text('Withdraw consent')")
    expect(page.locator(".banner.error")).to_contain_text("Withdrawn on")
    page.goto(patient_url)
    page.get_by_role("link", name="Photos: compare over time").click()
    expect(page.locator(".compare-visit img")).to_have_count(0)
    expect(page.locator(".banner.error")).to_contain_text("No photo consent")
