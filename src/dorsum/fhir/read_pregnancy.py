"""The answer of a pregnancy-status Observation (LOINC 82810-3): pregnant, not, unknown, unreadable.

LOINC answers (LA15173-0 / LA26683-5 / LA4489-6) are read by code. Other answer codes (US Core
sends SNOMED CT, whose ids dorsum has not verified) are read by their words only: the
`display` of each coding and the concept's `text`, any case or accents. "not pregnant" and
"no embarazada" (the negation first) mean not pregnant; "pregnant" or "embarazada" with no
negation or doubt beside it means pregnant. Anything else is UNREADABLE: skipped and counted,
never guessed. When the codings disagree, pregnant wins (the cautious reading).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dorsum.fhir import codes
from dorsum.fhir import read_tables as tables

UNKNOWN = object()  # an answer that says nothing: it never overrides a known one
UNREADABLE = object()  # an answer dorsum cannot read: skipped, counted under its own reason

_BY_CODE: dict[tuple[str, str], object] = {
    (codes.LOINC, codes.PREGNANT): True,
    (codes.LOINC, codes.NOT_PREGNANT): False,
    (codes.LOINC, codes.PREGNANCY_UNKNOWN): UNKNOWN,
}
_NOT_PREGNANT = frozenset({"not pregnant", "no embarazada"})
_PREGNANT_WORDS = frozenset({"pregnant", "embarazada"})
_DOUBT_WORDS = frozenset(
    {"not", "no", "non", "unknown", "desconocido", "unsure", "ni", "nor", "never", "nunca"}
)


def pregnancy_answer(resource: Mapping[str, Any]) -> object:
    """True, False, UNKNOWN, UNREADABLE or None (no value at all)."""
    concept = resource.get("valueCodeableConcept")
    coded = tables.lookup(concept, _BY_CODE)
    if coded is not None:
        return coded
    if concept is None:
        value = resource.get("valueBoolean")
        return value if isinstance(value, bool) else None
    return _by_words(concept)


def _by_words(concept: object) -> object:
    texts = [tables.as_map(concept).get("text")]
    texts += [coding.get("display") for coding in tables.codings(concept)]
    readings = {_reading(codes.plain(text)) for text in texts if isinstance(text, str)}
    if True in readings:
        return True
    if False in readings:
        return False
    return UNREADABLE


def _reading(text: str) -> bool | None:
    if text in _NOT_PREGNANT:
        return False
    words = set(text.split())
    if words & _PREGNANT_WORDS and not words & _DOUBT_WORDS:
        return True
    return None
