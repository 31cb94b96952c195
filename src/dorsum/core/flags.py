"""Patient flags: the yes/no facts the knowledge-base rules are written against.

The intake is turned into a set of flags once; rules in YAML name a flag in `when:` and the
engine checks set membership. The vocabulary is closed, so `dorsum kb check` rejects a rule that
names a flag nobody sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from dorsum.core.intake import Intake

Flag = Literal[
    "back_site",  # always set: dorsum treats the back, which matters for on-label use
    "pregnant",
    "breastfeeding",
    "planning_pregnancy",
    "minor",
    "under_22",
    "pih_risk",
    "phototype_unknown",
    "keloid_tendency",
    "bleeding_risk",
    "cold_disorder",
    "cold_sensitivity",
    "herpes_history",
    "active_herpes",
    "active_infection",
    "hernia",
    "immunosuppressed",
    "photosensitising_medication",
    "recent_tan",
    "allergy_hyaluronic_acid",
    "allergy_local_anaesthetic",
    "allergy_benzoyl_peroxide",
    "allergy_one_topical_antibiotic",
    "allergy_all_topical_antibiotics",
    "suspicious_lesion",
    "bmi_above_30",
    "active_acne",
    "acne_fulminans",
    "malassezia_suspected",
    "nodular_acne",
    "severe_acne",
    "acne_with_scarring",
    "severe_scarring",
    "keloid_scar",
    "isotretinoin_while_pregnant",
    "isotretinoin_planning_pregnancy",
    "isotretinoin_recent",  # stopped less than 12 months ago, or taking it now
    "isotretinoin_current",  # taking it now
    "hypertrophic_tendency",  # a raised (hypertrophic) scar in the findings
    "dark_phototype",  # Fitzpatrick V or VI
    "koebnerising_disease",
    "drug_induced_acne",
    "androgen_excess",
    "hidradenitis_suspected",
    "oral_options_referred",  # a referral proposes oral treatment (set after grading)
    "under_9",  # younger than the acne guideline covers
    "child_acne",  # active acne under 9 (set after grading)
]
FLAGS: frozenset[str] = frozenset(get_args(Flag))

_CONTRAINDICATING_COLD = frozenset(
    {"cryoglobulinemia", "cold_agglutinin_disease", "paroxysmal_cold_hemoglobinuria"}
)
_TOPICAL_ANTIBIOTICS = frozenset({"clindamycin", "erythromycin"})
ISOTRETINOIN_RECENT_MONTHS = 12  # the longest isotretinoin wait (dermabrasion)


MEMO_LIMIT = 20_000


def patient_flags(
    intake: Intake, *, cache: dict[tuple[object, ...], frozenset[str]] | None = None
) -> frozenset[str]:
    """Flags that come from the patient and history (not from grading the findings).

    `cache` (owned by the caller) memoises them on the field values: the live consultation
    form re-assesses the same patient on every edit of the findings.
    """
    findings = intake.findings
    keloid_scar = any(scar.kind == "keloid" for scar in findings.scars)
    raised_scar = any(scar.kind == "hypertrophic" for scar in findings.scars) or bool(
        findings.acne_scars is not None and findings.acne_scars.hypertrophic
    )
    key = (
        tuple(intake.patient.__dict__.values()),
        tuple(intake.history.__dict__.values()),
        keloid_scar,
        raised_scar,
    )
    flags = None if cache is None else cache.get(key)
    if flags is None:
        computed = _compute(intake, keloid_scar=keloid_scar)
        if raised_scar and "keloid_tendency" not in computed:
            computed.add("hypertrophic_tendency")
        flags = frozenset(computed)
        if cache is not None:
            if len(cache) >= MEMO_LIMIT:
                cache.clear()
            cache[key] = flags
    return flags


def derived_flags(flags: frozenset[str]) -> frozenset[str]:
    """Flags that follow from others once the findings are graded: a referral that proposes
    oral treatment, and acne causes that only matter while there is acne."""
    if "active_acne" not in flags and not flags.isdisjoint(_ACNE_CAUSES):
        flags = flags - _ACNE_CAUSES
    if not flags.isdisjoint(_PROPOSES_ORAL) and flags.isdisjoint(_NO_ORAL_PROPOSED):
        flags = flags | {"oral_options_referred"}
    if "under_9" in flags and "active_acne" in flags:
        flags = flags | {"child_acne"}
    return flags


# Referral variants that propose no oral antibiotic (see referrals.yaml).
_NO_ORAL_PROPOSED = frozenset({"malassezia_suspected", "isotretinoin_current", "under_9"})


_ACNE_CAUSES = frozenset({"drug_induced_acne", "androgen_excess"})

# Referrals whose text proposes oral treatment (isotretinoin or oral antibiotics).
_PROPOSES_ORAL = frozenset({"nodular_acne", "severe_acne", "acne_with_scarring"})


def _compute(intake: Intake, *, keloid_scar: bool) -> set[str]:
    patient = intake.patient
    flags: set[str] = {"back_site"}
    add = flags.add
    if patient.pregnant:
        add("pregnant")
    if patient.breastfeeding:
        add("breastfeeding")
    if patient.planning_pregnancy:
        add("planning_pregnancy")
    if patient.age < 22:
        add("under_22")
        if patient.age < 18:
            add("minor")
            if patient.age < 9:
                add("under_9")
    if patient.fitzpatrick is None:
        add("phototype_unknown")
    elif patient.fitzpatrick >= 4:
        add("pih_risk")
        if patient.fitzpatrick >= 5:
            add("dark_phototype")
    if patient.bmi is not None and patient.bmi > 30:
        add("bmi_above_30")
    _history_flags(intake, add, keloid_scar=keloid_scar)
    return flags


_SIMPLE_HISTORY_FLAGS: tuple[tuple[str, str], ...] = (
    ("herpes_history", "herpes_history"),
    ("active_herpes", "active_herpes"),
    ("active_infection_at_site", "active_infection"),
    ("hernia_near_site", "hernia"),
    ("immunosuppressed", "immunosuppressed"),
    ("photosensitising_medication", "photosensitising_medication"),
    ("recent_tan", "recent_tan"),
    ("suspicious_pigmented_lesion", "suspicious_lesion"),
    ("koebnerising_disease", "koebnerising_disease"),
    ("androgen_excess_signs", "androgen_excess"),
    ("hidradenitis_suspected", "hidradenitis_suspected"),
)


def _history_flags(intake: Intake, add: Callable[[str], None], *, keloid_scar: bool) -> None:
    history = intake.history
    fields = history.__dict__
    for name, flag in _SIMPLE_HISTORY_FLAGS:
        if fields[name]:
            add(flag)
    if history.keloid_tendency or keloid_scar:
        add("keloid_tendency")
    if history.anticoagulants or history.bleeding_disorder:
        add("bleeding_risk")
    if history.cold_disorder is not None:
        add(
            "cold_disorder"
            if history.cold_disorder in _CONTRAINDICATING_COLD
            else "cold_sensitivity"
        )
    if history.allergies:
        _allergy_flags(frozenset(history.allergies), add)
    if history.acne_inducing_drugs:
        add("drug_induced_acne")
    months = history.isotretinoin_months_since_stop
    if months is not None and months < ISOTRETINOIN_RECENT_MONTHS:
        add("isotretinoin_recent")
        if months == 0:
            add("isotretinoin_current")
    if months is not None and months < 1:  # contraception needed for a month after the last dose
        if intake.patient.pregnant:
            add("isotretinoin_while_pregnant")
        if intake.patient.planning_pregnancy:
            add("isotretinoin_planning_pregnancy")


def _allergy_flags(allergies: frozenset[str], add: Callable[[str], None]) -> None:
    if "hyaluronic_acid" in allergies:
        add("allergy_hyaluronic_acid")
    if allergies & {"lidocaine", "amide_anaesthetics"}:
        add("allergy_local_anaesthetic")
    if "benzoyl_peroxide" in allergies:
        add("allergy_benzoyl_peroxide")
    antibiotics = allergies & _TOPICAL_ANTIBIOTICS
    if antibiotics == _TOPICAL_ANTIBIOTICS:
        add("allergy_all_topical_antibiotics")
    elif antibiotics:
        add("allergy_one_topical_antibiotic")
