"""Uploaded clinical photos: checked by their content, cleaned, and thumbnailed.

A photo of a patient's back is health data, and the file a phone sends carries more than the
picture: GPS coordinates of where it was taken, the camera's serial number, editing history.
So an upload is never stored as sent. It is identified by its bytes (a name or a declared
content type is whatever the sender says), decoded within limits that a hostile file cannot
get round (a few KB of PNG can declare billions of pixels), turned upright, and encoded anew
with nothing but its pixels.

Everything here is pure: bytes in, bytes out, no files, no settings (the caller passes
`Limits`; `dorsum.media.settings.limits_from_settings` makes them from the settings).
"""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from typing import Literal

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from dorsum.i18n import N_

RefusalCode = Literal["empty", "not_an_image", "format", "too_large", "too_many_pixels", "damaged"]

_ACCEPTED = ("JPEG", "PNG")
# Pillow's JPEG reader calls a camera JPEG that carries a second picture after the first (a
# preview, a depth map) "MPO"; to a browser it is an ordinary JPEG.
_MPO = "MPO"
_HEIF = "HEIF"
# Formats recognised only to tell the sender "that kind of picture is not accepted" rather than
# "that is not a picture"; Pillow's rarer plugins are left out so that random bytes are never
# taken for, say, a Targa file.
_OTHER_IMAGES = ("GIF", "BMP", "TIFF", "WEBP", "AVIF", "JPEG2000", "ICO", "PSD")
# How Pillow reports a file it cannot read: truncated, corrupt, or inconsistent.
_UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, struct.error)
_JPEG_QUALITY = 90
_THUMB_QUALITY = 85
_WHITE = (255, 255, 255, 255)


class ImageRefused(Exception):
    """An upload that is not an image we accept, with a message for the user.

    `message` is an English msgid with %(name)s placeholders, translated where it is shown;
    `values` fills them. `code` says which check refused, for callers and tests.
    """

    def __init__(
        self, code: RefusalCode, message: str, values: dict[str, object] | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.values: dict[str, object] = dict(values or {})
        super().__init__(message % self.values if self.values else message)


@dataclass(frozen=True)
class Limits:
    """What an upload may weigh and measure; see `limits_from_settings`."""

    max_bytes: int = 20_000_000
    max_pixels: int = 50_000_000
    thumb_edge: int = 320


@dataclass(frozen=True)
class CleanImage:
    """A photo as it is stored: upright, re-encoded, with no metadata at all."""

    data: bytes
    content_type: str  # "image/jpeg" or "image/png": HEIC is stored as JPEG for browsers
    width: int
    height: int
    source_format: str  # "JPEG" | "PNG" | "HEIF"
    thumbnail: bytes = field(repr=False)  # JPEG, long edge <= Limits.thumb_edge
    sha256: str  # of data


@cache
def heic_supported() -> bool:
    """Whether HEIC photos (iPhones' default) can be read: pillow-heif is installed.

    Its opener is registered with Pillow here, on first use, so that importing dorsum does
    not load libheif.
    """
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def clean_upload(data: bytes, limits: Limits = Limits()) -> CleanImage:
    """The photo to store for an upload, or ImageRefused saying why it is not accepted."""
    with _pillow_warnings():
        image = _decoded(data, limits)
        source_format = "JPEG" if image.format == _MPO else image.format or ""
        keep_alpha = source_format == "PNG"
        try:
            picture = _cleaned(image, keep_alpha=keep_alpha)
            stored = _encode(picture, "PNG" if keep_alpha else "JPEG")
            thumbnail = _thumbnail(picture, limits.thumb_edge)
        except _UNREADABLE:
            raise _damaged() from None
    return CleanImage(
        data=stored,
        content_type="image/png" if keep_alpha else "image/jpeg",
        width=picture.width,
        height=picture.height,
        source_format=source_format,
        thumbnail=thumbnail,
        sha256=hashlib.sha256(stored).hexdigest(),
    )


def downscaled_jpeg(data: bytes, edge: int, limits: Limits = Limits()) -> bytes:
    """A JPEG of the photo at most `edge` pixels on its long side, for a PDF report.

    Stored photos are opened with the same checks as uploads: a file changed in the store
    cannot exhaust the report's memory either. JPEGs are decoded at reduced scale (draft).
    """
    with _pillow_warnings():
        image = _decoded(data, limits, draft_edge=edge)
        try:
            return _thumbnail(_cleaned(image, keep_alpha=False), edge)
        except _UNREADABLE:
            raise _damaged() from None


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Pillow's warnings, as this module wants them.

    A DecompressionBombWarning becomes an exception, caught below as a refusal. Warnings about
    files Pillow can still read (a corrupt EXIF block, which is dropped anyway) are silenced:
    they must not reach a caller that treats warnings as errors. `catch_warnings` is
    process-wide, so with concurrent threads this is a second line only: the first is the
    pixel count checked against the header before decoding, in `_decoded`.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


_STRICT = threading.Lock()


@contextmanager
def _truncated_refused() -> Iterator[None]:
    """Decode with Pillow refusing truncated files. WeasyPrint sets Pillow's process-wide
    `ImageFile.LOAD_TRUNCATED_IMAGES` when it is imported, which would let a photo cut off
    half-way through its upload through as a half-grey image; the flag is turned off only
    while an upload decodes (the reports only ever embed checked, whole images)."""
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _decoded(data: bytes, limits: Limits, draft_edge: int | None = None) -> Image.Image:
    """The image with its pixels loaded, after every check that can be made before decoding."""
    if not data:
        raise ImageRefused("empty", N_("The file is empty."))
    if len(data) > limits.max_bytes:
        raise ImageRefused(
            "too_large",
            N_("The file is %(size)s MB; at most %(limit)s MB is accepted."),
            {"size": _millions(len(data), up=True), "limit": _millions(limits.max_bytes)},
        )
    formats = _ACCEPTED + ((_HEIF,) if heic_supported() else ())
    try:
        header = Image.open(BytesIO(data), formats=formats)
        width, height = header.size
        if width * height > limits.max_pixels:
            raise ImageRefused(
                "too_many_pixels",
                N_(
                    "The photo has %(megapixels)s megapixels (%(width)s × %(height)s); "
                    "at most %(limit)s megapixels are accepted."
                ),
                {
                    "megapixels": _millions(width * height, up=True),
                    "width": width,
                    "height": height,
                    "limit": _millions(limits.max_pixels),
                },
            )
        # verify() reads the whole file (PNG: every chunk's checksum) without decoding pixels;
        # the image cannot be used after it, hence the second open.
        header.verify()
        image = Image.open(BytesIO(data), formats=formats)
        if draft_edge is not None:
            image.draft("RGB", (draft_edge, draft_edge))
        with _truncated_refused():
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            "too_many_pixels",
            N_("The photo has too many pixels: at most %(limit)s megapixels are accepted."),
            {"limit": _millions(limits.max_pixels)},
        ) from None
    except UnidentifiedImageError:
        raise _unaccepted(data) from None
    except _UNREADABLE:
        raise _damaged() from None
    return image


def _unaccepted(data: bytes) -> ImageRefused:
    """The refusal for bytes that are none of the accepted formats: another kind of picture,
    or not a picture at all."""
    try:
        with Image.open(BytesIO(data), formats=_OTHER_IMAGES) as other:
            kind = other.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, *_UNREADABLE):
        kind = None
    if kind:
        return ImageRefused(
            "format",
            N_("%(format)s files are not accepted: JPEG, PNG or HEIC photos are."),
            {"format": kind},
        )
    return ImageRefused(
        "not_an_image", N_("This file is not a photo: JPEG, PNG or HEIC files are accepted.")
    )


def _damaged() -> ImageRefused:
    return ImageRefused(
        "damaged",
        N_("The photo could not be read: the file is damaged or incomplete. Send it again."),
    )


def _cleaned(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """The picture upright, in sRGB, as RGB (or RGBA when kept), with no metadata left."""
    upright = ImageOps.exif_transpose(image)
    profile = upright.info.get("icc_profile")
    alpha = keep_alpha and upright.has_transparency_data
    picture = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
    if isinstance(profile, bytes) and profile:
        picture = _in_srgb(picture, profile)
    if picture.mode == "RGBA" and not alpha:
        picture = _on_white(picture)
    # Everything Pillow read besides the pixels lives in `info`; encoders copy parts of it
    # (PNG: ICC profile, JPEG: comment, XMP) into the new file unless it is emptied.
    picture.info = {}
    return picture


def _in_srgb(picture: Image.Image, profile: bytes) -> Image.Image:
    """The pixels converted from their embedded colour profile to sRGB.

    The profile itself is not stored (it can identify the device), so colours from a
    wide-gamut camera (Display P3 on iPhones) would shift without this; a profile that
    LittleCMS cannot use leaves the pixels as they are.
    """
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(profile))
        converted = ImageCms.profileToProfile(
            picture, source, ImageCms.createProfile("sRGB"), outputMode=picture.mode
        )
    except (ImageCms.PyCMSError, *_UNREADABLE):
        return picture
    return converted if converted is not None else picture


def _encode(picture: Image.Image, image_format: Literal["JPEG", "PNG"]) -> bytes:
    out = BytesIO()
    if image_format == "JPEG":
        picture.save(out, "JPEG", quality=_JPEG_QUALITY, optimize=True)
    else:
        picture.save(out, "PNG")
    return out.getvalue()


def _thumbnail(picture: Image.Image, edge: int) -> bytes:
    """A JPEG whose long side is at most `edge` pixels (never enlarged)."""
    small = picture.copy()
    small.thumbnail((edge, edge))
    if small.mode == "RGBA":
        small = _on_white(small)
    out = BytesIO()
    small.save(out, "JPEG", quality=_THUMB_QUALITY, optimize=True)
    return out.getvalue()


def _on_white(picture: Image.Image) -> Image.Image:
    """An RGBA picture flattened onto white, for JPEG, which has no transparency."""
    background = Image.new("RGBA", picture.size, _WHITE)
    return Image.alpha_composite(background, picture).convert("RGB")


def _millions(count: int, *, up: bool = False) -> float | int:
    """Megabytes or megapixels to one decimal, rounded away from the limit they are compared
    with (a file just over 20 MB reads 20.1, not 20.0); whole numbers without ".0"."""
    tenths = (math.ceil if up else math.floor)(count / 100_000) / 10
    return int(tenths) if tenths.is_integer() else tenths
