"""A signature drawn on screen is kept only as a real PNG with something drawn on it."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image, PngImagePlugin

from dorsum.services.errors import InvalidInput
from dorsum.services.signatures import signature_png
from tests.web.photo_helpers import blank_signature_url, signature_url


def _refusal(data_url: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        signature_png(data_url)
    assert refused.value.field == "signature"
    return refused.value.message


def test_a_drawn_signature_is_kept_as_png() -> None:
    """A stroke on a transparent pad comes back as a PNG of the same size."""
    kept = signature_png(signature_url())
    image = Image.open(io.BytesIO(kept))
    assert image.format == "PNG"
    assert image.size == (400, 160)


def test_an_empty_box_asks_for_a_signature() -> None:
    """Nothing drawn, or nothing sent, asks the patient to sign."""
    assert _refusal(blank_signature_url()) == "Ask the patient to sign in the box."
    assert _refusal("") == "Ask the patient to sign in the box."


@pytest.mark.parametrize(
    "data_url",
    [
        "data:image/jpeg;base64,/9j/4AAQ",
        "data:image/png;base64,not base64!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode(),
        "javascript:alert(1)",
        "data:image/png;base64,é",
    ],
)
def test_anything_but_a_png_is_refused(data_url: str) -> None:
    """Other images, broken base64 and other schemes are refused as unreadable."""
    assert _refusal(data_url).startswith("The signature could not be read")


def test_text_hidden_in_the_png_is_not_kept() -> None:
    """Only the pixels are stored: text chunks in the sent PNG are dropped."""
    image = Image.open(io.BytesIO(base64.b64decode(signature_url().split(",")[1])))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hidden payload")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    sent = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    assert b"hidden payload" not in signature_png(sent)


def test_a_huge_pad_is_refused() -> None:
    """An image wider than any signature pad is refused before it is decoded."""
    out = io.BytesIO()
    Image.new("LA", (5000, 20)).save(out, format="PNG")
    assert _refusal(
        "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    ).startswith("The signature could not be read")


def test_a_text_chunk_that_unpacks_too_large_is_not_an_error() -> None:
    """A PNG whose compressed text chunk unpacks into megabytes is refused or kept without it,
    never an unexpected error."""
    image = Image.open(io.BytesIO(base64.b64decode(signature_url().split(",")[1])))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "x" * 20_000_000, zip=True)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    sent = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    outcome = _kept_or_refused(sent)
    if isinstance(outcome, bytes):
        assert b"xxxx" not in outcome
    else:
        assert outcome.startswith("The signature could not be read")


def _kept_or_refused(data_url: str) -> bytes | str:
    try:
        return signature_png(data_url)
    except InvalidInput as refused:
        return refused.message
