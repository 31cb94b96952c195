"""Draft orders (order-select, order-sign) and the dorsum treatment each one is for.

An order is for a dorsum treatment when (first match wins):
1. a coding in dorsum's own treatment code system (`https://dorsum.dev/fhir/CodeSystem/treatment`,
   the same codes dorsum's FHIR export writes) has the treatment's id as its code; or
2. its code's `text` or a coding's `display`, case-folded and trimmed, equals the treatment's
   name in English or Spanish, or its id (with `_` or spaces).

The code read is ServiceRequest.code, Procedure.code or MedicationRequest.medicationCodeableConcept.
order-select looks only at the orders in `context.selections`; order-sign at every draft order.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dorsum.cds.errors import BadRequest
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.documents import resources_in
from dorsum.fhir.entries import LOCAL
from dorsum.fhir.errors import FhirError
from dorsum.i18n import LANGUAGES, Localizer

__all__ = ["ORDER_CODE", "TREATMENT_SYSTEM", "DraftOrder", "draft_orders", "treatment_of"]

TREATMENT_SYSTEM = LOCAL + "treatment"
ORDER_CODE = {
    "ServiceRequest": "code",
    "Procedure": "code",
    "MedicationRequest": "medicationCodeableConcept",
}


@dataclass(frozen=True)
class DraftOrder:
    """What dorsum needs of a draft order: its reference, and its code's codings and words."""

    reference: str  # "ServiceRequest/<id>", the resourceId a delete action names
    codes: tuple[tuple[str, str], ...]
    words: tuple[str, ...]


def draft_orders(context: Mapping[str, Any], *, hook: str) -> list[DraftOrder]:
    """The draft orders the hook asks about (order-select: only the selected ones)."""
    bundle = context.get("draftOrders")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BadRequest("context.draftOrders must be a FHIR Bundle of the draft orders")
    try:
        resources = resources_in(bundle)
    except FhirError as error:
        raise BadRequest(f"context.draftOrders: {error}") from None
    orders = [_order(resource, n) for n, resource in enumerate(resources)]
    found = [order for order in orders if order is not None]
    if hook != "order-select":
        return found
    selections = context.get("selections")
    if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
        raise BadRequest(
            "context.selections must list the selected orders, e.g. 'ServiceRequest/1'"
        )
    chosen = set(selections)
    return [order for order in found if order.reference in chosen]


def _order(resource: Mapping[str, Any], n: int) -> DraftOrder | None:
    kind = resource.get("resourceType")
    if kind not in ORDER_CODE:
        return None  # other orders (nutrition, vision, ...) are never dorsum treatments
    ident = resource.get("id")
    if not isinstance(ident, str) or not ident:
        raise BadRequest(f"context.draftOrders entry {n} ({kind}) has no id")
    concept = resource.get(ORDER_CODE[kind])
    codes: list[tuple[str, str]] = []
    words: list[str] = []
    if isinstance(concept, dict):
        if isinstance(concept.get("text"), str):
            words.append(concept["text"])
        for coding in concept.get("coding") or []:
            if not isinstance(coding, dict):
                continue
            if isinstance(coding.get("system"), str) and isinstance(coding.get("code"), str):
                codes.append((coding["system"], coding["code"]))
            if isinstance(coding.get("display"), str):
                words.append(coding["display"])
    return DraftOrder(reference=f"{kind}/{ident}", codes=tuple(codes), words=tuple(words))


def treatment_of(order: DraftOrder, index: KnowledgeIndex) -> str | None:
    """The dorsum treatment id an order is for, or None."""
    for system, code in order.codes:
        if system == TREATMENT_SYSTEM and code in index.treatments:
            return code
    names = _names(index)
    for word in order.words:
        found = names.get(_fold(word))
        if found is not None:
            return found
    return None


# built once per knowledge base, and forgotten with it (a strong reference would keep every
# knowledge base ever loaded, e.g. one per test application)
_NAMES: weakref.WeakKeyDictionary[KnowledgeIndex, dict[str, str]] = weakref.WeakKeyDictionary()


def _names(index: KnowledgeIndex) -> dict[str, str]:
    """Folded name or id -> treatment id."""
    cached = _NAMES.get(index)
    if cached is not None:
        return cached
    names: dict[str, str] = {}
    for language in LANGUAGES:
        loc = Localizer(language)
        for treatment in index.kb.treatments:
            names.setdefault(_fold(loc.kb(treatment.name)), treatment.id)
    for treatment in index.kb.treatments:
        names.setdefault(_fold(treatment.id), treatment.id)
        names.setdefault(_fold(treatment.id.replace("_", " ")), treatment.id)
    _NAMES[index] = names
    return names


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
