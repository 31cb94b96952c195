"""The intake, exactly as assessment contract 1 defines it.

Unknown fields are rejected rather than ignored: a misspelt `pregant: true` must not silently
become "not pregnant".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Count = Annotated[int, Field(ge=0, le=10_000)]
Sex = Literal["female", "male", "other"]
ColdDisorder = Literal[
    "cryoglobulinemia",
    "cold_agglutinin_disease",
    "paroxysmal_cold_hemoglobinuria",
    "cold_urticaria",
    "raynaud",
]
Allergen = Literal[
    "hyaluronic_acid",
    "lidocaine",
    "amide_anaesthetics",
    "benzoyl_peroxide",
    "clindamycin",
    "erythromycin",
]
AcneInducingDrug = Literal[
    "systemic_corticosteroids",
    "lithium",
    "anabolic_steroids",
    "antiepileptics",
]
StriaeStage = Literal["rubra", "alba"]
ScarCause = Literal["burn", "cut", "bite", "surgery", "inflamed_spot", "other"]
ScarKind = Literal["flat", "atrophic", "hypertrophic", "keloid"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patient(_Strict):
    age: Annotated[int, Field(ge=0, le=120)]
    sex: Sex | None = None
    pregnant: bool = False
    breastfeeding: bool = False
    planning_pregnancy: bool = False
    fitzpatrick: Annotated[int, Field(ge=1, le=6)] | None = None
    bmi: Annotated[float, Field(ge=10, le=80)] | None = None


class History(_Strict):
    isotretinoin_months_since_stop: Annotated[int, Field(ge=0, le=1200)] | None = None
    keloid_tendency: bool = False
    anticoagulants: bool = False
    bleeding_disorder: bool = False
    cold_disorder: ColdDisorder | None = None
    herpes_history: bool = False
    active_herpes: bool = False
    active_infection_at_site: bool = False
    hernia_near_site: bool = False
    immunosuppressed: bool = False
    photosensitising_medication: bool = False
    recent_tan: bool = False
    allergies: tuple[Allergen, ...] = ()
    suspicious_pigmented_lesion: bool = False
    # extensions (issue 8): what needs its own management or referral (NICE NG198)
    koebnerising_disease: bool = False  # psoriasis, vitiligo or lichen planus
    acne_inducing_drugs: tuple[AcneInducingDrug, ...] = ()
    androgen_excess_signs: bool = False  # hirsutism, irregular periods, virilisation
    hidradenitis_suspected: bool = False  # painful nodules and tunnels in the folds


class AcneFindings(_Strict):
    comedones: Count = 0
    papules: Count = 0
    pustules: Count = 0
    nodules: Count = 0
    cysts: Count = 0
    itchy_monomorphic_without_comedones: bool = False
    rapid_worsening_with_systemic_symptoms: bool = False


class AcneScarFindings(_Strict):
    icepick: Count = 0
    boxcar: Count = 0
    rolling: Count = 0
    hypertrophic: Count = 0
    macular: Count = 0
    visible_at_social_distance: bool = False
    flatten_on_stretch: bool = True


class StretchMarkFindings(_Strict):
    stage: StriaeStage
    count: Annotated[int, Field(ge=1, le=10_000)] | None = None


class LocalizedFatFindings(_Strict):
    pinch_cm: Annotated[float, Field(gt=0, le=30)]
    # extension: how many areas of the back (applicator placements) carry the fat; bra fat is
    # usually 2 (left and right). Sets the cryolipolysis cycles per session.
    areas: Annotated[int, Field(ge=1, le=6)] | None = None


class Scar(_Strict):
    cause: ScarCause
    kind: ScarKind
    months_old: Annotated[int, Field(ge=0, le=1200)] | None = None


class Findings(_Strict):
    acne: AcneFindings | None = None
    acne_scars: AcneScarFindings | None = None
    stretch_marks: StretchMarkFindings | None = None
    localized_fat: LocalizedFatFindings | None = None
    scars: tuple[Scar, ...] = ()


class Goals(_Strict):
    target_date: date | None = None
    prefer_non_invasive: bool = False


class Intake(_Strict):
    """One patient's intake: who they are, their history, what is on their back, what they want."""

    patient: Patient
    history: History = History()
    findings: Findings = Findings()
    goals: Goals = Goals()
