"""Uploaded photos: accepted by content, cleaned of every piece of metadata, refused with reasons.

Files are written to disk with Pillow (and pillow-heif for HEIC) and read back as bytes, as
an upload arrives; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import struct
import time
import warnings
import zlib
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from dorsum.media.images import (
    CleanImage,
    ImageRefused,
    Limits,
    clean_upload,
    downscaled_jpeg,
    heic_supported,
)
from dorsum.media.settings import limits_from_settings
from dorsum.settings import Settings

needs_heic = pytest.mark.skipif(not heic_supported(), reason="pillow-heif is not installed")
RED = (220, 20, 30)
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def saved(
    tmp_path: Path, name: str, image: Image.Image, image_format: str, **params: object
) -> bytes:
    """The bytes of `image` written to tmp_path/name in `image_format`, as an upload sends."""
    path = tmp_path / name
    image.save(path, format=image_format, **params)
    return path.read_bytes()


def encoded(image: Image.Image, image_format: str, **params: object) -> bytes:
    out = BytesIO()
    image.save(out, format=image_format, **params)
    return out.getvalue()


def photo(width: int = 120, height: int = 80) -> Image.Image:
    """A white picture with a red square in its top-left corner, so turns can be seen."""
    image = Image.new("RGB", (width, height), "white")
    image.paste(RED, (0, 0, 40, 40))
    return image


def reopened(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def colour_at(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    pixel = image.getpixel((x, y))
    assert isinstance(pixel, tuple)
    return pixel


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: camera, orientation, and where the photo was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (40.0, 25.0, 1.5)
    gps[3] = "W"
    gps[4] = (3.0, 42.0, 12.25)
    return exif


def assert_no_metadata(image: Image.Image) -> None:
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(GPS_IFD) == {}
    for name in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment"):
        assert name not in image.info


@cache
def png_declaring(width: int, height: int) -> bytes:
    """A 1-bit PNG of `width` x `height` pixels written chunk by chunk, its zeros compressed
    as a stream: a decompression bomb without ever holding the pixels in memory."""
    row = b"\0" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    stream = [
        compressor.compress(row * min(1000, height - done)) for done in range(0, height, 1000)
    ]
    data = b"".join([*stream, compressor.flush()])

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("image_format", "name", "content_type", "stored_format"),
    [
        ("JPEG", "back.jpg", "image/jpeg", "JPEG"),
        ("PNG", "back.png", "image/png", "PNG"),
        pytest.param("HEIF", "back.heic", "image/jpeg", "JPEG", marks=needs_heic),
    ],
)
def test_each_accepted_format_is_stored_for_browsers(
    tmp_path: Path, image_format: str, name: str, content_type: str, stored_format: str
) -> None:
    """JPEG and PNG are stored in their own format, HEIC as JPEG, with sizes and a checksum."""
    clean = clean_upload(saved(tmp_path, name, photo(), image_format))
    assert clean.source_format == image_format
    assert clean.content_type == content_type
    assert (clean.width, clean.height) == (120, 80)
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    stored = reopened(clean.data)
    assert stored.format == stored_format
    assert stored.size == (120, 80)
    assert colour_at(stored, 5, 5)[0] > 180  # the red corner is still red, still top-left


def test_phone_jpeg_loses_gps_and_exif_and_is_turned_upright(tmp_path: Path) -> None:
    """A JPEG with GPS and Orientation=6 is stored turned 90° clockwise with no EXIF at all."""
    upload = saved(tmp_path, "IMG_0001.jpg", photo(), "JPEG", exif=exif_with_gps(6))
    assert reopened(upload).getexif().get_ifd(GPS_IFD)  # the upload really carries GPS
    clean = clean_upload(upload)
    stored = reopened(clean.data)
    assert_no_metadata(stored)
    assert b"Exif" not in clean.data
    assert (clean.width, clean.height) == stored.size == (80, 120)
    red, _, blue = colour_at(stored, 75, 5)  # the top-left corner turned to the top-right
    assert red > 180
    assert blue < 90
    assert_no_metadata(reopened(clean.thumbnail))


@needs_heic
def test_phone_heic_loses_gps_and_exif(tmp_path: Path) -> None:
    """A HEIC with GPS and Orientation=6 is stored upright as a JPEG with no EXIF."""
    # Given as bytes, pillow-heif turns the EXIF orientation into the HEIF rotation a phone
    # writes (HEIF readers take the rotation from the container, not from EXIF).
    upload = saved(tmp_path, "IMG_0002.heic", photo(), "HEIF", exif=exif_with_gps(6).tobytes())
    assert reopened(upload).getexif().get_ifd(GPS_IFD)
    clean = clean_upload(upload)
    assert_no_metadata(reopened(clean.data))
    assert (clean.width, clean.height) == (80, 120)


def test_png_loses_text_xmp_and_colour_profile(tmp_path: Path) -> None:
    """Text chunks, XMP, EXIF and the ICC profile of a PNG are not stored; its colours are."""
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "patient 123, Calle Mayor 5")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 40.4N</x:xmpmeta>")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = saved(
        tmp_path, "back.png", photo(), "PNG", pnginfo=text, icc_profile=srgb, exif=exif_with_gps()
    )
    assert "Comment" in reopened(upload).info
    clean = clean_upload(upload)
    stored = reopened(clean.data)
    assert_no_metadata(stored)
    assert b"Calle Mayor" not in clean.data
    assert colour_at(stored, 5, 5) == RED


def test_jpeg_loses_comment_and_colour_profile(tmp_path: Path) -> None:
    """A JPEG's comment and ICC profile are not stored."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = saved(tmp_path, "back.jpg", photo(), "JPEG", icc_profile=srgb, comment=b"Ana Ruiz")
    clean = clean_upload(upload)
    assert_no_metadata(reopened(clean.data))
    assert b"Ana Ruiz" not in clean.data


def test_png_transparency_is_kept_and_thumbnail_is_flattened(tmp_path: Path) -> None:
    """A PNG keeps its alpha channel; its JPEG thumbnail is drawn on white."""
    image = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
    clean = clean_upload(saved(tmp_path, "marking.png", image, "PNG"))
    assert reopened(clean.data).mode == "RGBA"
    thumbnail = reopened(clean.thumbnail)
    assert thumbnail.mode == "RGB"
    assert colour_at(thumbnail, 0, 0) == (255, 255, 255)


def test_camera_jpeg_with_a_second_picture_is_a_jpeg(tmp_path: Path) -> None:
    """A JPEG that Pillow reads as MPO (a camera's preview appended) is accepted as JPEG."""
    upload = saved(tmp_path, "DSC0001.jpg", photo(), "MPO", save_all=True, append_images=[photo()])
    clean = clean_upload(upload)
    assert clean.source_format == "JPEG"
    assert reopened(clean.data).format == "JPEG"


def test_png_named_jpg_is_accepted_as_png(tmp_path: Path) -> None:
    """The bytes decide the format: a PNG called photo.jpg is a PNG."""
    clean = clean_upload(saved(tmp_path, "photo.jpg", photo(), "PNG"))
    assert clean.source_format == "PNG"
    assert clean.content_type == "image/png"


@pytest.mark.parametrize("kind", ["pdf", "text"])
def test_non_images_named_jpg_are_refused(tmp_path: Path, kind: str) -> None:
    """A PDF or a text file called photo.jpg is refused as not an image."""
    path = tmp_path / "photo.jpg"
    if kind == "pdf":
        photo().save(path, format="PDF")  # a real PDF, with a picture inside
    else:
        path.write_text("Not a photo, just notes about the patient's back.\n" * 20)
    with pytest.raises(ImageRefused) as refused:
        clean_upload(path.read_bytes())
    assert refused.value.code == "not_an_image"
    assert "JPEG, PNG or HEIC" in str(refused.value)


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "WEBP", "TIFF"])
def test_other_picture_formats_are_refused_by_name(tmp_path: Path, image_format: str) -> None:
    """A GIF, BMP, WebP or TIFF, whatever it is called, is refused as a format not accepted."""
    with pytest.raises(ImageRefused) as refused:
        clean_upload(saved(tmp_path, "photo.jpg", photo(), image_format))
    assert refused.value.code == "format"
    assert refused.value.values == {"format": image_format}
    assert str(refused.value).startswith(f"{image_format} files are not accepted")


def test_empty_file_is_refused() -> None:
    """An empty upload is refused as empty."""
    with pytest.raises(ImageRefused) as refused:
        clean_upload(b"")
    assert refused.value.code == "empty"


def test_file_over_the_byte_limit_is_refused_before_decoding() -> None:
    """20 MB and one byte is refused as too large, with both sizes, before Pillow sees it."""
    with pytest.raises(ImageRefused) as refused:
        clean_upload(b"\xff\xd8\xff" + b"\0" * 20_000_000)  # a JPEG start, then nothing valid
    assert refused.value.code == "too_large"
    assert refused.value.values == {"size": 20.1, "limit": 20}
    assert str(refused.value) == "The file is 20.1 MB; at most 20 MB is accepted."
    assert refused.value.message == "The file is %(size)s MB; at most %(limit)s MB is accepted."


def test_real_photo_over_a_configured_byte_limit_is_refused(tmp_path: Path) -> None:
    """A configured limit applies: a 1.2 MB PNG is refused when 1 MB is allowed."""
    noise = Image.effect_noise((700, 600), 80).convert("RGB")
    upload = saved(tmp_path, "back.png", noise, "PNG")
    assert 1_000_000 < len(upload) < 1_300_000
    with pytest.raises(ImageRefused) as refused:
        clean_upload(upload, Limits(max_bytes=1_000_000))
    assert refused.value.code == "too_large"
    assert refused.value.values["limit"] == 1


def test_image_over_the_pixel_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    """A 1500 x 1000 photo is refused when 1 megapixel is allowed, with its dimensions."""
    upload = saved(tmp_path, "back.jpg", photo(1500, 1000), "JPEG")
    with pytest.raises(ImageRefused) as refused:
        clean_upload(upload, Limits(max_pixels=1_000_000))
    assert refused.value.code == "too_many_pixels"
    assert refused.value.values == {"megapixels": 1.5, "width": 1500, "height": 1000, "limit": 1}
    assert "1500 × 1000" in str(refused.value)


def test_pixel_limit_is_checked_from_the_header_before_decoding() -> None:
    """A header declaring too many pixels is refused for its size even if its data is broken."""
    upload = png_declaring(2000, 1000)[:200]  # the header, then a few bytes of pixels
    with pytest.raises(ImageRefused) as refused:
        clean_upload(upload, Limits(max_pixels=1_000_000))
    assert refused.value.code == "too_many_pixels"
    with pytest.raises(ImageRefused) as damaged:
        clean_upload(upload)
    assert damaged.value.code == "damaged"  # within the limit, decoding finds the damage


@pytest.mark.parametrize(
    ("width", "height", "limits"),
    [
        (20_000, 20_000, Limits()),  # Pillow's DecompressionBombError
        (10_000, 10_000, Limits()),  # Pillow's DecompressionBombWarning
        (20_000, 20_000, Limits(max_pixels=10**9)),  # a generous limit does not let bombs in
    ],
)
def test_decompression_bomb_is_refused_quickly_without_warnings(
    width: int, height: int, limits: Limits
) -> None:
    """A few KB of PNG declaring hundreds of megapixels is refused fast, no warning escaping."""
    bomb = png_declaring(width, height)
    assert len(bomb) < 100_000
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ImageRefused) as refused:
            clean_upload(bomb, limits)
    assert time.perf_counter() - started < 2
    assert caught == []
    assert refused.value.code == "too_many_pixels"
    assert refused.value.values["limit"] == limits.max_pixels // 1_000_000


def test_pillow_pixel_limit_is_left_unchanged() -> None:
    """Checking uploads never changes Pillow's process-wide MAX_IMAGE_PIXELS."""
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageRefused):
        clean_upload(png_declaring(20_000, 20_000), Limits(max_pixels=10**9))
    assert before == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(("image_format", "name"), [("JPEG", "back.jpg"), ("PNG", "back.png")])
def test_truncated_file_is_refused_as_damaged(tmp_path: Path, image_format: str, name: str) -> None:
    """A photo cut off half-way through the upload is refused as damaged."""
    noise = Image.effect_noise((300, 200), 60).convert("RGB")
    upload = saved(tmp_path, name, noise, image_format)
    with pytest.raises(ImageRefused) as refused:
        clean_upload(upload[: len(upload) // 2])
    assert refused.value.code == "damaged"


@pytest.mark.parametrize(
    ("size", "thumb"),
    [((1600, 900), (320, 180)), ((900, 1600), (180, 320)), ((100, 50), (100, 50))],
)
def test_thumbnail_fits_the_edge_and_is_never_enlarged(
    tmp_path: Path, size: tuple[int, int], thumb: tuple[int, int]
) -> None:
    """The thumbnail is a JPEG whose long edge is at most 320 pixels, in proportion."""
    clean = clean_upload(saved(tmp_path, "back.jpg", photo(*size), "JPEG"))
    thumbnail = reopened(clean.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == thumb


def test_downscaled_jpeg_for_reports_fits_the_edge(tmp_path: Path) -> None:
    """A stored photo downscaled for a PDF report is a JPEG at most `edge` pixels long."""
    stored = clean_upload(saved(tmp_path, "back.jpg", photo(1200, 800), "JPEG")).data
    small = reopened(downscaled_jpeg(stored, 300))
    assert small.format == "JPEG"
    assert small.size == (300, 200)


def test_limits_come_from_settings() -> None:
    """DORSUM_MAX_PHOTO_BYTES and DORSUM_MAX_PHOTO_PIXELS become the upload limits."""
    limits = limits_from_settings(Settings(max_photo_bytes=5_000_000, max_photo_pixels=12_000_000))
    assert limits == Limits(max_bytes=5_000_000, max_pixels=12_000_000)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.tuples(st.integers(1, 48), st.integers(1, 48)),
    image_format=st.sampled_from(["PNG", "JPEG"]),
    data=st.data(),
)
def test_any_small_photo_keeps_its_size_and_decodes(
    size: tuple[int, int], image_format: str, data: st.DataObject
) -> None:
    """Any small RGB photo, PNG or JPEG, is stored with its own size and decodes again."""
    width, height = size
    pixels = data.draw(st.binary(min_size=width * height * 3, max_size=width * height * 3))
    image = Image.frombytes("RGB", size, pixels)
    clean = clean_upload(encoded(image, image_format))
    assert isinstance(clean, CleanImage)
    assert (clean.width, clean.height) == size
    assert reopened(clean.data).size == size
    assert max(reopened(clean.thumbnail).size) <= 320


def test_truncated_file_is_refused_even_after_weasyprint_is_loaded(tmp_path: Path) -> None:
    """WeasyPrint turns on Pillow's lenient decoding for truncated files when it is imported;
    an upload cut off half-way is still refused, and WeasyPrint's setting is left as it was."""
    import weasyprint  # noqa: F401  (its import sets ImageFile.LOAD_TRUNCATED_IMAGES)
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    noise = Image.effect_noise((300, 200), 60).convert("RGB")
    upload = saved(tmp_path, "back.jpg", noise, "JPEG")
    with pytest.raises(ImageRefused) as refused:
        clean_upload(upload[: len(upload) // 2])
    assert refused.value.code == "damaged"
    assert before == ImageFile.LOAD_TRUNCATED_IMAGES
