"""Lookup tables built once from `codes`, so reading a resource is a few dict lookups."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from dorsum.fhir import codes
from dorsum.fhir.codes import (
    AllergenCode,
    ConditionCode,
    GoalCode,
    Measure,
    MedicationClass,
)

T = TypeVar("T")
Key = tuple[str, str]
ICD_SYSTEMS = frozenset({codes.ICD10, codes.ICD10_CM})
PREGNANCY = Measure(
    "patient.pregnant", codes.LOINC, codes.PREGNANCY_STATUS, "Pregnancy status", "boolean"
)

MEASURES: dict[Key, Measure] = {(m.system, m.code): m for m in (*codes.MEASURES, PREGNANCY)}
CONDITIONS: dict[Key, ConditionCode] = {}
for _condition in codes.CONDITIONS:
    CONDITIONS[(codes.CONDITION_SYSTEM, _condition.code)] = _condition
    if _condition.read_icd10:
        for _code in _condition.icd10:
            CONDITIONS[(codes.ICD10, codes.icd10_key(_code))] = _condition
            CONDITIONS[(codes.ICD10_CM, codes.icd10_key(_code))] = _condition
MEDICATIONS: dict[Key, MedicationClass] = {}
for _medication in codes.MEDICATIONS:
    MEDICATIONS[(codes.MEDICATION_SYSTEM, _medication.code)] = _medication
    for _code in _medication.rxnorm:
        MEDICATIONS[(codes.RXNORM, _code)] = _medication
MEDICATION_NAMES = {
    codes.plain(name): medication
    for medication in codes.MEDICATIONS
    for name in (*medication.names, *medication.brands)
}
MEDICATION_PATTERN = codes.names_pattern(tuple(MEDICATION_NAMES))
ALLERGENS: dict[Key, AllergenCode] = {(codes.ALLERGEN_SYSTEM, a.code): a for a in codes.ALLERGENS}
ALLERGEN_NAMES = {codes.plain(name): a for a in codes.ALLERGENS for name in a.names}
ALLERGEN_PATTERN = codes.names_pattern(tuple(ALLERGEN_NAMES))
GOALS: dict[Key, GoalCode] = {(codes.GOAL_SYSTEM, g.code): g for g in codes.GOALS}
SCAR_CAUSES = {cause.replace("_", "-"): cause for cause in codes.SCAR_CAUSES}
STRIAE_STAGES = {stage: stage for stage in codes.STRIAE_STAGES}
COLD_ORDER = {c.name: index for index, c in enumerate(codes.CONDITIONS) if c.kind == "cold"}
# where each Observation's value goes: (section, finding group or "", field)
PLACES: dict[str, tuple[str, str, str]] = {}
for _measure in MEASURES.values():
    _parts = _measure.path.split(".")
    PLACES[_measure.path] = (
        (_parts[0], _parts[1], _parts[2]) if len(_parts) == 3 else (_parts[0], "", _parts[1])
    )

_EMPTY: Mapping[str, Any] = {}


def as_map(value: object) -> Mapping[str, Any]:
    """`value` when it is a JSON object, else an empty one (bad shapes read as absent)."""
    return value if isinstance(value, dict) else _EMPTY


def items(value: object) -> list[Any]:
    """`value` when it is a JSON array, else an empty one (bad shapes read as absent)."""
    return value if isinstance(value, list) else []


_CODE = re.compile(r"[a-z][a-z-]{0,39}")


_USUAL_CODES = frozenset({"active", "final", "completed", "inactive", "resolved", "confirmed"})


def code_text(value: object) -> str | None:
    """A status-like code (`active`, `entered-in-error`) or None: never free text, never a list."""
    if not isinstance(value, str):
        return None
    return value if value in _USUAL_CODES or _CODE.fullmatch(value) else None


def codings(concept: object) -> list[Mapping[str, Any]]:
    """The codings of a CodeableConcept that are objects."""
    found = as_map(concept).get("coding")
    if not isinstance(found, list):
        return []
    return [coding for coding in found if isinstance(coding, dict)]


def lookup(concept: object, table: Mapping[Key, T]) -> T | None:
    """What `table` says a concept means; dorsum's own coding wins over other codings."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(found, list):
        return None
    hit: T | None = None
    for coding in found:
        if not isinstance(coding, dict):
            continue
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            continue
        if system in ICD_SYSTEMS:
            code = codes.icd10_key(code)
        item = table.get((system, code))
        if item is not None:
            if system.startswith(codes.LOCAL):
                return item
            hit = hit or item
    return hit


def code_label(concept: object) -> str:
    """How an unused concept is counted: its first 'system|code', never its free text."""
    for coding in codings(concept):
        system, code = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(code, str):
            return f"{system}|{code}"
    return "(text only)" if as_map(concept).get("text") else "(no code)"


def named(concept: object, pattern: re.Pattern[str], names: Mapping[str, T]) -> list[T]:
    """Everything whose name appears in the concept's text or codings' displays, in order."""
    texts = [as_map(concept).get("text")]
    texts += [coding.get("display") for coding in codings(concept)]
    found: list[T] = []
    for text in texts:
        if isinstance(text, str):
            for match in pattern.finditer(codes.plain(text)):
                item = names[match.group(0)]
                if item not in found:
                    found.append(item)
    return found


def status_code(concept: object) -> str | None:
    """The code of a status CodeableConcept (clinicalStatus, verificationStatus)."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    if isinstance(found, list):
        for coding in found:
            code = code_text(coding.get("code")) if isinstance(coding, dict) else None
            if code is not None:
                return code
    return None


def label_of(resource: Mapping[str, Any]) -> str:
    """How messages name a resource: 'Observation/42', or its type when it has no id."""
    own = resource.get("id")
    kind = resource.get("resourceType")
    return f"{kind}/{own}" if isinstance(own, str) else f"{kind} (without id)"
