"""Every rule in the knowledge base, fired on a minimal patient: one test per rule id.

The tables below say how to give a patient each flag and which findings make each treatment a
candidate; the tests then check that each rule does what its entry says, and nothing else is
needed to cover a new rule than a row here.
"""

from __future__ import annotations

from typing import Any

import pytest

from dorsum.core.flags import FLAGS, derived_flags, patient_flags
from dorsum.core.grading import grade_findings
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.knowledge.models import ReferralRule, Rule
from dorsum.core.validation import parse_intake
from dorsum.knowledge import load_knowledge_base
from tests.conftest import Assess

KB = load_knowledge_base()
INDEX = KnowledgeIndex(KB)
INFLAMED = {"comedones": 10, "papules": 8, "pustules": 4}
SEVERE_SCARS = {
    "icepick": 8,
    "boxcar": 10,
    "rolling": 12,
    "visible_at_social_distance": True,
    "flatten_on_stretch": False,
}
MODERATE_SCARS = {"rolling": 6, "boxcar": 4, "visible_at_social_distance": True}

# How to give a patient each flag: (patient, history, findings) fragments.
FLAG_PATCH: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "back_site": ({}, {}, {}),
    "pregnant": ({"pregnant": True}, {}, {}),
    "breastfeeding": ({"breastfeeding": True}, {}, {}),
    "planning_pregnancy": ({"planning_pregnancy": True}, {}, {}),
    "minor": ({"age": 16}, {}, {}),
    "under_22": ({"age": 20}, {}, {}),
    "pih_risk": ({"fitzpatrick": 5}, {}, {}),
    "phototype_unknown": ({"fitzpatrick": None}, {}, {}),
    "keloid_tendency": ({}, {"keloid_tendency": True}, {}),
    "bleeding_risk": ({}, {"anticoagulants": True}, {}),
    "cold_disorder": ({}, {"cold_disorder": "cold_agglutinin_disease"}, {}),
    "cold_sensitivity": ({}, {"cold_disorder": "cold_urticaria"}, {}),
    "herpes_history": ({}, {"herpes_history": True}, {}),
    "active_herpes": ({}, {"active_herpes": True}, {}),
    "active_infection": ({}, {"active_infection_at_site": True}, {}),
    "hernia": ({}, {"hernia_near_site": True}, {}),
    "immunosuppressed": ({}, {"immunosuppressed": True}, {}),
    "photosensitising_medication": ({}, {"photosensitising_medication": True}, {}),
    "recent_tan": ({}, {"recent_tan": True}, {}),
    "allergy_hyaluronic_acid": ({}, {"allergies": ["hyaluronic_acid"]}, {}),
    "allergy_local_anaesthetic": ({}, {"allergies": ["amide_anaesthetics"]}, {}),
    "allergy_benzoyl_peroxide": ({}, {"allergies": ["benzoyl_peroxide"]}, {}),
    "allergy_one_topical_antibiotic": ({}, {"allergies": ["erythromycin"]}, {}),
    "allergy_all_topical_antibiotics": ({}, {"allergies": ["clindamycin", "erythromycin"]}, {}),
    "suspicious_lesion": ({}, {"suspicious_pigmented_lesion": True}, {}),
    "bmi_above_30": ({"bmi": 31}, {}, {}),
    "active_acne": ({}, {}, {"acne": INFLAMED}),
    "acne_fulminans": (
        {},
        {},
        {"acne": {"pustules": 20, "rapid_worsening_with_systemic_symptoms": True}},
    ),
    "malassezia_suspected": (
        {},
        {},
        {"acne": {"papules": 12, "itchy_monomorphic_without_comedones": True}},
    ),
    "nodular_acne": ({}, {}, {"acne": {"nodules": 1}}),
    "severe_acne": ({}, {}, {"acne": {"papules": 30, "pustules": 10}}),
    "acne_with_scarring": ({}, {}, {"acne": INFLAMED, "acne_scars": MODERATE_SCARS}),
    "severe_scarring": ({}, {}, {"acne_scars": SEVERE_SCARS}),
    "keloid_scar": ({}, {}, {"scars": [{"cause": "cut", "kind": "keloid"}]}),
    "isotretinoin_while_pregnant": ({"pregnant": True}, {"isotretinoin_months_since_stop": 0}, {}),
    "isotretinoin_planning_pregnancy": (
        {"planning_pregnancy": True},
        {"isotretinoin_months_since_stop": 0},
        {},
    ),
    "isotretinoin_recent": ({}, {"isotretinoin_months_since_stop": 3}, {}),
    "isotretinoin_current": ({}, {"isotretinoin_months_since_stop": 0}, {}),
    "hypertrophic_tendency": ({}, {}, {"scars": [{"cause": "burn", "kind": "hypertrophic"}]}),
    "dark_phototype": ({"fitzpatrick": 6}, {}, {}),
    "koebnerising_disease": ({}, {"koebnerising_disease": True}, {}),
    "drug_induced_acne": ({}, {"acne_inducing_drugs": ["lithium"]}, {"acne": INFLAMED}),
    "androgen_excess": ({}, {"androgen_excess_signs": True}, {"acne": INFLAMED}),
    "hidradenitis_suspected": ({}, {"hidradenitis_suspected": True}, {}),
    "oral_options_referred": ({}, {}, {"acne": {"nodules": 1, "papules": 5}}),
    "under_9": ({"age": 7}, {}, {}),
    "child_acne": ({"age": 7}, {}, {"acne": INFLAMED}),
}

# Findings that make each treatment a candidate, and the condition they make it one for.
CANDIDATE: dict[str, tuple[str, dict[str, Any]]] = {
    "home_care": ("acne", {"acne": INFLAMED}),
    "benzoyl_peroxide": ("acne", {"acne": INFLAMED}),
    "topical_antibiotic": ("acne", {"acne": INFLAMED}),
    "topical_retinoid": ("acne", {"acne": INFLAMED}),
    "azelaic_acid": ("acne", {"acne": INFLAMED}),
    "chemical_peel": ("acne_scars", {"acne_scars": {"macular": 10}}),
    "laser_resurfacing": ("acne_scars", {"acne_scars": SEVERE_SCARS}),
    "nonablative_laser": ("acne_scars", {"acne_scars": SEVERE_SCARS}),
    "dermabrasion": ("acne_scars", {"acne_scars": SEVERE_SCARS}),
    "microneedling": ("acne_scars", {"acne_scars": SEVERE_SCARS}),
    "punch_excision": ("acne_scars", {"acne_scars": SEVERE_SCARS}),
    "subcision": ("acne_scars", {"acne_scars": SEVERE_SCARS}),
    "hyaluronic_acid_filler": ("acne_scars", {"acne_scars": MODERATE_SCARS}),
    "mesotherapy": ("stretch_marks", {"stretch_marks": {"stage": "alba"}}),
    "cryolipolysis": ("localized_fat", {"localized_fat": {"pinch_cm": 3}}),
    "silicone_gel": ("scars", {"scars": [{"cause": "burn", "kind": "hypertrophic"}]}),
    "intralesional_corticosteroid": (
        "scars",
        {"scars": [{"cause": "burn", "kind": "hypertrophic"}]},
    ),
}
CANDIDATE_FOR_ACNE = {
    "chemical_peel": {"acne": INFLAMED},
    "intralesional_corticosteroid": {"acne": {"nodules": 2}},
}


def patient_with(flag: str, findings: dict[str, Any]) -> dict[str, Any]:
    patient, history, extra = FLAG_PATCH[flag]
    return {
        "patient": {"age": 30, "fitzpatrick": 2, **patient},
        "history": history,
        "findings": {**findings, **extra},
    }


def target(rule: Rule) -> tuple[str, str, dict[str, Any]]:
    """A treatment the rule reaches, with findings that make it a candidate it applies to."""
    reached = INDEX.rule_targets[rule.id]
    for treatment in (t.id for t in KB.treatments if t.id in reached):
        condition, findings = CANDIDATE[treatment]
        if rule.when == "active_acne" and treatment in CANDIDATE_FOR_ACNE:
            continue  # also offered for the acne itself, so the hold-back becomes a caution
        if rule.when == "minor" and treatment == "intralesional_corticosteroid":
            continue  # a minor's raised scar: also checked, but any procedure shows it
        if rule.conditions and condition not in rule.conditions:
            if "acne" in rule.conditions and treatment in CANDIDATE_FOR_ACNE:
                return treatment, "acne", CANDIDATE_FOR_ACNE[treatment]
            continue
        return treatment, condition, findings
    raise AssertionError(f"no candidate row for rule {rule.id}")


FLAG_RULES = [rule for rule in KB.rules if rule.when is not None]


@pytest.mark.parametrize("rule", FLAG_RULES, ids=[rule.id for rule in FLAG_RULES])
def test_rule_fires_with_its_effect(rule: Rule, assess: Assess) -> None:
    """The rule's flag makes it exclude or caution the treatment it names, citing itself."""
    assert rule.when is not None
    treatment, condition, findings = target(rule)
    result = assess(patient_with(rule.when, findings))
    if rule.effect == "exclude":
        reasons = [
            reason
            for item in result.excluded
            if item.treatment == treatment and item.condition == condition
            for reason in item.reasons
        ]
        assert rule.id in {reason.rule for reason in reasons}
        assert all(r.code == rule.code for r in reasons if r.rule == rule.id)
    else:
        cautions = result.cautions_on(treatment)
        assert rule.id in {caution.rule for caution in cautions}
    assert any(line.startswith(f"{rule.id}:") for line in result.trace)


CONDITIONAL_RULES = [rule for rule in FLAG_RULES if rule.when != "back_site"]  # back: always


@pytest.mark.parametrize("rule", CONDITIONAL_RULES, ids=[rule.id for rule in CONDITIONAL_RULES])
def test_rule_is_silent_without_its_flag(rule: Rule, assess: Assess) -> None:
    """Without the flag the same findings do not trigger the rule."""
    treatment, _, findings = target(rule)
    result = assess({"patient": {"age": 30, "fitzpatrick": 2}, "findings": findings})
    assert not any(line.startswith(f"{rule.id}:") for line in result.trace)
    assert treatment in result.recommended_ids()


WAIT_RULES = [rule for rule in KB.rules if rule.wait is not None]


@pytest.mark.parametrize("rule", WAIT_RULES, ids=[rule.id for rule in WAIT_RULES])
def test_wait_rule_gives_the_date_the_wait_ends(rule: Rule, assess: Assess) -> None:
    """A wait excludes until `months - months_since_stop` from today, and ends on time."""
    assert rule.wait is not None
    treatment, condition, findings = target(rule)
    stopped = rule.wait.months - 1
    result = assess(
        {
            "patient": {"age": 30, "fitzpatrick": 2},
            "history": {"isotretinoin_months_since_stop": stopped},
            "findings": findings,
        }
    )
    reason = next(
        r
        for item in result.excluded
        if item.treatment == treatment and item.condition == condition
        for r in item.reasons
        if r.rule == rule.id
    )
    assert reason.until is not None
    assert (reason.until.year * 12 + reason.until.month) - (2026 * 12 + 11) == 1
    assert "{until}" not in reason.text
    over = assess(
        {
            "patient": {"age": 30, "fitzpatrick": 2},
            "history": {"isotretinoin_months_since_stop": rule.wait.months},
            "findings": findings,
        }
    )
    assert not any(line.startswith(f"{rule.id}:") for line in over.trace)


@pytest.mark.parametrize("referral", KB.referrals, ids=[r.id for r in KB.referrals])
def test_referral_rule_fires_on_its_red_flag(referral: ReferralRule, assess: Assess) -> None:
    """Each red flag refers with its urgency, and the overall urgency is at least as high."""
    order = ["none", "routine", "urgent", "same_day"]
    result = assess(patient_with(referral.when, {}))
    fired = {reason.rule: reason for reason in result.referral.reasons}
    assert referral.id in fired
    assert fired[referral.id].urgency == referral.urgency
    assert order.index(result.referral.urgency) >= order.index(referral.urgency)


def test_no_red_flag_means_no_referral(assess: Assess) -> None:
    """A healthy adult with mild comedonal acne needs no physician."""
    result = assess({"patient": {"age": 25}, "findings": {"acne": {"comedones": 5}}})
    assert result.referral.urgency == "none"
    assert result.referral.reasons == ()


@pytest.mark.parametrize("flag", sorted(FLAGS))
def test_every_flag_can_be_raised_and_is_used(flag: str) -> None:
    """Each flag in the vocabulary is set by some intake and read by some rule."""
    patient, history, findings = FLAG_PATCH[flag]
    intake = parse_intake(
        {
            "patient": {"age": 30, "fitzpatrick": 2, **patient},
            "history": history,
            "findings": findings,
        }
    )
    raised = derived_flags(patient_flags(intake).union(*(c.flags for c in grade_findings(intake))))
    assert flag in raised
    used = {r.when for r in KB.rules} | {r.when for r in KB.referrals}
    assert flag in used


@pytest.mark.parametrize("item", KB.advice, ids=[a.id for a in KB.advice])
def test_advice_is_given_for_its_conditions(item: Any, assess: Assess) -> None:
    """Each advice item appears when one of its conditions is present, citing itself."""
    condition = item.conditions[0]
    findings = next(f for t, (c, f) in CANDIDATE.items() if c == condition)
    result = assess({"patient": {"age": 30}, "findings": findings})
    assert item.id in {advice.rule for advice in result.advice}


def test_no_advice_ever_recommends_sun_exposure(assess: Assess) -> None:
    """Seed 003 praises the sun; dorsum always advises protection instead."""
    result = assess({"patient": {"age": 30}, "findings": {"acne": INFLAMED}})
    sun = next(a for a in result.advice if a.code == "sun_protection")
    assert "protect" in sun.text.lower()
    assert "sun does not treat acne" in sun.text.lower()
