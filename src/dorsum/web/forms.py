"""The consultation form, both ways, covering the whole intake.

`form_values` turns a saved intake (and body map) into what each form field shows, and
`read_form` turns the submitted fields back into an intake. Every field of the intake has a
form field (`FIELDS`, checked against the contract by the tests), so an edit never loses what
the form did not show: saving a consultation with only the note changed stores the same
intake. A section (acne, acne scars, ...) is present when any of its fields holds something;
a section that was present is shown with all of its numbers, so it stays present.

Problems are reported per form field (the name the template shows them next to), as codes and
values for the wording in `dorsum.web.problems`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from dorsum.i18n import N_
from dorsum.services.bodymap import ACNE_FIELDS, SCAR_FIELDS, BodyMap
from dorsum.web.problems import Problem

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
    "koebnerising_disease",
    "androgen_excess_signs",
    "hidradenitis_suspected",
)
ACNE_INDUCING_DRUGS = ("systemic_corticosteroids", "lithium", "anabolic_steroids", "antiepileptics")
LIST_FIELDS = ("allergies", "acne_inducing_drugs")  # groups of boxes: posted as lists
ALLERGIES = (
    "hyaluronic_acid",
    "lidocaine",
    "amide_anaesthetics",
    "benzoyl_peroxide",
    "clindamycin",
    "erythromycin",
)
ACNE_FLAGS = ("itchy_monomorphic_without_comedones", "rapid_worsening_with_systemic_symptoms")
MIN_SCAR_ROWS = 3
# The contract sets no limit on scars; the form shows up to this many and refuses more rather
# than dropping any (a back with a thousand recorded scars is a data-entry mistake).
MAX_SCAR_ROWS = 1000
_SCAR_FIELD = re.compile(r"^scar_(\d{1,5})_(cause|kind|months)$")


@dataclass(frozen=True)
class Field:
    """A form field and the intake field it holds (path inside `intake`)."""

    name: str
    path: tuple[str, ...]


def _fields() -> tuple[Field, ...]:
    fields = [Field("age", ("patient", "age")), Field("sex", ("patient", "sex"))]
    fields += [Field(flag, ("patient", flag)) for flag in PATIENT_FLAGS]
    fields += [Field("fitzpatrick", ("patient", "fitzpatrick")), Field("bmi", ("patient", "bmi"))]
    fields += [Field(flag, ("history", flag)) for flag in HISTORY_FLAGS]
    fields += [
        Field("cold_disorder", ("history", "cold_disorder")),
        Field("allergies", ("history", "allergies")),
        Field("acne_inducing_drugs", ("history", "acne_inducing_drugs")),
        Field("isotretinoin_months", ("history", "isotretinoin_months_since_stop")),
    ]
    fields += [Field(f"acne_{name}", ("findings", "acne", name)) for name in ACNE_FIELDS]
    fields += [Field(flag, ("findings", "acne", flag)) for flag in ACNE_FLAGS]
    fields += [Field(f"scars_{name}", ("findings", "acne_scars", name)) for name in SCAR_FIELDS]
    fields += [
        Field(
            "visible_at_social_distance", ("findings", "acne_scars", "visible_at_social_distance")
        ),
        Field("do_not_flatten", ("findings", "acne_scars", "flatten_on_stretch")),
        Field("striae_stage", ("findings", "stretch_marks", "stage")),
        Field("striae_count", ("findings", "stretch_marks", "count")),
        Field("pinch_cm", ("findings", "localized_fat", "pinch_cm")),
        Field("fat_areas", ("findings", "localized_fat", "areas")),
        Field("scar_*_cause", ("findings", "scars", "*", "cause")),
        Field("scar_*_kind", ("findings", "scars", "*", "kind")),
        Field("scar_*_months", ("findings", "scars", "*", "months_old")),
        Field("target_date", ("goals", "target_date")),
        Field("prefer_non_invasive", ("goals", "prefer_non_invasive")),
    ]
    return tuple(fields)


FIELDS = _fields()
_BY_PATH = {field.path: field.name for field in FIELDS}


def field_for(location: tuple[int | str, ...]) -> str:
    """The form field that shows the value at a validation error's location."""
    parts = [str(part) for part in location]
    if not parts or parts[0] != "intake":
        return ("body_map" if parts[0] == "body_map" else parts[0]) if parts else "form"
    path = tuple(parts[1:])
    if len(path) >= 4 and path[:2] == ("findings", "scars") and path[2].isdigit():
        template = _BY_PATH.get((*path[:2], "*", *path[3:]), f"scar_*_{path[3]}")
        return template.replace("*", path[2])
    while path and path not in _BY_PATH:
        path = path[:-1]
    return _BY_PATH.get(path, "form")


# ---- intake -> what the form shows ---------------------------------------------------------


def form_values(intake: Mapping[str, Any], body_map: Mapping[str, Any] | None) -> dict[str, Any]:
    """What each field of the form shows for a saved (normalised) intake."""
    patient = intake.get("patient") or {}
    history = intake.get("history") or {}
    findings = intake.get("findings") or {}
    goals = intake.get("goals") or {}
    months = history.get("isotretinoin_months_since_stop")
    values: dict[str, Any] = {
        **{
            name: patient.get(name) for name in ("age", "sex", "fitzpatrick", "bmi", *PATIENT_FLAGS)
        },
        **{name: history.get(name) for name in (*HISTORY_FLAGS, "cold_disorder")},
        "allergies": list(history.get("allergies") or []),
        "acne_inducing_drugs": list(history.get("acne_inducing_drugs") or []),
        "isotretinoin": "never" if months is None else "taking" if months == 0 else "stopped",
        "isotretinoin_months": months if months else None,
        "prefer_non_invasive": goals.get("prefer_non_invasive"),
        "target_date": goals.get("target_date"),
        "body_map": json.dumps(body_map or {"zones": {}}),
    }
    values.update(_section_values(findings.get("acne"), "acne", ACNE_FIELDS, ACNE_FLAGS))
    scars = findings.get("acne_scars")
    values.update(_section_values(scars, "scars", SCAR_FIELDS, ("visible_at_social_distance",)))
    values["do_not_flatten"] = scars is not None and scars.get("flatten_on_stretch") is False
    stretch = findings.get("stretch_marks") or {}
    fat = findings.get("localized_fat") or {}
    values.update(
        striae_stage=stretch.get("stage"),
        striae_count=stretch.get("count"),
        pinch_cm=fat.get("pinch_cm"),
        fat_areas=fat.get("areas"),
    )
    rows = list(findings.get("scars") or [])[: MAX_SCAR_ROWS + 1]
    values["scar_rows"] = scar_rows(len(rows))
    for row, scar in enumerate(rows):
        values[f"scar_{row}_cause"] = scar.get("cause")
        values[f"scar_{row}_kind"] = scar.get("kind")
        values[f"scar_{row}_months"] = scar.get("months_old")
    return values


def scar_rows(filled: int) -> int:
    """Rows the scar table shows: every recorded scar and at least one empty row."""
    return min(MAX_SCAR_ROWS + 1, max(MIN_SCAR_ROWS, filled + 1))


def rows_to_show(values: Mapping[str, Any]) -> int:
    """Rows for a form: every row it holds and one empty row after the last filled one (counted
    from the rows themselves, so a forged count cannot ask for a million rows)."""
    rows = [0]
    for key, value in values.items():
        if (match := _SCAR_FIELD.match(str(key))) is not None:
            row = int(match.group(1))
            rows.append(row + 2 if value not in (None, "") else row + 1)
    # one row past the limit is shown, so that saving names the limit instead of dropping rows
    return min(MAX_SCAR_ROWS + 1, max(MIN_SCAR_ROWS, *rows))


def _section_values(
    section: Mapping[str, Any] | None, prefix: str, counts: tuple[str, ...], flags: tuple[str, ...]
) -> dict[str, Any]:
    """A present section shows every count (0 included), so saving keeps it present; an
    absent one shows blanks."""
    if section is None:
        return dict.fromkeys((*(f"{prefix}_{name}" for name in counts), *flags))
    return {
        **{f"{prefix}_{name}": section.get(name, 0) for name in counts},
        **{flag: section.get(flag) for flag in flags},
    }


# ---- what the form sends -> intake ---------------------------------------------------------


class FormReader:
    """Reads submitted fields into an intake, collecting a problem per unreadable field."""

    def __init__(self, form: Mapping[str, Any]) -> None:
        self.form = form
        self.problems: list[Problem] = []

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return str(value).strip() if value is not None else ""

    def flag(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in ("", "off", "false", "0", "no"):
            return False
        if value not in ("on", "true", "1", "yes"):
            self.problem(name, N_("Tick the box or leave it empty."))
        return True

    def choices(self, name: str, allowed: tuple[str, ...]) -> list[str]:
        """The ticked values of a group of boxes, in `allowed` order; an unknown one is a
        problem, never silently dropped."""
        ticked = self.form.get(name) or []
        values = [ticked] if isinstance(ticked, str) else [str(v) for v in ticked]
        if any(value not in allowed for value in values):
            self.problem(name, N_("Choose one of the options."))
        return [value for value in allowed if value in values]

    def number(self, name: str, kind: type = int) -> Any:
        value = self.text(name).replace(",", ".")
        if value == "":
            return None
        try:
            return kind(value)
        except (ValueError, OverflowError):
            message = N_("Enter a whole number.") if kind is int else N_("Enter a number.")
            self.problems.append(Problem(name, message))
            return None

    def problem(self, name: str, message: str, **values: object) -> None:
        self.problems.append(Problem(name, message, values))


def read_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], BodyMap | None, list[Problem]]:
    """The intake the form describes (before the body map's counts are applied), the body
    map, and the fields that could not be read."""
    reader = FormReader(form)
    intake = {
        "patient": _patient(reader),
        "history": _history(reader),
        "findings": _findings(reader),
        "goals": _goals(reader),
    }
    return intake, _body_map(reader), reader.problems


def _patient(reader: FormReader) -> dict[str, Any]:
    patient: dict[str, Any] = {"age": reader.number("age")}
    if reader.text("sex"):
        patient["sex"] = reader.text("sex")
    patient.update({flag: reader.flag(flag) for flag in PATIENT_FLAGS})
    patient["fitzpatrick"] = reader.number("fitzpatrick")
    patient["bmi"] = reader.number("bmi", float)
    return patient


def _history(reader: FormReader) -> dict[str, Any]:
    history: dict[str, Any] = {flag: reader.flag(flag) for flag in HISTORY_FLAGS}
    history["allergies"] = reader.choices("allergies", ALLERGIES)
    history["acne_inducing_drugs"] = reader.choices("acne_inducing_drugs", ACNE_INDUCING_DRUGS)
    history["cold_disorder"] = reader.text("cold_disorder") or None
    state = reader.text("isotretinoin") or "never"
    months = reader.number("isotretinoin_months")
    if state not in ("never", "taking", "stopped"):
        reader.problem("isotretinoin", N_("Choose one of the options."))
    if state == "taking":
        history["isotretinoin_months_since_stop"] = 0
        if months is not None:
            reader.problem(
                "isotretinoin_months", N_("Leave the months empty while it is still taken.")
            )
    elif state == "stopped":
        if months is None and not any(p.field == "isotretinoin_months" for p in reader.problems):
            reader.problem("isotretinoin_months", N_("Enter how many months ago it was stopped."))
        elif months == 0:
            reader.problem(
                "isotretinoin_months",
                N_("Stopped less than a month ago counts as 1 month; 0 means still taking it."),
            )
        history["isotretinoin_months_since_stop"] = months
    elif months is not None:
        reader.problem("isotretinoin", N_("Choose “stopped” to record months since stopping."))
    return history


def _findings(reader: FormReader) -> dict[str, Any]:
    findings: dict[str, Any] = {}
    acne = _section(reader, "acne", ACNE_FIELDS, {flag: reader.flag(flag) for flag in ACNE_FLAGS})
    if acne is not None:
        findings["acne"] = acne
    scar_flags = {
        "visible_at_social_distance": reader.flag("visible_at_social_distance"),
        "flatten_on_stretch": not reader.flag("do_not_flatten"),
    }
    scars = _section(
        reader, "scars", SCAR_FIELDS, scar_flags, defaults={"flatten_on_stretch": True}
    )
    if scars is not None:
        findings["acne_scars"] = scars
    stage, count = reader.text("striae_stage"), reader.number("striae_count")
    if stage:
        findings["stretch_marks"] = {"stage": stage, "count": count}
    elif count is not None:
        reader.problem("striae_stage", N_("Choose whether the stretch marks are red or white."))
    pinch, areas = reader.number("pinch_cm", float), reader.number("fat_areas")
    if pinch is not None:
        findings["localized_fat"] = {"pinch_cm": pinch, "areas": areas}
    elif areas is not None:
        reader.problem("pinch_cm", N_("Enter the pinch to record localized fat."))
    findings["scars"] = _scars(reader)
    return findings


def _section(
    reader: FormReader,
    prefix: str,
    counts: tuple[str, ...],
    flags: dict[str, bool],
    defaults: Mapping[str, bool] | None = None,
) -> dict[str, Any] | None:
    """A section is present when any count is filled in or any flag differs from its default."""
    numbers = {name: reader.number(f"{prefix}_{name}") for name in counts}
    defaults = defaults or {}
    filled = any(value is not None for value in numbers.values())
    flagged = any(value != defaults.get(name, False) for name, value in flags.items())
    if not (filled or flagged):
        return None
    return {**{k: v for k, v in numbers.items() if v is not None}, **flags}


def _scars(reader: FormReader) -> list[dict[str, Any]]:
    rows = sorted(
        {int(match.group(1)) for key in reader.form if (match := _SCAR_FIELD.match(str(key)))}
    )
    if rows and rows[-1] >= MAX_SCAR_ROWS:
        reader.problem("form", N_("The form holds at most %(count)s scars."), count=MAX_SCAR_ROWS)
    scars = []
    for row in rows[:MAX_SCAR_ROWS]:
        cause, kind = reader.text(f"scar_{row}_cause"), reader.text(f"scar_{row}_kind")
        months = reader.number(f"scar_{row}_months")
        if not (cause or kind or months is not None):
            continue
        if not kind:
            reader.problem(f"scar_{row}_kind", N_("Choose the kind of scar."))
        if not cause:
            reader.problem(f"scar_{row}_cause", N_("Choose what caused the scar."))
        scars.append({"cause": cause or None, "kind": kind or None, "months_old": months})
    return scars


def _goals(reader: FormReader) -> dict[str, Any]:
    return {
        "target_date": reader.text("target_date") or None,
        "prefer_non_invasive": reader.flag("prefer_non_invasive"),
    }


BODY_MAP_PROBLEM = N_(
    "A count on the body map is not valid: counts are whole numbers from 0 to 10,000."
)


def _body_map(reader: FormReader) -> BodyMap | None:
    if reader.text("body_map_problem"):  # a zone's count was refused where it was typed
        reader.problem("body_map", BODY_MAP_PROBLEM)
        return None
    raw = reader.text("body_map") or '{"zones": {}}'
    try:
        return BodyMap.model_validate_json(raw)
    except ValidationError:
        reader.problem("body_map", BODY_MAP_PROBLEM)
        return None
