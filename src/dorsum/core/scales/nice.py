"""NICE NG198 acne severity (sources `nice-ng198-referral`, `nice-ng198-summary`).

Two bands only. Inflammatory lesions are papules and pustules; nodules and cysts are counted
apart, and any of them on the back is a red flag whatever this band says (see the engine).
"""

from __future__ import annotations

from typing import Literal

NiceSeverity = Literal["mild_to_moderate", "moderate_to_severe"]

INFLAMMATORY_THRESHOLD = 35
NODULE_THRESHOLD = 3


def nice_severity(*, inflammatory: int, nodules: int) -> NiceSeverity:
    """Moderate-to-severe with 35+ inflammatory lesions or 3+ nodules, else mild-to-moderate."""
    if inflammatory < 0 or nodules < 0:
        raise ValueError("lesion counts cannot be negative")
    if inflammatory >= INFLAMMATORY_THRESHOLD or nodules >= NODULE_THRESHOLD:
        return "moderate_to_severe"
    return "mild_to_moderate"
