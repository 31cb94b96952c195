"""What makes a patient report the clinic's own: its letterhead and the patient's before photos.

Plain frozen values with no I/O, so the report renderers stay pure: the services read the clinic,
the patient and the photo store, and hand these over already checked and downscaled. The checks
here are only the cheap ones that keep the renderers safe: an image is embedded in the report
under the media type given, so that type must be one a report may show and must match the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PNG = "image/png"
JPEG = "image/jpeg"
_SIGNATURES = {PNG: b"\x89PNG\r\n\x1a\n", JPEG: b"\xff\xd8\xff"}


def image_matches(data: bytes, media_type: str) -> bool:
    """Whether `data` starts like an image of `media_type` (PNG or JPEG, nothing else)."""
    signature = _SIGNATURES.get(media_type)
    return signature is not None and data.startswith(signature)


@dataclass(frozen=True)
class Letterhead:
    """The clinic's name, address, phone and logo, and who the report is for and by."""

    clinic_name: str
    address: str = ""  # may contain newlines
    phone: str = ""
    logo: bytes | None = None  # PNG or JPEG bytes, already checked and small (<= 512 KB)
    logo_type: str = ""  # "image/png" | "image/jpeg"
    patient_name: str = ""
    practitioner_name: str = ""

    def __post_init__(self) -> None:
        if self.logo and not image_matches(self.logo, self.logo_type):
            raise ValueError("the logo must be a PNG or a JPEG, with its matching logo_type")

    @property
    def address_lines(self) -> list[str]:
        """The address as the lines it was typed in, blank lines left out."""
        return [line.strip() for line in self.address.splitlines() if line.strip()]


@dataclass(frozen=True)
class ReportPhoto:
    """A before photo of one zone of the back, as the report shows it."""

    zone: str  # already worded in the reader's language, e.g. "Upper left"
    taken_on: date
    jpeg: bytes  # a downscaled JPEG (the caller makes it at most ~800 px on the long edge)

    def __post_init__(self) -> None:
        if not image_matches(self.jpeg, JPEG):
            raise ValueError("a report photo must be a JPEG")
