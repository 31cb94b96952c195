"""The upload limits, from the settings (DORSUM_MAX_PHOTO_BYTES, DORSUM_MAX_PHOTO_PIXELS).

Kept apart from `images` so that image checking stays pure: it is given `Limits`, it never
reads the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dorsum.media.images import Limits

if TYPE_CHECKING:
    from dorsum.settings import Settings


def limits_from_settings(settings: Settings) -> Limits:
    """The upload limits that DORSUM_MAX_PHOTO_BYTES and DORSUM_MAX_PHOTO_PIXELS set."""
    return Limits(max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels)
