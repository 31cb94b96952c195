"""The assessment result: contract 1's stable fields plus compatible extensions.

Every renderer (CLI text, JSON, HTML, PDF, CDS Hooks card) renders this value and recomputes
nothing. Extensions beyond the contract are marked "extension" below; consumers may ignore them.

The core fills codes, rule ids and `params` only; every `text` (and `rationale`, and a
reading's `value` and `note`) is written by the one wording module (`dorsum.reports.wording`),
in the reader's language, so that JSON, terminal, web page and PDF say the same thing.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

CONTRACT_VERSION: Literal[1] = 1

ConditionId = Literal["acne", "acne_scars", "stretch_marks", "localized_fat", "scars"]
Severity = Literal["mild", "moderate", "severe"]
Urgency = Literal["none", "routine", "urgent", "same_day"]
URGENCY_ORDER: dict[str, int] = {"none": 0, "routine": 1, "urgent": 2, "same_day": 3}


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


ValueT = TypeVar("ValueT", bound=_Value)
_set = object.__setattr__
_FIELDS: dict[type[BaseModel], set[str]] = {}


def trusted(model: type[ValueT], values: dict[str, Any]) -> ValueT:
    """Build a result value from parts that are already validated, without re-validating.

    The engine's hot path assembles an `Assessment` from knowledge-base values and models it
    built itself; re-validating them costs more than the whole decision. `values` must hold
    every field. The tests re-validate built results to prove they are valid.
    """
    value = model.__new__(model)
    _set(value, "__dict__", values)
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = set(model.model_fields)
    _set(value, "__pydantic_fields_set__", fields)  # shared: pydantic copies it before changing
    _set(value, "__pydantic_extra__", None)
    _set(value, "__pydantic_private__", None)
    return value


class Code(_Value):
    """A terminology code (extension)."""

    system: str
    code: str
    display: str


Param = str | int | float | bool | None


class ScaleReading(_Value):
    """One grading scale's reading for a condition (extension)."""

    scale: str
    value: str
    band: str | None = None
    note: str | None = None
    sources: tuple[str, ...] = ()
    code: str = ""  # which reading (nice, gags, goodman_baron, ...), for the wording
    params: dict[str, Param] = {}  # the values the wording says


class ConditionResult(_Value):
    id: ConditionId
    severity: Severity
    name: str = ""  # extension: display name
    basis: str = ""  # extension: what the severity rests on
    features: tuple[str, ...] = ()  # extension
    grading: tuple[ScaleReading, ...] = ()  # extension
    codes: tuple[Code, ...] = ()  # extension
    areas: int | None = None  # extension: areas of the back involved (localized fat)


class Caution(_Value):
    code: str
    text: str
    rule: str = ""  # extension: the knowledge-base rule that raised it
    sources: tuple[str, ...] = ()  # extension
    about: ConditionId | None = None  # extension: set when it concerns another condition
    params: dict[str, Param] = {}  # extension: the values the wording says


class Reason(_Value):
    code: str
    text: str
    until: date | None = None
    rule: str = ""  # extension
    sources: tuple[str, ...] = ()  # extension
    params: dict[str, Param] = {}  # extension: e.g. what a wait counts from


class Recommendation(_Value):
    treatment: str
    condition: ConditionId
    rank: int
    rationale: str
    cautions: tuple[Caution, ...] = ()
    requires: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    name: str = ""  # extension: display name
    indication: str = ""  # extension: the indication id that made it a candidate
    evidence: str = ""  # extension: evidence level
    invasiveness: int = 0  # extension: 0 home care .. 4 surgical/ablative
    physician_required: bool = False  # extension
    score: float = 0.0  # extension: the ranking score, for transparency


class Exclusion(_Value):
    treatment: str
    condition: ConditionId
    reasons: tuple[Reason, ...]
    name: str = ""  # extension
    indication: str = ""  # extension: the indication that made it a candidate
    cautions: tuple[Caution, ...] = ()  # extension: cautions that would also apply


class ReferralReason(_Value):
    code: str
    text: str
    urgency: Urgency = "routine"  # extension: this reason's own urgency
    rule: str = ""  # extension
    sources: tuple[str, ...] = ()  # extension
    variant: str = ""  # extension: the variant of the referral text that fits this patient


class Referral(_Value):
    urgency: Urgency = "none"
    reasons: tuple[ReferralReason, ...] = ()


class Advice(_Value):
    code: str
    text: str
    sources: tuple[str, ...]
    rule: str = ""  # extension


class Finding(TypedDict):
    """One thing a rule concluded (extension): the structured trace, which `trace` renders as
    lines. A plain mapping, because an assessment carries dozens and they are only read."""

    rule: str
    effect: str  # flags, consider, exclude, caution, fold, rank, refer, advise
    treatment: str
    condition: str
    code: str
    until: date | None
    params: dict[str, Param]
    sources: tuple[str, ...]


class Assessment(_Value):
    """The whole answer for one intake."""

    contract: Literal[1] = CONTRACT_VERSION
    knowledge_base_version: str
    conditions: tuple[ConditionResult, ...]
    recommendations: tuple[Recommendation, ...]
    excluded: tuple[Exclusion, ...]
    referral: Referral
    advice: tuple[Advice, ...]
    trace: tuple[str, ...]
    assessed_on: date  # extension: the explicit "today" that dated any waits
    patient_age: int | None = None  # extension: plans set some session counts by age
    findings: tuple[Finding, ...] = ()  # extension: the structured trace

    def recommended_ids(self) -> set[str]:
        """Treatment ids that appear in `recommendations`."""
        return {item.treatment for item in self.recommendations}

    def cautions_on(self, treatment: str, condition: str | None = None) -> list[Caution]:
        """Every caution on a treatment (for one condition, or any), recommended or excluded."""
        found = [
            c
            for r in self.recommendations
            if r.treatment == treatment and condition in (None, r.condition)
            for c in r.cautions
        ]
        return found + [
            c
            for e in self.excluded
            if e.treatment == treatment and condition in (None, e.condition)
            for c in e.cautions
        ]

    def excluded_ids(self) -> set[str]:
        """Treatment ids that appear in `excluded`."""
        return {item.treatment for item in self.excluded}

    def cited_sources(self) -> list[str]:
        """Every source id the assessment cites, in order of first appearance."""
        cited: dict[str, None] = {}
        for reading in (r for c in self.conditions for r in c.grading):
            cited.update(dict.fromkeys(reading.sources))
        for item in self.recommendations:
            cited.update(dict.fromkeys(item.sources))
            for caution in item.cautions:
                cited.update(dict.fromkeys(caution.sources))
        for reason in (r for e in self.excluded for r in e.reasons):
            cited.update(dict.fromkeys(reason.sources))
        for referral in self.referral.reasons:
            cited.update(dict.fromkeys(referral.sources))
        for advice in self.advice:
            cited.update(dict.fromkeys(advice.sources))
        return list(cited)
