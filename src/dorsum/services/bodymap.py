"""The back body map: six zones (upper, middle, lower; left, right). Each zone holds lesion and
scar counts; their totals become the intake's acne and acne-scar counts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dorsum.core.intake import Intake

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
SECTIONS = (("acne", ACNE_FIELDS), ("acne_scars", SCAR_FIELDS))
MAX_COUNT = 10_000
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


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

    @model_validator(mode="after")
    def _totals_fit_the_intake(self) -> BodyMap:
        """The zones' totals become intake counts, which stop at 10,000 too."""
        if any(total > MAX_COUNT for total in self.totals().values()):
            raise ValueError(f"the zones add up to more than {MAX_COUNT} of one kind")
        return self

    def totals(self) -> dict[str, int]:
        sums = dict.fromkeys((*ACNE_FIELDS, *SCAR_FIELDS), 0)
        for counts in self.zones.values():
            for name, value in counts.model_dump().items():
                sums[name] += value
        return sums

    def is_empty(self) -> bool:
        return all(counts.total == 0 for counts in self.zones.values())

    def counts_section(self, section: str) -> bool:
        """Whether the zones hold any count of `section` (then they decide its counts)."""
        fields = dict(SECTIONS)[section]
        totals = self.totals()
        return any(totals[name] for name in fields)


def apply_body_map(intake: Intake, body_map: BodyMap) -> Intake:
    """The intake with its acne and scar counts replaced by the zones' totals, section by
    section, wherever the zones hold counts of that section (its other fields are kept)."""
    if body_map.is_empty():
        return intake
    totals = body_map.totals()
    raw = intake.model_dump(mode="json")
    findings = raw["findings"]
    for section, fields in SECTIONS:
        if body_map.counts_section(section):
            findings[section] = {
                **(findings.get(section) or {}),
                **{name: totals[name] for name in fields},
            }
    return Intake.model_validate(raw)
