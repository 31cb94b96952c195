"""Goodman & Baron qualitative acne-scar grade 1-4 (sources `goodman-baron-2006q`, `gb-table`).

1 macular (colour only); 2 mild, not obvious at a social distance of 50 cm; 3 moderate, obvious
at 50 cm but atrophic scars flatten when stretched; 4 severe, obvious and they do not flatten.
The quantitative score's point values are unverified and are not implemented.
"""

from __future__ import annotations

from typing import Literal

GoodmanBaronGrade = Literal[1, 2, 3, 4]


def goodman_baron_grade(
    *,
    atrophic: int,
    hypertrophic: int,
    macular: int,
    visible_at_social_distance: bool,
    flatten_on_stretch: bool,
) -> GoodmanBaronGrade | None:
    """The grade for these scar counts, or None when there are no scars at all."""
    if min(atrophic, hypertrophic, macular) < 0:
        raise ValueError("scar counts cannot be negative")
    if atrophic + hypertrophic == 0:
        return 1 if macular else None
    if not visible_at_social_distance:
        return 2
    if atrophic and not flatten_on_stretch:
        return 4
    return 3
