"""The public self-check: a few plain questions, turned into an intake and assessed, to give
plain-language guidance and triage. It stores nothing; booking is a separate, consented step."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.knowledge import KnowledgeIndex

SPOT_COUNTS = {"none": 0, "under_10": 5, "10_to_34": 20, "35_or_more": 40}


class SelfCheckAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    age: int = Field(ge=12, le=120)
    pregnant: bool = False
    spots: Literal["none", "under_10", "10_to_34", "35_or_more"] = "none"
    blackheads: bool = False
    lumps: bool = False
    worse_fast_with_fever: bool = False
    itchy_uniform: bool = False
    marks: Literal["none", "flat", "dips_hidden", "dips_visible", "dips_fixed"] = "none"
    stretch_marks: Literal["none", "red", "white"] = "none"
    fat_fold: bool = False
    raised_scar: bool = False
    mole_changed: bool = False


def to_intake(answers: SelfCheckAnswers) -> dict[str, Any]:
    """The intake a clinician would write from these answers."""
    findings: dict[str, Any] = {}
    spots = SPOT_COUNTS[answers.spots]
    if spots or answers.blackheads or answers.lumps or answers.worse_fast_with_fever:
        findings["acne"] = {
            "comedones": 10 if answers.blackheads else 0,
            "papules": spots,
            "nodules": 1 if answers.lumps else 0,
            "itchy_monomorphic_without_comedones": answers.itchy_uniform and not answers.blackheads,
            "rapid_worsening_with_systemic_symptoms": answers.worse_fast_with_fever,
        }
    if answers.marks != "none":
        dips = answers.marks != "flat"
        findings["acne_scars"] = {
            "macular": 10,
            "rolling": 5 if dips else 0,
            "visible_at_social_distance": answers.marks in ("dips_visible", "dips_fixed"),
            "flatten_on_stretch": answers.marks != "dips_fixed",
        }
    if answers.stretch_marks != "none":
        findings["stretch_marks"] = {"stage": "rubra" if answers.stretch_marks == "red" else "alba"}
    if answers.fat_fold:
        findings["localized_fat"] = {"pinch_cm": 3.0}
    if answers.raised_scar:
        findings["scars"] = [{"cause": "other", "kind": "hypertrophic"}]
    return {
        "patient": {"age": answers.age, "pregnant": answers.pregnant},
        "history": {"suspicious_pigmented_lesion": answers.mole_changed},
        "findings": findings,
    }


def self_check(
    answers: SelfCheckAnswers, *, today: date, index: KnowledgeIndex, language: str = "en"
) -> Assessment:
    """Assess the answers; the caller shows plain guidance and never stores the answers."""
    return dorsum.assess(to_intake(answers), index=index, today=today, language=language)
