"""What a patient can consent to. Each purpose allows one thing: treatment under one plan, photos
in the clinical record, or photos used for teaching or marketing. A consent to one never
stands in for another."""

from __future__ import annotations

from typing import Literal

from dorsum.i18n import N_

Purpose = Literal["treatment", "photos_clinical", "photos_teaching"]
PURPOSES: tuple[Purpose, ...] = ("treatment", "photos_clinical", "photos_teaching")
LABELS: dict[str, str] = {
    "treatment": N_("Treatment under a plan"),
    "photos_clinical": N_("Photos for the clinical record"),
    "photos_teaching": N_("Photos for teaching or marketing"),
}
