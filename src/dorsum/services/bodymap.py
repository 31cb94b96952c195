"""The back body map: six zones (upper, middle, lower; left, right). Each zone holds lesion and
scar counts; their totals become the intake's acne and acne-scar counts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ZoneId = Literal[
    "upper_left", "upper_right", "middle_left", "middle_right", "lower_left", "lower_right"
]
ZONES: tuple[ZoneId, ...] = (
    "upper_left",
    "upper_right",
    "middle_left",
    "middle_right",
    "lower_left",
    "lower_right",
)
ACNE_FIELDS = ("comedones", "papules", "pustules", "nodules", "cysts")
SCAR_FIELDS = ("icepick", "boxcar", "rolling", "hypertrophic", "macular")
Count = Annotated[int, Field(ge=0, le=10_000)]


class ZoneCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comedones: Count = 0
    papules: Count = 0
    pustules: Count = 0
    nodules: Count = 0
    cysts: Count = 0
    icepick: Count = 0
    boxcar: Count = 0
    rolling: Count = 0
    hypertrophic: Count = 0
    macular: Count = 0

    @property
    def total(self) -> int:
        return sum(self.model_dump().values())


class BodyMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zones: dict[ZoneId, ZoneCounts] = Field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        sums = dict.fromkeys((*ACNE_FIELDS, *SCAR_FIELDS), 0)
        for counts in self.zones.values():
            for name, value in counts.model_dump().items():
                sums[name] += value
        return sums

    def is_empty(self) -> bool:
        return all(counts.total == 0 for counts in self.zones.values())


def apply_body_map(intake: dict[str, Any], body_map: BodyMap) -> dict[str, Any]:
    """The intake with its acne and scar counts replaced by the body map's totals."""
    if body_map.is_empty():
        return intake
    totals = body_map.totals()
    findings = dict(intake.get("findings") or {})
    for section, fields in (("acne", ACNE_FIELDS), ("acne_scars", SCAR_FIELDS)):
        if any(totals[name] for name in fields):
            findings[section] = {
                **(findings.get(section) or {}),
                **{name: totals[name] for name in fields},
            }
    return {**intake, "findings": findings}
