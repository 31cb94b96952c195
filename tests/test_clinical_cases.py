"""Clinical cases: the specification, one row per patient, written from the FACTS dossier and
the seed articles. Each row says what a careful clinician would expect dorsum to conclude.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

import dorsum
from dorsum.core.assessment import Assessment
from tests.conftest import TODAY, Assess

MODERATE_ATROPHIC = {"rolling": 6, "boxcar": 4, "visible_at_social_distance": True}
SEVERE_ATROPHIC = {
    "icepick": 8,
    "boxcar": 10,
    "rolling": 12,
    "visible_at_social_distance": True,
    "flatten_on_stretch": False,
}
INFLAMED = {"comedones": 10, "papules": 12, "pustules": 6}  # 18 inflammatory: moderate


def intake(
    age: int = 30,
    *,
    patient: dict[str, Any] | None = None,
    history: dict[str, Any] | None = None,
    goals: dict[str, Any] | None = None,
    **findings: Any,
) -> dict[str, Any]:
    return {
        "patient": {"age": age, "fitzpatrick": 2, **(patient or {})},
        "history": history or {},
        "findings": findings,
        "goals": goals or {},
    }


@dataclass
class Case:
    intake: dict[str, Any]
    severity: dict[str, str] = field(default_factory=dict)
    recommended: set[str] = field(default_factory=set)
    not_recommended: set[str] = field(default_factory=set)
    excluded: dict[str, str] = field(default_factory=dict)  # treatment -> reason code
    cautioned: dict[str, str] = field(default_factory=dict)  # treatment -> caution code
    until: dict[str, date] = field(default_factory=dict)
    referral: str | None = None  # None: not part of this case
    referral_codes: set[str] = field(default_factory=set)
    first: dict[str, str] = field(default_factory=dict)  # condition -> top treatment


CASES: dict[str, Case] = {
    "comedonal back acne is mild and needs no antibiotic": Case(
        intake(17, acne={"comedones": 15}),
        severity={"acne": "mild"},
        recommended={"benzoyl_peroxide", "topical_retinoid"},
        not_recommended={"topical_antibiotic"},
    ),
    "inflamed back acne: benzoyl peroxide first, antibiotic only with it": Case(
        intake(16, acne=INFLAMED),
        severity={"acne": "moderate"},
        recommended={"benzoyl_peroxide", "topical_antibiotic", "topical_retinoid"},
        first={"acne": "benzoyl_peroxide"},
    ),
    "40 inflammatory lesions is severe and referred (NICE)": Case(
        intake(20, acne={"papules": 25, "pustules": 15}),
        severity={"acne": "severe"},
        recommended={"benzoyl_peroxide"},
        referral="routine",
        referral_codes={"severe_acne"},
    ),
    "two nodules are severe on the back though NICE says mild-to-moderate": Case(
        intake(19, acne={"papules": 10, "nodules": 2}),
        severity={"acne": "severe"},
        referral="routine",
        referral_codes={"nodular_acne"},
    ),
    "back-only nodular acne is referred whatever GAGS says": Case(
        intake(18, acne={"nodules": 1}),
        severity={"acne": "severe"},
        referral="routine",
        referral_codes={"nodular_acne"},
    ),
    "three nodules meet both nodule and NICE thresholds": Case(
        intake(22, acne={"nodules": 2, "cysts": 1}),
        severity={"acne": "severe"},
        referral_codes={"nodular_acne"},
        referral="routine",
    ),
    "acne fulminans is a same-day referral and nothing is started": Case(
        intake(
            15, acne={"pustules": 30, "nodules": 4, "rapid_worsening_with_systemic_symptoms": True}
        ),
        severity={"acne": "severe"},
        excluded={"benzoyl_peroxide": "acne_fulminans", "topical_retinoid": "acne_fulminans"},
        referral="same_day",
        referral_codes={"acne_fulminans"},
    ),
    "itchy uniform spots suggest Malassezia: no antibiotic, see a physician": Case(
        intake(25, acne={"papules": 20, "itchy_monomorphic_without_comedones": True}),
        excluded={"topical_antibiotic": "malassezia_suspected"},
        recommended={"home_care"},
        referral="routine",
        referral_codes={"malassezia_suspected"},
    ),
    "pregnancy rules out retinoids, keeps benzoyl peroxide and azelaic acid": Case(
        intake(29, patient={"pregnant": True}, acne=INFLAMED),
        excluded={"topical_retinoid": "pregnancy", "chemical_peel": "pregnancy"},
        recommended={"benzoyl_peroxide", "azelaic_acid", "topical_antibiotic"},
    ),
    "planning a pregnancy rules out retinoids": Case(
        intake(31, patient={"planning_pregnancy": True}, acne=INFLAMED),
        excluded={"topical_retinoid": "planning_pregnancy"},
    ),
    "breastfeeding allows a retinoid with a caution": Case(
        intake(31, patient={"breastfeeding": True}, acne=INFLAMED),
        cautioned={"topical_retinoid": "breastfeeding"},
    ),
    "benzoyl peroxide allergy takes the topical antibiotic with it": Case(
        intake(24, history={"allergies": ["benzoyl_peroxide"]}, acne=INFLAMED),
        excluded={"benzoyl_peroxide": "allergy", "topical_antibiotic": "requires_excluded"},
        recommended={"topical_retinoid", "azelaic_acid"},
    ),
    "allergy to one topical antibiotic: use the other": Case(
        intake(24, history={"allergies": ["clindamycin"]}, acne=INFLAMED),
        cautioned={"topical_antibiotic": "allergy"},
    ),
    "allergy to both topical antibiotics excludes them": Case(
        intake(24, history={"allergies": ["clindamycin", "erythromycin"]}, acne=INFLAMED),
        excluded={"topical_antibiotic": "allergy"},
        recommended={"benzoyl_peroxide"},
    ),
    "isotretinoin two months ago defers laser 4 months and dermabrasion 10": Case(
        intake(23, history={"isotretinoin_months_since_stop": 2}, acne_scars=MODERATE_ATROPHIC),
        excluded={
            "laser_resurfacing": "isotretinoin_recent",
            "dermabrasion": "isotretinoin_recent",
        },
        until={"laser_resurfacing": date(2027, 3, 21), "dermabrasion": date(2027, 9, 21)},
        recommended={"microneedling"},
    ),
    "still taking isotretinoin: the earliest end is 6 months from today": Case(
        intake(23, history={"isotretinoin_months_since_stop": 0}, acne_scars=MODERATE_ATROPHIC),
        until={"laser_resurfacing": date(2027, 5, 21), "subcision": date(2027, 5, 21)},
    ),
    "isotretinoin 7 months ago: laser allowed, dermabrasion still waits": Case(
        intake(23, history={"isotretinoin_months_since_stop": 7}, acne_scars=MODERATE_ATROPHIC),
        recommended={"laser_resurfacing"},
        until={"dermabrasion": date(2027, 4, 21)},
    ),
    "isotretinoin over a year ago imposes no wait": Case(
        intake(23, history={"isotretinoin_months_since_stop": 13}, acne_scars=MODERATE_ATROPHIC),
        recommended={"laser_resurfacing", "dermabrasion"},
    ),
    "pregnant while on isotretinoin: contact the prescriber today": Case(
        intake(27, patient={"pregnant": True}, history={"isotretinoin_months_since_stop": 0}),
        referral="same_day",
        referral_codes={"pregnancy"},
    ),
    "keloid tendency rules out dermabrasion and filler": Case(
        intake(35, history={"keloid_tendency": True}, acne_scars=MODERATE_ATROPHIC),
        excluded={"dermabrasion": "keloid_tendency", "hyaluronic_acid_filler": "keloid_tendency"},
    ),
    "skin type V: laser carries a pigmentation caution and dermabrasion is ruled out": Case(
        intake(33, patient={"fitzpatrick": 5}, acne_scars=SEVERE_ATROPHIC),
        cautioned={"laser_resurfacing": "pih_risk"},
        excluded={"dermabrasion": "pih_risk"},
    ),
    "skin type IV: dermabrasion carries a pigmentation caution": Case(
        intake(33, patient={"fitzpatrick": 4}, acne_scars=SEVERE_ATROPHIC),
        cautioned={"laser_resurfacing": "pih_risk", "dermabrasion": "pih_risk"},
    ),
    "unknown skin type is treated cautiously": Case(
        intake(33, patient={"fitzpatrick": None}, acne_scars=SEVERE_ATROPHIC),
        cautioned={"laser_resurfacing": "phototype_unknown"},
    ),
    "past cold sores: antiviral cover before resurfacing": Case(
        intake(31, history={"herpes_history": True}, acne_scars=SEVERE_ATROPHIC),
        cautioned={"laser_resurfacing": "herpes_history", "dermabrasion": "herpes_history"},
    ),
    "active herpes postpones every procedure": Case(
        intake(31, history={"active_herpes": True}, acne_scars=SEVERE_ATROPHIC),
        excluded={"laser_resurfacing": "active_herpes", "subcision": "active_herpes"},
        recommended={"home_care"},
        referral="routine",
        referral_codes={"active_herpes"},
    ),
    "infection at the site rules out cryolipolysis": Case(
        intake(40, history={"active_infection_at_site": True}, localized_fat={"pinch_cm": 3}),
        excluded={"cryolipolysis": "active_infection"},
        referral="routine",
    ),
    "cryoglobulinaemia contraindicates cryolipolysis": Case(
        intake(40, history={"cold_disorder": "cryoglobulinemia"}, localized_fat={"pinch_cm": 3}),
        excluded={"cryolipolysis": "cold_disorder"},
    ),
    "Raynaud's only cautions cryolipolysis": Case(
        intake(40, history={"cold_disorder": "raynaud"}, localized_fat={"pinch_cm": 3}),
        cautioned={"cryolipolysis": "cold_disorder"},
    ),
    "BMI above 30 is outside cryolipolysis clearance": Case(
        intake(40, patient={"bmi": 32.5}, localized_fat={"pinch_cm": 4}),
        excluded={"cryolipolysis": "bmi_above_clearance"},
    ),
    "under 18: no cryolipolysis": Case(
        intake(17, localized_fat={"pinch_cm": 3}),
        excluded={"cryolipolysis": "minor"},
    ),
    "a hernia near the area cautions cryolipolysis": Case(
        intake(50, history={"hernia_near_site": True}, localized_fat={"pinch_cm": 3}),
        cautioned={"cryolipolysis": "hernia"},
    ),
    "blood thinners caution, not exclude, and are never stopped by us": Case(
        intake(60, history={"anticoagulants": True}, acne_scars=SEVERE_ATROPHIC),
        cautioned={"subcision": "bleeding_risk", "dermabrasion": "bleeding_risk"},
    ),
    "active acne defers scar procedures and is referred as scarring acne": Case(
        intake(21, acne=INFLAMED, acne_scars=MODERATE_ATROPHIC),
        excluded={"laser_resurfacing": "active_acne", "subcision": "active_acne"},
        cautioned={"chemical_peel": "active_acne"},
        referral="routine",
        referral_codes={"acne_with_scarring"},
    ),
    "severe concave scars: medical procedures first and consult a doctor": Case(
        intake(31, acne_scars=SEVERE_ATROPHIC),
        severity={"acne_scars": "severe"},
        recommended={"laser_resurfacing", "punch_excision", "subcision", "home_care"},
        referral="routine",
        referral_codes={"severe_scarring"},
    ),
    "moderate scars: natural measures first": Case(
        intake(28, acne_scars=MODERATE_ATROPHIC | {"flatten_on_stretch": True}),
        severity={"acne_scars": "moderate"},
        first={"acne_scars": "home_care"},
    ),
    "flat marks: home care first, a superficial peel helps, no laser": Case(
        intake(26, acne_scars={"macular": 15}),
        severity={"acne_scars": "mild"},
        first={"acne_scars": "home_care"},
        recommended={"chemical_peel"},
        not_recommended={"laser_resurfacing"},
    ),
    "peels are not offered for deep scars (peel depth must match)": Case(
        intake(31, acne_scars=SEVERE_ATROPHIC),
        not_recommended={"chemical_peel"},
    ),
    "a suspicious mole is urgent and stops resurfacing": Case(
        intake(45, history={"suspicious_pigmented_lesion": True}, acne_scars={"macular": 5}),
        excluded={"chemical_peel": "suspicious_lesion"},
        referral="urgent",
        referral_codes={"suspicious_lesion"},
    ),
    "immunosuppression rules out dermabrasion": Case(
        intake(44, history={"immunosuppressed": True}, acne_scars=SEVERE_ATROPHIC),
        excluded={"dermabrasion": "immunosuppressed"},
    ),
    "raised acne scars: silicone first": Case(
        intake(27, acne_scars={"hypertrophic": 6, "visible_at_social_distance": True}),
        first={"acne_scars": "silicone_gel"},
        recommended={"intralesional_corticosteroid"},
    ),
    "a keloid burn scar is severe, referred, and never dermabraded": Case(
        intake(38, scars=[{"cause": "burn", "kind": "keloid", "months_old": 14}]),
        severity={"scars": "severe"},
        first={"scars": "silicone_gel"},
        not_recommended={"dermabrasion"},
        referral="routine",
        referral_codes={"keloid_tendency"},
    ),
    "white stretch marks: mesotherapy with a low-evidence caution, no retinoid": Case(
        intake(30, stretch_marks={"stage": "alba", "count": 10}),
        severity={"stretch_marks": "moderate"},
        cautioned={"mesotherapy": "low_evidence"},
        not_recommended={"topical_retinoid"},
    ),
    "red stretch marks in pregnancy: no retinoid, no injections": Case(
        intake(30, patient={"pregnant": True}, stretch_marks={"stage": "rubra"}),
        excluded={"topical_retinoid": "pregnancy", "mesotherapy": "pregnancy"},
    ),
    "aged 20: filler and microneedling are outside FDA age and site": Case(
        intake(20, acne_scars=MODERATE_ATROPHIC),
        cautioned={
            "microneedling": "age_below_clearance",
            "hyaluronic_acid_filler": "off_label_site",
        },
    ),
    "under 18: no microneedling": Case(
        intake(16, acne_scars=MODERATE_ATROPHIC),
        excluded={"microneedling": "minor", "hyaluronic_acid_filler": "minor"},
    ),
    "photosensitising medicine cautions peels": Case(
        intake(26, history={"photosensitising_medication": True}, acne_scars={"macular": 8}),
        cautioned={"chemical_peel": "photosensitising_medication"},
    ),
    "a recent tan defers laser": Case(
        intake(29, history={"recent_tan": True}, acne_scars=SEVERE_ATROPHIC),
        excluded={"laser_resurfacing": "recent_tan", "nonablative_laser": "recent_tan"},
    ),
    "lidocaine allergy rules out filler": Case(
        intake(36, history={"allergies": ["lidocaine"]}, acne_scars=MODERATE_ATROPHIC),
        excluded={"hyaluronic_acid_filler": "allergy"},
    ),
    "hyaluronic acid allergy rules out mesotherapy": Case(
        intake(30, history={"allergies": ["hyaluronic_acid"]}, stretch_marks={"stage": "alba"}),
        excluded={"mesotherapy": "allergy"},
    ),
    "nothing found: nothing recommended, nothing advised": Case(intake(40), referral="none"),
}


def _codes(items: Any) -> set[str]:
    return {item.code for item in items}


def check(result: Assessment, case: Case) -> None:
    severities: dict[str, str] = {c.id: c.severity for c in result.conditions}
    assert {k: severities.get(k) for k in case.severity} == case.severity
    recommended = result.recommended_ids()
    assert case.recommended <= recommended, case.recommended - recommended
    assert not case.not_recommended & recommended
    excluded = {e.treatment: _codes(e.reasons) for e in result.excluded}
    for treatment, code in case.excluded.items():
        assert code in excluded.get(treatment, set()), (treatment, excluded.get(treatment))
    cautions: dict[str, set[str]] = {}
    for item in result.recommendations:
        cautions.setdefault(item.treatment, set()).update(_codes(item.cautions))
    for treatment, code in case.cautioned.items():
        assert code in cautions.get(treatment, set()), (treatment, cautions.get(treatment))
    untils = {e.treatment: {r.until for r in e.reasons} for e in result.excluded}
    for treatment, day in case.until.items():
        assert day in untils.get(treatment, set()), (treatment, untils.get(treatment))
    if case.referral is not None:
        assert result.referral.urgency == case.referral
    assert case.referral_codes <= _codes(result.referral.reasons)
    for condition, treatment in case.first.items():
        top = next(r for r in result.recommendations if r.condition == condition)
        assert top.treatment == treatment


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_clinical_case(case: Case, assess: Assess) -> None:
    """The row's expectations hold (see the case id)."""
    check(assess(case.intake), case)


def test_the_table_has_at_least_thirty_cases() -> None:
    """The clinical specification covers at least 30 patients."""
    assert len(CASES) >= 30


def test_severe_scars_rank_procedures_above_home_care(assess: Assess) -> None:
    """Seed 000: severe concave scars get medical procedures before natural measures."""
    result = assess(intake(31, acne_scars=SEVERE_ATROPHIC))
    ranks = {r.treatment: r.rank for r in result.recommendations}
    assert ranks["laser_resurfacing"] < ranks["home_care"]
    assert result.recommendations[0].invasiveness >= 3


def test_preferring_non_invasive_options_lowers_invasive_ones(assess: Assess) -> None:
    """`prefer_non_invasive` moves invasive procedures down the list."""
    plain = assess(intake(31, acne_scars=SEVERE_ATROPHIC))
    gentle = assess(intake(31, acne_scars=SEVERE_ATROPHIC, goals={"prefer_non_invasive": True}))
    assert plain.recommendations[0].invasiveness >= 3
    assert gentle.recommendations[0].invasiveness < 3


def test_waits_are_dated_from_the_explicit_today(assess: Assess) -> None:
    """The same intake assessed on another day moves the wait's end with it."""
    case = intake(23, history={"isotretinoin_months_since_stop": 2}, acne_scars=MODERATE_ATROPHIC)
    later = dorsum.assess(case, today=date(2027, 1, 31))
    laser = next(e for e in later.excluded if e.treatment == "laser_resurfacing")
    assert laser.reasons[0].until == date(2027, 5, 31)
    assert date(2027, 1, 31) > TODAY
