"""A signature drawn on screen arrives as a PNG data URL from the signature pad. It is kept
only if it is a real, small PNG with something drawn on it; it is stored re-encoded, so nothing
but the pixels is kept."""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from PIL import Image, UnidentifiedImageError

from dorsum.i18n import N_
from dorsum.services.errors import InvalidInput

PREFIX = "data:image/png;base64,"
MAX_BYTES = 300_000
MAX_EDGE = 2_000
MIN_INK_PIXELS = 20


def signature_png(data_url: str) -> bytes:
    """The signature as clean PNG bytes, or InvalidInput on the `signature` field."""
    if not data_url.strip():
        raise InvalidInput(N_("Ask the patient to sign in the box."), field="signature")
    if not data_url.startswith(PREFIX) or len(data_url) > MAX_BYTES * 4 // 3 + len(PREFIX) + 4:
        raise _unreadable()
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=["PNG"])
            if image.format != "PNG" or max(image.size) > MAX_EDGE:
                raise _unreadable()
            image.load()
    except (
        binascii.Error,
        ValueError,  # non-ASCII base64, or a text chunk that unpacks too large
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _unreadable() from None
    if _ink(image) < MIN_INK_PIXELS:
        raise InvalidInput(N_("Ask the patient to sign in the box."), field="signature")
    out = io.BytesIO()
    image.convert("LA").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _ink(image: Image.Image) -> int:
    """How many pixels were drawn: opaque and dark."""
    grey = image.convert("LA")
    luminance, alpha = grey.split()
    drawn = Image.eval(luminance, lambda v: 255 if v < 160 else 0)
    visible = Image.eval(alpha, lambda v: 255 if v > 100 else 0)
    both = Image.composite(drawn, Image.new("L", grey.size, 0), visible)
    histogram = both.histogram()
    return histogram[255]


def _unreadable() -> InvalidInput:
    return InvalidInput(
        N_("The signature could not be read; clear the box and sign again."), field="signature"
    )
