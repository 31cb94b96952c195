"""The consultation form, both ways: HTML form fields to an intake (and body map), and a saved
intake back to the values the form shows. Validation happens after, on the intake itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from dorsum.services.bodymap import BodyMap

PATIENT_FLAGS = ("pregnant", "breastfeeding", "planning_pregnancy")
HISTORY_FLAGS = (
    "keloid_tendency",
    "anticoagulants",
    "bleeding_disorder",
    "herpes_history",
    "active_herpes",
    "active_infection_at_site",
    "hernia_near_site",
    "immunosuppressed",
    "photosensitising_medication",
    "recent_tan",
    "suspicious_pigmented_lesion",
)
ALLERGIES = (
    "hyaluronic_acid",
    "lidocaine",
    "amide_anaesthetics",
    "benzoyl_peroxide",
    "clindamycin",
    "erythromycin",
)
ACNE_FLAGS = ("itchy_monomorphic_without_comedones", "rapid_worsening_with_systemic_symptoms")
SCAR_ROWS = 3


class FormProblem(Exception):
    """A field could not even be read (not a number, broken body map)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _number(form: Mapping[str, Any], name: str, kind: type = int) -> Any:
    value = str(form.get(name, "") or "").strip().replace(",", ".")
    if value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        raise FormProblem(name, f"must be a number, not {value!r}") from None


def _flag(form: Mapping[str, Any], name: str) -> bool:
    return str(form.get(name, "")).lower() in ("on", "true", "1", "yes")


def intake_from_form(form: Mapping[str, Any], allergies: list[str]) -> dict[str, Any]:
    """The contract intake the form describes (before the body map's counts are applied)."""
    patient: dict[str, Any] = {"age": _number(form, "age")}
    sex = form.get("sex") or None
    if sex:
        patient["sex"] = sex
    patient.update({flag: _flag(form, flag) for flag in PATIENT_FLAGS})
    fitzpatrick = _number(form, "fitzpatrick")
    if fitzpatrick is not None:
        patient["fitzpatrick"] = fitzpatrick
    bmi = _number(form, "bmi", float)
    if bmi is not None:
        patient["bmi"] = bmi
    history: dict[str, Any] = {flag: _flag(form, flag) for flag in HISTORY_FLAGS}
    history["allergies"] = [a for a in allergies if a in ALLERGIES]
    isotretinoin = str(form.get("isotretinoin", "never"))
    if isotretinoin == "taking":
        history["isotretinoin_months_since_stop"] = 0
    elif isotretinoin == "stopped":
        history["isotretinoin_months_since_stop"] = _number(form, "isotretinoin_months")
    if form.get("cold_disorder"):
        history["cold_disorder"] = form["cold_disorder"]
    return {
        "patient": patient,
        "history": history,
        "findings": _findings(form),
        "goals": _goals(form),
    }


def _findings(form: Mapping[str, Any]) -> dict[str, Any]:
    findings: dict[str, Any] = {}
    acne_flags = {flag: _flag(form, flag) for flag in ACNE_FLAGS}
    if any(acne_flags.values()):
        findings["acne"] = acne_flags
    findings["acne_scars"] = {
        "visible_at_social_distance": _flag(form, "visible_at_social_distance"),
        "flatten_on_stretch": not _flag(form, "do_not_flatten"),
    }
    stage = form.get("striae_stage") or ""
    if stage in ("rubra", "alba"):
        findings["stretch_marks"] = {"stage": stage, "count": _number(form, "striae_count")}
    pinch = _number(form, "pinch_cm", float)
    if pinch is not None:
        findings["localized_fat"] = {"pinch_cm": pinch, "areas": _number(form, "fat_areas")}
    scars = []
    for row in range(SCAR_ROWS):
        kind = form.get(f"scar_{row}_kind") or ""
        if kind:
            scars.append(
                {
                    "cause": form.get(f"scar_{row}_cause") or "other",
                    "kind": kind,
                    "months_old": _number(form, f"scar_{row}_months"),
                }
            )
    if scars:
        findings["scars"] = scars
    return findings


def _goals(form: Mapping[str, Any]) -> dict[str, Any]:
    goals: dict[str, Any] = {"prefer_non_invasive": _flag(form, "prefer_non_invasive")}
    if form.get("target_date"):
        goals["target_date"] = form["target_date"]
    return goals


def body_map_from_form(form: Mapping[str, Any]) -> BodyMap:
    raw = str(form.get("body_map") or "{}")
    try:
        return BodyMap.model_validate(json.loads(raw))
    except (ValueError, ValidationError):
        raise FormProblem("body_map", "the body map could not be read; reload the page") from None


def drop_empty_scar_findings(intake: dict[str, Any]) -> dict[str, Any]:
    """Scar flags alone, with no counts, mean no acne scars."""
    findings = dict(intake.get("findings") or {})
    scars = findings.get("acne_scars") or {}
    counts = ("icepick", "boxcar", "rolling", "hypertrophic", "macular")
    if scars and not any(scars.get(name) for name in counts):
        findings.pop("acne_scars")
    return {**intake, "findings": findings}


def form_values(intake: dict[str, Any], body_map: dict[str, Any]) -> dict[str, Any]:
    """What the form shows for a saved intake."""
    patient = intake.get("patient") or {}
    history = intake.get("history") or {}
    findings = intake.get("findings") or {}
    goals = intake.get("goals") or {}
    months = history.get("isotretinoin_months_since_stop")
    stretch = findings.get("stretch_marks") or {}
    fat = findings.get("localized_fat") or {}
    scars_found = findings.get("acne_scars") or {}
    values: dict[str, Any] = {
        **{k: patient.get(k) for k in ("age", "sex", "fitzpatrick", "bmi", *PATIENT_FLAGS)},
        **{k: history.get(k) for k in (*HISTORY_FLAGS, "cold_disorder")},
        "allergies": history.get("allergies") or [],
        "isotretinoin": "never" if months is None else "taking" if months == 0 else "stopped",
        "isotretinoin_months": months if months else None,
        **{flag: (findings.get("acne") or {}).get(flag) for flag in ACNE_FLAGS},
        "visible_at_social_distance": scars_found.get("visible_at_social_distance"),
        "do_not_flatten": scars_found.get("flatten_on_stretch") is False,
        "striae_stage": stretch.get("stage"),
        "striae_count": stretch.get("count"),
        "pinch_cm": fat.get("pinch_cm"),
        "fat_areas": fat.get("areas"),
        "prefer_non_invasive": goals.get("prefer_non_invasive"),
        "target_date": goals.get("target_date"),
        "body_map": json.dumps(body_map or {"zones": {}}),
    }
    for row, scar in enumerate((findings.get("scars") or [])[:SCAR_ROWS]):
        values[f"scar_{row}_kind"] = scar.get("kind")
        values[f"scar_{row}_cause"] = scar.get("cause")
        values[f"scar_{row}_months"] = scar.get("months_old")
    return values
