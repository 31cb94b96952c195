"""Fitzpatrick skin phototypes I-VI (sources `statpearls-fitzpatrick`, `fitzpatrick-score`).

Types IV-VI carry a higher risk of post-inflammatory hyperpigmentation after peels and lasers
(source `castillo-2018`), which is the one thing dorsum's rules use the type for.
"""

from __future__ import annotations

from typing import Literal

Phototype = Literal[1, 2, 3, 4, 5, 6]

SUN_RESPONSE: dict[int, str] = {
    1: "Always burns, never tans",
    2: "Burns easily, tans minimally",
    3: "Sometimes burns mildly, tans gradually",
    4: "Burns minimally, tans easily",
    5: "Very rarely burns, tans very easily",
    6: "Never burns, deeply pigmented",
}

# Questionnaire bands (0-36) from a single lay source: PARTIAL, offered as an aid, not a rule.
_SCORE_UPPER_BOUNDS: tuple[tuple[int, Phototype], ...] = (
    (6, 1),
    (13, 2),
    (20, 3),
    (27, 4),
    (34, 5),
    (36, 6),
)


def fitzpatrick_from_score(score: int) -> Phototype:
    """Phototype from the 0-36 questionnaire score."""
    for upper, phototype in _SCORE_UPPER_BOUNDS:
        if 0 <= score <= upper:
            return phototype
    raise ValueError(f"a Fitzpatrick questionnaire score lies in 0..36, not {score}")


def has_high_pih_risk(phototype: int) -> bool:
    """Types IV-VI: higher risk of hyperpigmentation after resurfacing."""
    if phototype not in SUN_RESPONSE:
        raise ValueError(f"a Fitzpatrick phototype lies in 1..6, not {phototype}")
    return phototype >= 4
