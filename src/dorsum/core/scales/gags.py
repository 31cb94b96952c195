"""Global Acne Grading System (Doshi et al. 1997), sources `adityan-2009` and `kblim-gags`.

GAGS merges chest and upper back into one region, so back-only acne scores at most 12, which the
bands call "mild" even when every lesion is a nodule. dorsum reports it with that warning and never
uses it alone for back-acne severity.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum
from typing import Literal


class GagsRegion(StrEnum):
    """The six GAGS regions; chest and upper back are one region."""

    FOREHEAD = "forehead"
    RIGHT_CHEEK = "right_cheek"
    LEFT_CHEEK = "left_cheek"
    NOSE = "nose"
    CHIN = "chin"
    CHEST_AND_UPPER_BACK = "chest_and_upper_back"


FACTORS: dict[GagsRegion, int] = {
    GagsRegion.FOREHEAD: 2,
    GagsRegion.RIGHT_CHEEK: 2,
    GagsRegion.LEFT_CHEEK: 2,
    GagsRegion.NOSE: 1,
    GagsRegion.CHIN: 1,
    GagsRegion.CHEST_AND_UPPER_BACK: 3,
}


class GagsGrade(IntEnum):
    """A region is graded by its most severe lesion type."""

    NONE = 0
    COMEDONES = 1
    PAPULES = 2
    PUSTULES = 3
    NODULES = 4


GagsBand = Literal["none", "mild", "moderate", "severe", "very_severe"]
BACK_ONLY_MAXIMUM = 12  # factor 3 x nodules 4


def gags_score(grades: Mapping[GagsRegion, GagsGrade]) -> int:
    """Global score: sum of factor x grade over the regions given (absent regions count 0)."""
    return sum(FACTORS[region] * int(grade) for region, grade in grades.items())


def gags_band(score: int) -> GagsBand:
    """Bands 1-18 mild, 19-30 moderate, 31-38 severe, 39+ very severe.

    The source table reads ">39" for very severe, leaving 39 unassigned; dorsum puts 39 in
    "very severe", as other reproductions do (documented in docs/grading.md).
    """
    if score < 0 or score > 44:
        raise ValueError(f"a GAGS score lies in 0..44, not {score}")
    if score == 0:
        return "none"
    if score <= 18:
        return "mild"
    if score <= 30:
        return "moderate"
    if score <= 38:
        return "severe"
    return "very_severe"


def grade_from_counts(*, comedones: int, papules: int, pustules: int, nodules: int) -> GagsGrade:
    """The most severe lesion type present (cysts count as nodules)."""
    if nodules:
        return GagsGrade.NODULES
    if pustules:
        return GagsGrade.PUSTULES
    if papules:
        return GagsGrade.PAPULES
    if comedones:
        return GagsGrade.COMEDONES
    return GagsGrade.NONE
