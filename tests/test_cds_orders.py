"""Which dorsum treatment a draft order is for, and which draft orders a hook looks at."""

from __future__ import annotations

from typing import Any

import pytest

import dorsum
from dorsum.cds.errors import BadRequest
from dorsum.cds.orders import TREATMENT_SYSTEM, DraftOrder, draft_orders, treatment_of
from dorsum.i18n import LANGUAGES, Localizer

INDEX = dorsum.default_index()
PEEL_ES = Localizer("es").kb(INDEX.treatments["chemical_peel"].name)


def order(kind: str = "ServiceRequest", ident: str = "1", **fields: Any) -> dict[str, Any]:
    return {"resourceType": kind, "id": ident, "status": "draft", **fields}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


MATCHES: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "dorsum code",
        {"code": {"coding": [{"system": TREATMENT_SYSTEM, "code": "chemical_peel"}]}},
        "chemical_peel",
    ),
    (
        "unknown dorsum code",
        {"code": {"coding": [{"system": TREATMENT_SYSTEM, "code": "magic"}]}},
        None,
    ),
    (
        "same code, other system",
        {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "chemical_peel"}]}},
        None,
    ),
    ("English name, any case", {"code": {"text": "  CHEMICAL peel "}}, "chemical_peel"),
    ("Spanish name", {"code": {"text": PEEL_ES}}, "chemical_peel"),
    (
        "display",
        {"code": {"coding": [{"system": "urn:x", "code": "1", "display": "Chemical peel"}]}},
        "chemical_peel",
    ),
    ("treatment id", {"code": {"text": "chemical_peel"}}, "chemical_peel"),
    ("id with spaces", {"code": {"text": "Chemical Peel"}}, "chemical_peel"),
    ("unrelated", {"code": {"text": "Chest X-ray"}}, None),
    ("no code", {}, None),
]


@pytest.mark.parametrize(("case", "fields", "expected"), MATCHES, ids=[m[0] for m in MATCHES])
def test_an_order_is_matched_to_a_treatment(
    case: str, fields: dict[str, Any], expected: str | None
) -> None:
    """By dorsum's own code, or by name (English or Spanish) or id, case-insensitively."""
    [found] = draft_orders({"draftOrders": bundle(order(**fields))}, hook="order-sign")
    assert treatment_of(found, INDEX) == expected


def test_a_medication_request_is_read_by_its_medication() -> None:
    """MedicationRequest.medicationCodeableConcept names what is ordered."""
    drafted = order(
        "MedicationRequest", "m1", medicationCodeableConcept={"text": "Benzoyl peroxide"}
    )
    [found] = draft_orders({"draftOrders": bundle(drafted)}, hook="order-sign")
    assert found.reference == "MedicationRequest/m1"
    assert treatment_of(found, INDEX) == "benzoyl_peroxide"


def test_other_kinds_of_order_are_ignored() -> None:
    """A NutritionOrder is never a dorsum treatment."""
    drafted = {"resourceType": "NutritionOrder", "id": "n1", "status": "draft"}
    assert draft_orders({"draftOrders": bundle(drafted)}, hook="order-sign") == []


def test_order_select_keeps_only_the_selections() -> None:
    """order-select: the selected orders, by reference."""
    context = {
        "draftOrders": bundle(order(ident="a"), order(ident="b")),
        "selections": ["ServiceRequest/b"],
    }
    assert [o.reference for o in draft_orders(context, hook="order-select")] == ["ServiceRequest/b"]


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"draftOrders": []},
        {"draftOrders": {"resourceType": "ServiceRequest"}},
        {"draftOrders": bundle(order(ident=""))},
    ],
)
def test_draft_orders_that_cannot_be_read_are_refused(context: dict[str, Any]) -> None:
    """Not a Bundle, or an order without an id (a delete action needs it): BadRequest."""
    with pytest.raises(BadRequest):
        draft_orders(context, hook="order-sign")


def test_every_treatment_is_matched_by_its_names_in_both_languages() -> None:
    """No two treatments share a name: each name finds its own treatment."""
    for language in LANGUAGES:
        loc = Localizer(language)
        for treatment in INDEX.kb.treatments:
            drafted = DraftOrder("ServiceRequest/1", (), (loc.kb(treatment.name),))
            assert treatment_of(drafted, INDEX) == treatment.id, (language, treatment.id)
