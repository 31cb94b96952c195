"""Investigator's Global Assessment success rule (FDA 2018 guidance, source `fda-acne-2018`).

IGA is a facial scale; dorsum uses only its success rule, to judge follow-up visits.
"""

from __future__ import annotations

IGA_GRADES = range(5)  # 0 clear, 1 almost clear, 2 mild, 3 moderate, 4 severe


def iga_success(baseline: int, follow_up: int) -> bool:
    """Success is IGA 0 or 1 at follow-up and at least two grades better than baseline."""
    for name, grade in (("baseline", baseline), ("follow_up", follow_up)):
        if grade not in IGA_GRADES:
            raise ValueError(f"{name} IGA grade must be 0..4, not {grade}")
    return follow_up <= 1 and baseline - follow_up >= 2
