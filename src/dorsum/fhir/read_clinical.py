"""Reading Patient, Observation, Condition and Goal resources into the gathered intake.

Choices (documented in docs/fhir.md): the latest Observation of a code wins; Conditions that
are refuted or entered in error are skipped; a resolved condition only counts where it still
matters (a past herpes episode is herpes history, a keloid tendency does not resolve).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from dorsum.fhir import codes
from dorsum.fhir import read_tables as tables
from dorsum.fhir.codes import ConditionCode, Measure
from dorsum.fhir.errors import FhirError
from dorsum.fhir.read_dates import day_range, full_months, full_years, instant, latest_day
from dorsum.fhir.read_pregnancy import UNKNOWN, UNREADABLE, pregnancy_answer
from dorsum.fhir.read_state import Gathered

SEXES = {"female": "female", "male": "male", "other": "other"}
ACTIVE = frozenset({"active", "recurrence", "relapse"})
NOT_TRUE = frozenset({"refuted", "entered-in-error"})
NO_RESULT = frozenset({"entered-in-error", "cancelled", "registered"})
GOAL_OVER = frozenset({"cancelled", "entered-in-error", "rejected", "completed"})


def read_patient(resource: Mapping[str, Any], got: Gathered) -> None:
    """Age from birthDate and today, sex from gender; a second, different Patient is an error."""
    patient_id = resource.get("id")
    label = tables.label_of(resource)
    if got.patient_label:
        if patient_id != got.patient_id:
            raise FhirError(label, f"a second patient in one document (first: {got.patient_label})")
        got.used += 1
        return
    got.patient_id = patient_id if isinstance(patient_id, str) else None
    got.patient_label = label
    if "birthDate" not in resource:
        raise FhirError(f"{label}.birthDate", "is missing; dorsum needs it for the age")
    earliest, latest = day_range(resource["birthDate"], resource, "birthDate")
    if earliest > got.today:
        raise FhirError(f"{label}.birthDate", f"is after today ({got.today.isoformat()})")
    age = full_years(min(latest, got.today), got.today)
    got.put(got.patient, "patient.age", "age", age, resource)
    sex = SEXES.get(tables.code_text(resource.get("gender")) or "")
    if sex is not None:
        got.put(got.patient, "patient.sex", "sex", sex, resource)
    got.used += 1


def read_observation(resource: Mapping[str, Any], got: Gathered) -> None:
    """One finding or measurement; the latest one of each code wins."""
    status = tables.code_text(resource.get("status"))
    if status in NO_RESULT:
        got.skip(f"Observation status {status}")
        return
    measure = tables.lookup(resource.get("code"), tables.MEASURES)
    if measure is None:
        got.skip(f"Observation code {tables.code_label(resource.get('code'))}")
        return
    value = _value(resource, measure)
    if value is UNREADABLE:
        code = f"{measure.system}|{measure.code}"
        got.skip(f"Observation code {code} with an unreadable pregnancy answer")
        return
    if value is None or value is UNKNOWN:
        said = "an unknown answer" if value is UNKNOWN else "a value"
        got.skip(f"Observation code {measure.system}|{measure.code} without {said}")
        return
    stamp = observed_at(resource)
    path = measure.path
    if path in got.stamps:
        superseded = f"Observation code {measure.system}|{measure.code} superseded by a later one"
        if _older(stamp, got.stamps[path], value, got, path):
            got.skip(superseded)
            return
        got.used -= 1  # the one kept so far is superseded: counted the same in any order
        got.skip(superseded)
    got.stamps[path] = stamp
    section, finding, key = tables.PLACES[path]
    if finding:
        target = got.findings.get(finding)
        if target is None:
            target = got.findings[finding] = {}
    else:
        target = got.patient if section == "patient" else got.history
    target[key] = value
    got.origins[path] = resource
    got.used += 1


def _older(stamp: Stamp, kept: Stamp, value: Any, got: Gathered, path: str) -> bool:
    """Whether a reading loses to the one kept: it is older, or as old and less cautious.

    Two readings of a patient or history flag at the same time keep `True` (pregnant, planning
    a pregnancy, a recent tan): the cautious reading when an EHR contradicts itself.
    """
    if stamp != kept:
        return stamp < kept
    if path.startswith("findings.") or value is not False:
        return False
    section, _, key = tables.PLACES[path]
    current = (got.patient if section == "patient" else got.history).get(key)
    return current is True


Stamp = tuple[int, datetime]
_NEVER: Stamp = (0, datetime.min.replace(tzinfo=UTC))


def observed_at(resource: Mapping[str, Any]) -> Stamp:
    """When an Observation holds, comparable across time zones; undated ones are the oldest.

    A dateTime without an offset is read as UTC; a date (or partial date) as its first moment.
    A value that is not a FHIR date or dateTime is a FhirError naming the resource and field.
    """
    for key in ("effectiveDateTime", "effectiveInstant", "issued"):
        value = resource.get(key)
        if value is not None:
            return (1, instant(value, resource, key))
    period = tables.as_map(resource.get("effectivePeriod"))
    for key in ("end", "start"):
        if period.get(key) is not None:
            return (1, instant(period[key], resource, f"effectivePeriod.{key}"))
    return _NEVER


def _value(resource: Mapping[str, Any], measure: Measure) -> Any:
    if measure is tables.PREGNANCY:
        return pregnancy_answer(resource)
    if measure.value == "boolean":
        value = resource.get("valueBoolean")
        return value if isinstance(value, bool) else None
    if measure.value == "integer":
        value = resource.get("valueInteger")
        if value is not None:
            return value
    quantity = tables.as_map(resource.get("valueQuantity"))
    number = quantity.get("value")
    if number is None or isinstance(number, bool):
        return None
    if measure.unit is None:
        return int(number) if isinstance(number, float) and number.is_integer() else number
    return _in_unit(number, quantity, measure, resource)


_UNITS = {
    "cm": {"cm": 1.0, "mm": 0.1, "[in_i]": 2.54, "in": 2.54},
    "kg/m2": {"kg/m2": 1.0, "kg/m^2": 1.0, "kg/m²": 1.0},
}


def _in_unit(
    number: Any, quantity: Mapping[str, Any], measure: Measure, resource: Mapping[str, Any]
) -> Any:
    unit = quantity.get("code") or quantity.get("unit")
    if unit is None or unit == measure.unit:
        return number
    factor = _UNITS.get(measure.unit or "", {}).get(unit) if isinstance(unit, str) else None
    if factor is None:
        where = f"{tables.label_of(resource)}.valueQuantity"
        raise FhirError(where, f"unit must be {measure.unit}, not {unit!r}")
    return round(number * factor, 6) if isinstance(number, int | float) else number


def read_condition(resource: Mapping[str, Any], got: Gathered) -> None:
    """A history condition, a finding on the back, a scar or a cold disorder."""
    verification = tables.status_code(resource.get("verificationStatus"))
    if verification in NOT_TRUE:
        got.skip(f"Condition verificationStatus {verification}")
        return
    known = tables.lookup(resource.get("code"), tables.CONDITIONS)
    if known is None:
        got.skip(f"Condition code {tables.code_label(resource.get('code'))}")
        return
    clinical = tables.status_code(resource.get("clinicalStatus")) or "active"
    if clinical in ACTIVE:
        _active(resource, known, got)
    elif known.when_inactive is not None:
        got.put(got.history, f"history.{known.when_inactive}", known.when_inactive, True, resource)
    else:
        got.skip(f"Condition clinicalStatus {clinical}")
        return
    got.used += 1


def _active(resource: Mapping[str, Any], known: ConditionCode, got: Gathered) -> None:
    if known.kind == "flag":
        got.put(got.history, f"history.{known.name}", known.name, True, resource)
    elif known.kind == "cold":
        if got.cold is None or tables.COLD_ORDER[known.name] < tables.COLD_ORDER[got.cold]:
            got.cold = known.name
            got.origins["history.cold_disorder"] = resource
    elif known.kind == "scar":
        got.origins[f"findings.scars.{len(got.scars)}"] = resource
        got.scars.append(_scar(resource, known.name, got.today))
    else:
        finding = got.findings.setdefault(known.name, {})
        got.origins.setdefault(f"findings.{known.name}", resource)
        if known.name == "stretch_marks":
            _stage(resource, finding, got)


def _scar(resource: Mapping[str, Any], kind: str, today: date) -> dict[str, Any]:
    scar: dict[str, Any] = {"cause": "other", "kind": kind}
    for extension in tables.items(resource.get("extension")):
        if tables.as_map(extension).get("url") == codes.CONDITION_DUE_TO:
            for coding in tables.codings(extension.get("valueCodeableConcept")):
                cause = tables.SCAR_CAUSES.get(tables.code_text(coding.get("code")) or "")
                if coding.get("system") == codes.SCAR_CAUSE_SYSTEM and cause is not None:
                    scar["cause"] = cause
    onset = resource.get("onsetDateTime")
    if onset is not None:
        scar["months_old"] = full_months(latest_day(onset, resource, "onsetDateTime"), today)
    return scar


def _stage(resource: Mapping[str, Any], finding: dict[str, Any], got: Gathered) -> None:
    for stage in tables.items(resource.get("stage")):
        for coding in tables.codings(tables.as_map(stage).get("summary")):
            found = tables.STRIAE_STAGES.get(tables.code_text(coding.get("code")) or "")
            if coding.get("system") == codes.STRIAE_STAGE_SYSTEM and found is not None:
                got.put(finding, "findings.stretch_marks.stage", "stage", found, resource)


def read_goal(resource: Mapping[str, Any], got: Gathered) -> None:
    """The target date of the result (the earliest one) or the wish for non-invasive care."""
    status = tables.code_text(resource.get("lifecycleStatus"))
    if status in GOAL_OVER:
        got.skip(f"Goal lifecycleStatus {status}")
        return
    goal = tables.lookup(resource.get("description"), tables.GOALS)
    if goal is None:
        got.skip(f"Goal description {tables.code_label(resource.get('description'))}")
        return
    if goal.path == "goals.prefer_non_invasive":
        got.put(got.goals, goal.path, "prefer_non_invasive", True, resource)
        got.used += 1
        return
    days = [
        day_range(target["dueDate"], resource, "target.dueDate")[0]
        for target in tables.items(resource.get("target"))
        if isinstance(target, dict) and target.get("dueDate") is not None
    ]
    if not days:
        got.skip("Goal result-by-date without a target.dueDate")
        return
    earliest = min(days)
    current = got.goals.get("target_date")
    if current is None or earliest < date.fromisoformat(current):
        got.put(got.goals, goal.path, "target_date", earliest.isoformat(), resource)
    got.used += 1
