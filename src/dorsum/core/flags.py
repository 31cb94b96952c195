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
]
FLAGS: frozenset[str] = frozenset(get_args(Flag))

_CONTRAINDICATING_COLD = frozenset(
    {"cryoglobulinemia", "cold_agglutinin_disease", "paroxysmal_cold_hemoglobinuria"}
)
_TOPICAL_ANTIBIOTICS = frozenset({"clindamycin", "erythromycin"})


_MEMO: dict[tuple[object, ...], frozenset[str]] = {}
MEMO_LIMIT = 20_000


def patient_flags(intake: Intake) -> frozenset[str]:
    """Flags that come from the patient and history (not from grading the findings).

    Memoised on the field values: the live consultation form re-assesses the same patient on
    every edit of the findings.
    """
    keloid_scar = any(scar.kind == "keloid" for scar in intake.findings.scars)
    key = (
        tuple(intake.patient.__dict__.values()),
        tuple(intake.history.__dict__.values()),
        keloid_scar,
    )
    flags = _MEMO.get(key)
    if flags is None:
        if len(_MEMO) >= MEMO_LIMIT:
            _MEMO.clear()
        flags = _MEMO[key] = frozenset(_compute(intake, keloid_scar=keloid_scar))
    return flags


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
    if patient.fitzpatrick is None:
        add("phototype_unknown")
    elif patient.fitzpatrick >= 4:
        add("pih_risk")
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
    months = history.isotretinoin_months_since_stop
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
