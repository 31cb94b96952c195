"""The clinical review's corrections (issue 8), one behaviour per test, each decided from the
sources the knowledge base cites for it."""

from __future__ import annotations

from typing import Any

import pytest

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.i18n import Localizer
from dorsum.knowledge import default_index
from dorsum.reports import wording
from dorsum.reports.terminal import render_assessment
from tests.conftest import TODAY

SEVERE_SCARS = {
    "icepick": 8,
    "boxcar": 10,
    "rolling": 12,
    "visible_at_social_distance": True,
    "flatten_on_stretch": False,
}


def assess(
    patient: dict[str, Any] | None = None, history: dict[str, Any] | None = None, **findings: Any
) -> Assessment:
    return dorsum.assess(
        {
            "patient": {"age": 30, "fitzpatrick": 2, **(patient or {})},
            "history": history or {},
            "findings": findings,
        },
        today=TODAY,
    )


def cautions(result: Assessment, treatment: str) -> set[str]:
    return {c.code for c in result.cautions_on(treatment)}


def reasons(result: Assessment, treatment: str) -> set[str]:
    return {r.code for e in result.excluded if e.treatment == treatment for r in e.reasons}


def referral(result: Assessment, rule: str) -> str:
    return next(r.text for r in result.referral.reasons if r.rule == rule)


def test_keloid_tendency_cautions_every_treatment_that_wounds_the_skin() -> None:
    result = assess(history={"keloid_tendency": True}, acne_scars=SEVERE_SCARS)
    for treatment in ("laser_resurfacing", "nonablative_laser", "subcision", "microneedling"):
        assert "keloid_tendency" in cautions(result, treatment), treatment


def test_a_raised_burn_scar_is_evidence_of_a_tendency_to_raised_scars() -> None:
    """Dermabrasion for a raised burn scar says so, and filler (whose labels exclude a
    tendency to form scars) is ruled out."""
    result = assess(scars=[{"cause": "burn", "kind": "hypertrophic", "months_old": 10}])
    assert "hypertrophic_tendency" in cautions(result, "dermabrasion")
    raised = {"rolling": 6, "boxcar": 4, "hypertrophic": 2, "visible_at_social_distance": True}
    acne_scars = assess(acne_scars=raised)
    assert "hypertrophic_tendency" in reasons(acne_scars, "hyaluronic_acid_filler")


def test_a_twelve_year_old_is_never_offered_a_procedure_without_an_age_caution() -> None:
    result = assess({"age": 12}, acne_scars=SEVERE_SCARS)
    for item in result.recommendations:
        if item.invasiveness >= 2:
            assert "minor" in {c.code for c in item.cautions}, item.treatment
    assert "minor" in reasons(result, "microneedling")


def test_anticoagulants_caution_needle_treatments() -> None:
    result = assess(history={"anticoagulants": True}, acne_scars=SEVERE_SCARS)
    assert "bleeding_risk" in cautions(result, "microneedling")
    assert "bleeding_risk" in cautions(result, "subcision")


def test_a_recent_tan_in_dark_skin_defers_every_resurfacing_and_rules_out_dermabrasion() -> None:
    result = assess(
        {"fitzpatrick": 5}, {"recent_tan": True}, acne_scars={"macular": 8, "rolling": 3}
    )
    assert "recent_tan" in reasons(result, "chemical_peel")
    dark = assess({"fitzpatrick": 5}, {"recent_tan": True}, acne_scars=SEVERE_SCARS)
    assert {"recent_tan", "pih_risk"} <= reasons(dark, "dermabrasion")


def test_while_isotretinoin_is_taken_topical_peeling_agents_carry_the_label_caution() -> None:
    result = assess(
        history={"isotretinoin_months_since_stop": 0}, acne={"comedones": 20, "papules": 12}
    )
    for treatment in ("benzoyl_peroxide", "topical_retinoid", "azelaic_acid"):
        assert "isotretinoin_current" in cautions(result, treatment), treatment


def test_while_isotretinoin_is_taken_the_wait_counts_from_the_last_dose() -> None:
    result = assess(history={"isotretinoin_months_since_stop": 0}, acne_scars=SEVERE_SCARS)
    reason = next(
        r
        for e in result.excluded
        if e.treatment == "laser_resurfacing"
        for r in e.reasons
        if r.code == "isotretinoin_recent"
    )
    assert reason.params["counted_from"] == "last_dose"
    assert "6 months after the last dose (not before " in reason.text


def test_already_on_isotretinoin_the_referral_does_not_propose_it() -> None:
    result = assess(
        history={"isotretinoin_months_since_stop": 0}, acne={"nodules": 2, "papules": 4}
    )
    text = referral(result, "refer.nodular-acne")
    assert "already taking isotretinoin" in text
    assert "Oral isotretinoin, oral antibiotics" not in text


def test_a_topical_antibiotic_is_cautioned_when_the_referral_may_start_an_oral_one() -> None:
    result = assess(acne={"nodules": 1, "papules": 10, "comedones": 5})
    assert "oral_antibiotic_combination" in cautions(result, "topical_antibiotic")


def test_suspected_malassezia_gets_no_oral_antibiotic_proposal() -> None:
    result = assess(acne={"papules": 20, "nodules": 1, "itchy_monomorphic_without_comedones": True})
    text = referral(result, "refer.nodular-acne")
    assert "antibiotics can make it worse" in text
    assert "oral antibiotics or hormonal therapy" not in text


def test_a_planned_pregnancy_is_told_about_pregnancy_before_oral_options() -> None:
    result = assess({"sex": "female", "planning_pregnancy": True}, acne={"nodules": 2})
    assert "pregnancy" in referral(result, "refer.nodular-acne")


def test_nodules_do_not_give_the_thirty_five_lesion_reason() -> None:
    result = assess(acne={"nodules": 3, "papules": 2})
    assert "severe_acne" not in {r.code for r in result.referral.reasons}
    assert "nodular_acne" in {r.code for r in result.referral.reasons}


def test_every_reason_is_kept_once_an_option_is_excluded() -> None:
    result = assess(
        {"pregnant": True, "sex": "female"},
        {"cold_disorder": "cryoglobulinemia", "hernia_near_site": True},
        localized_fat={"pinch_cm": 3},
    )
    assert {"pregnancy", "cold_disorder"} <= reasons(result, "cryolipolysis")
    assert "hernia" in cautions(result, "cryolipolysis")


def test_a_benzoyl_peroxide_allergy_excludes_clindamycin_as_a_companion_not_an_allergy() -> None:
    result = assess(
        history={"allergies": ["benzoyl_peroxide"]}, acne={"papules": 10, "comedones": 4}
    )
    assert reasons(result, "topical_antibiotic") == {"requires_excluded"}
    reason = next(
        r for e in result.excluded if e.treatment == "topical_antibiotic" for r in e.reasons
    )
    assert reason.params == {"companion": "benzoyl_peroxide", "because": "allergy"}
    assert "benzoyl peroxide" in reason.text
    assert "benzoyl_peroxide" not in reason.text


@pytest.mark.parametrize(
    ("acne", "severity"),
    [
        ({"comedones": 12, "papules": 2}, "mild"),
        ({"papules": 1}, "mild"),
        ({"comedones": 5, "papules": 14}, "mild"),
        ({"comedones": 5, "papules": 15}, "moderate"),
        ({"comedones": 19, "papules": 2}, "mild"),
        ({"comedones": 20, "papules": 2}, "moderate"),
        ({"comedones": 15, "papules": 14}, "mild"),
        ({"comedones": 16, "papules": 14}, "moderate"),
        ({"comedones": 2, "nodules": 1}, "severe"),
    ],
)
def test_the_mild_boundary_is_lehmanns_count(acne: dict[str, int], severity: str) -> None:
    """Mild: fewer than 20 comedones, 15 inflammatory lesions and 30 in all, no nodule."""
    assert assess(acne=acne).conditions[0].severity == severity


def test_texts_fit_every_treatment_they_are_attached_to() -> None:
    pregnant = assess({"pregnant": True}, stretch_marks={"stage": "alba"})
    meso = next(
        r.text for e in pregnant.excluded if e.treatment == "mesotherapy" for r in e.reasons
    )
    assert "Filler" not in meso
    nursing = assess({"breastfeeding": True}, stretch_marks={"stage": "rubra"})
    caution = next(
        c.text
        for r in nursing.recommendations
        if r.treatment == "topical_retinoid"
        for c in r.cautions
    )
    assert "tazarotene" not in caution
    assert "chest" not in caution
    keloid = assess(history={"keloid_tendency": True}, acne_scars=SEVERE_SCARS)
    punch = next(
        c.text for c in keloid.cautions_on("punch_excision") if c.code == "keloid_tendency"
    )
    assert "peel" not in punch


def test_the_text_report_names_companions_in_words() -> None:
    from rich.console import Console

    result = assess(acne={"papules": 10, "comedones": 4})
    console = Console(width=200, record=True)
    console.print(render_assessment(result, index=default_index()))
    text = console.export_text()
    assert "Only together with benzoyl peroxide." in text
    assert "benzoyl_peroxide" not in text


def test_the_grading_line_is_spoken_in_the_readers_language() -> None:
    result = dorsum.assess(
        {"patient": {"age": 20}, "findings": {"acne": {"papules": 12, "nodules": 1}}},
        today=TODAY,
        language="es",
    )
    nice = result.conditions[0].grading[0]
    assert "inflammatory" not in nice.value
    assert nice.value == wording.reading_words(nice, Localizer("es"))[1]


def test_json_terminal_and_spanish_say_the_same_option_from_one_wording() -> None:
    from rich.console import Console

    intake = {
        "patient": {"age": 30},
        "history": {"allergies": ["benzoyl_peroxide"]},
        "findings": {"acne": {"papules": 10}},
    }
    english = dorsum.assess(intake, today=TODAY)
    console = Console(width=400, record=True)
    console.print(render_assessment(english, index=default_index()))
    terminal = console.export_text()
    for item in english.excluded:
        for reason in item.reasons:
            assert reason.text in terminal
    spanish = dorsum.assess(intake, today=TODAY, language="es")
    loc = Localizer("es")
    for item in spanish.excluded:
        for reason in item.reasons:
            assert reason.text == wording.reason_text(reason, default_index(), loc)
            assert reason.text != next(
                r.text
                for e in english.excluded
                if e.treatment == item.treatment
                for r in e.reasons
                if r.rule == reason.rule
            )


def test_new_intake_fields_call_for_their_own_referral() -> None:
    acne = {"papules": 10, "comedones": 12}
    for history, code in (
        ({"acne_inducing_drugs": ["lithium"]}, "drug_induced_acne"),
        ({"androgen_excess_signs": True}, "androgen_excess"),
        ({"hidradenitis_suspected": True}, "hidradenitis_suspected"),
    ):
        result = assess(history=history, acne=acne)
        assert code in {r.code for r in result.referral.reasons}, code
    no_acne = assess(history={"acne_inducing_drugs": ["lithium"]}, stretch_marks={"stage": "alba"})
    assert "drug_induced_acne" not in {r.code for r in no_acne.referral.reasons}


def test_no_oral_antibiotic_caution_when_the_referral_proposes_none() -> None:
    """Suspected Malassezia or isotretinoin taken now: the referral proposes no oral
    antibiotic, so the topical one carries no warning about combining with one."""
    for history, acne in (
        ({}, {"nodules": 1, "papules": 10, "itchy_monomorphic_without_comedones": True}),
        ({"isotretinoin_months_since_stop": 0}, {"nodules": 1, "papules": 10, "comedones": 5}),
    ):
        result = assess(history=history, acne=acne)
        assert "oral_antibiotic_combination" not in cautions(result, "topical_antibiotic")


def test_suspected_malassezia_defers_steroid_injection_of_its_nodules_too() -> None:
    result = assess(acne={"nodules": 2, "papules": 10, "itchy_monomorphic_without_comedones": True})
    assert "malassezia_suspected" in reasons(result, "intralesional_corticosteroid")


def test_a_filler_and_dermabrasion_each_get_their_own_keloid_reason() -> None:
    result = assess(history={"keloid_tendency": True}, acne_scars=SEVERE_SCARS)
    derm = next(r.text for e in result.excluded if e.treatment == "dermabrasion" for r in e.reasons)
    assert "filler" not in derm.lower()
    assert "keloid_tendency" not in cautions(result, "dermabrasion")


def test_every_matching_referral_variant_is_said_pregnancy_first() -> None:
    """Pregnant with suspected Malassezia and nodules: both the pregnancy warning and the
    Malassezia caveat are in the referral, pregnancy first."""
    result = assess(
        {"pregnant": True, "sex": "female"},
        acne={"nodules": 1, "papules": 10, "itchy_monomorphic_without_comedones": True},
    )
    text = referral(result, "refer.nodular-acne")
    assert text.index("pregnant") < text.index("Malassezia")


def test_a_laser_cannot_be_planned_while_isotretinoin_is_still_taken() -> None:
    """Its wait counts from a last dose not yet known, so no date can be promised."""
    with pytest.raises(dorsum.PlanError):
        dorsum.plan(
            {
                "patient": {"age": 30, "fitzpatrick": 2},
                "history": {"isotretinoin_months_since_stop": 0},
                "findings": {"acne_scars": SEVERE_SCARS},
            },
            choose=["laser_resurfacing"],
            today=TODAY,
        )


def test_a_deferred_option_keeps_its_cautions_in_the_patient_report() -> None:
    """Chosen after its wait, a laser still tells the patient about skin type and cold sores."""
    from dorsum.reports.patient import report_context

    plan = dorsum.plan(
        {
            "patient": {"age": 30, "fitzpatrick": 4},
            "history": {"isotretinoin_months_since_stop": 3, "herpes_history": True},
            "findings": {"acne_scars": SEVERE_SCARS},
        },
        choose=["laser_resurfacing"],
        today=TODAY,
    )
    context = report_context(plan, index=default_index(), localizer=Localizer("en"))
    laser = next(t for t in context["treatments"] if "laser" in t.name.lower())
    assert any("cold sores" in c for c in laser.cautions)


def test_acne_before_nine_is_referred_and_topicals_cautioned() -> None:
    result = assess({"age": 7}, acne={"comedones": 10, "papules": 3})
    assert "under_9" in {r.code for r in result.referral.reasons}
    assert "under_9" in cautions(result, "benzoyl_peroxide")


def test_a_child_with_nodules_is_not_proposed_oral_antibiotics() -> None:
    """Under 9, oral treatment is a specialist's decision, and no oral-antibiotic caution."""
    result = assess({"age": 7}, acne={"nodules": 1, "papules": 10, "comedones": 5})
    assert "under 9" in referral(result, "refer.nodular-acne")
    assert "oral_antibiotic_combination" not in cautions(result, "topical_antibiotic")


def test_the_under_nine_caution_is_about_acne_only() -> None:
    """Silicone for a child's burn scar is not cautioned as an acne treatment."""
    result = assess({"age": 6}, scars=[{"cause": "burn", "kind": "hypertrophic"}])
    assert "under_9" not in cautions(result, "silicone_gel")


def test_a_wait_from_a_last_dose_not_yet_taken_is_never_shown_as_a_fixed_date() -> None:
    """The terminal says 'not before', never 'Until <date>', while isotretinoin is taken."""
    from rich.console import Console

    result = assess(history={"isotretinoin_months_since_stop": 0}, acne_scars=SEVERE_SCARS)
    console = Console(width=300, record=True)
    console.print(render_assessment(result, index=default_index()))
    text = console.export_text()
    assert "not before" in text
    assert " Until " not in text
    spanish = dorsum.assess(
        {
            "patient": {"age": 30},
            "history": {"isotretinoin_months_since_stop": 0},
            "findings": {"acne_scars": SEVERE_SCARS},
        },
        today=TODAY,
        language="es",
    )
    laser = next(
        r.text for e in spanish.excluded if e.treatment == "laser_resurfacing" for r in e.reasons
    )
    assert "hasta el momento en que se cumplan 6 meses" in laser
