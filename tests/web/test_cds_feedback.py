"""CDS Hooks feedback: stored per issued card uuid, refused for unknown cards, and tallied for
the admins of the clinic that runs the service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from dorsum.cds.cards import OVERRIDE_REASONS, OVERRIDE_SYSTEM
from dorsum.i18n import Localizer
from dorsum.storage.database import session_factory
from dorsum.storage.tables import CdsFeedback
from tests.fhir_server import EHR_FOR_TESTS as EHR
from tests.web.conftest import sign_in
from tests.web.test_cds_hooks import (
    BASE,
    ERROR,
    NOW,
    Cds,
    cds,
    draft,
    hook_request,
    intake,
    migrated,
    order_request,
    orders,
    schema,
)

FEEDBACK = schema("feedback")
__all__ = ["cds", "migrated"]  # the fixtures, shared with the hook tests


def send(cds: Cds, service: str, body: Any) -> Any:
    token = EHR.token(f"{BASE}/{service}", now=NOW.timestamp())
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return cds.client.post(
        f"/cds-services/{service}/feedback",
        content=content,
        headers={"Authorization": f"Bearer {token}"},
    )


def summary_card(cds: Cds) -> str:
    body = hook_request("patient-view", intake("teen-back-acne"))
    uuid: str = cds.call("dorsum-patient-view", body).json()["cards"][0]["uuid"]
    return uuid


def order_card(cds: Cds) -> str:
    drafts = orders(draft("sr-1", code="chemical_peel"))
    body = order_request("order-sign", intake("pregnant-acne"), drafts)
    uuid: str = cds.call("dorsum-order-sign", body).json()["cards"][0]["uuid"]
    return uuid


def accepted(card: str) -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "8f2c6a8e-5d0b-4c1e-9a37-2b4f6e1d0c59"}],
        "outcomeTimestamp": "2026-11-30T11:02:00Z",
    }


def overridden(
    card: str, code: str = "discussed-with-patient", comment: str = ""
) -> dict[str, Any]:
    reason: dict[str, Any] = {
        "reason": {"system": OVERRIDE_SYSTEM, "code": code, "display": OVERRIDE_REASONS[code]}
    }
    if comment:
        reason["userComment"] = comment
    return {
        "card": card,
        "outcome": "overridden",
        "overrideReason": reason,
        "outcomeTimestamp": "2026-11-30T11:03:00+01:00",
    }


def stored(cds: Cds) -> list[tuple[str, str, str, str]]:
    with session_factory(cds.client.app.state.engine)() as db:  # type: ignore[attr-defined]
        rows = db.scalars(select(CdsFeedback).order_by(CdsFeedback.id))
        return [(r.card_uuid, r.outcome, r.reason_code, r.user_comment) for r in rows]


def test_feedback_on_an_issued_card_is_stored(cds: Cds) -> None:
    """Accepted and overridden outcomes are kept against the card's uuid; the answer is {}."""
    summary, order = summary_card(cds), order_card(cds)
    first = {"feedback": [accepted(summary)]}
    second = {"feedback": [overridden(order, comment="Patient aware, dermatologist agrees")]}
    FEEDBACK.validate(first)
    FEEDBACK.validate(second)
    assert send(cds, "dorsum-patient-view", first).json() == {}
    response = send(cds, "dorsum-order-sign", second)
    assert response.status_code == 200
    assert response.json() == {}
    assert stored(cds) == [
        (summary, "accepted", "", ""),
        (order, "overridden", "discussed-with-patient", "Patient aware, dermatologist agrees"),
    ]


def test_feedback_for_an_unknown_card_is_a_404(cds: Cds) -> None:
    """A uuid dorsum never issued: 404 with a reason, and nothing stored."""
    unknown = "0b7c8f3e-4f55-4f38-9d2c-3f4c2f1d9e10"
    response = send(cds, "dorsum-patient-view", {"feedback": [accepted(unknown)]})
    assert response.status_code == 404
    ERROR.validate(response.json())
    assert unknown in response.json()["reason"]
    assert stored(cds) == []


def test_feedback_must_name_the_service_that_issued_the_card(cds: Cds) -> None:
    """A patient-view card's feedback sent to order-sign is refused."""
    card = summary_card(cds)
    response = send(cds, "dorsum-order-sign", {"feedback": [accepted(card)]})
    assert response.status_code == 404


def test_one_unknown_card_refuses_the_whole_feedback(cds: Cds) -> None:
    """Feedback is stored whole or not at all."""
    card = summary_card(cds)
    body = {"feedback": [accepted(card), accepted("11111111-2222-3333-4444-555555555555")]}
    assert send(cds, "dorsum-patient-view", body).status_code == 404
    assert stored(cds) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{oops", "not valid JSON"),
        ({"feedback": []}, "feedback"),
        (
            {
                "feedback": [
                    {"card": "x", "outcome": "ignored", "outcomeTimestamp": "2026-11-30T11:00:00Z"}
                ]
            },
            "outcome",
        ),
        ({"feedback": [{"card": "x", "outcome": "overridden"}]}, "outcomeTimestamp"),
        (
            {
                "feedback": [
                    {"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-11-30T11:00:00Z"}
                ]
            },
            "acceptedSuggestions",
        ),
        (
            {
                "feedback": [
                    {"card": "x", "outcome": "overridden", "outcomeTimestamp": "2026-11-30T11:00"}
                ]
            },
            "outcomeTimestamp",
        ),
    ],
)
def test_malformed_feedback_is_a_400(cds: Cds, body: Any, words: str) -> None:
    """Bad feedback is refused naming the field; a timestamp needs its time zone."""
    response = send(cds, "dorsum-patient-view", body)
    assert response.status_code == 400
    ERROR.validate(response.json())
    assert words in response.json()["reason"]


def test_feedback_needs_a_trusted_token(cds: Cds) -> None:
    """The feedback endpoint checks the JWT like every other call."""
    card = summary_card(cds)
    response = cds.client.post(
        "/cds-services/dorsum-patient-view/feedback",
        content=json.dumps({"feedback": [accepted(card)]}),
    )
    assert response.status_code == 401


def test_clinic_admins_see_counts_and_override_reasons(cds: Cds) -> None:
    """The admin page tallies accepted and overridden cards and shows why they were overridden."""
    summary, first, second = summary_card(cds), order_card(cds), order_card(cds)
    send(cds, "dorsum-patient-view", {"feedback": [accepted(summary)]})
    send(
        cds,
        "dorsum-order-sign",
        {"feedback": [overridden(first, comment="Seen by obstetrics"), overridden(second)]},
    )
    sign_in(cds.client, "admin@alpha.test")
    page = cds.client.get("/admin/cds-feedback")
    assert page.status_code == 200
    text = page.text
    assert f"{OVERRIDE_REASONS['discussed-with-patient']} (2)" in text
    assert "Seen by obstetrics" in text
    assert counts(2, 0, 2) in text  # two order cards issued, both overridden
    assert counts(1, 1, 0) in text  # one summary card, accepted


def language(cds: Cds, token: str, code: str) -> None:
    headers = {"referer": "https://testserver/admin"}
    cds.client.post("/language", data={"language": code, "csrf_token": token}, headers=headers)


def counts(issued: int, accepted: int, overridden: int) -> str:
    """A row's three counts as the page shows them (with labels for a stacked phone layout)."""
    cells = zip(("Issued", "Accepted", "Overridden"), (issued, accepted, overridden), strict=True)
    return "".join(f'<td><span class="stack-label">{k}: </span>{n}</td>' for k, n in cells)


def test_feedback_sent_twice_for_one_card_counts_once(cds: Cds) -> None:
    """An EHR that repeats its feedback on a card does not inflate the tallies."""
    card = order_card(cds)
    for _ in range(2):
        send(cds, "dorsum-order-sign", {"feedback": [overridden(card)]})
    sign_in(cds.client, "admin@alpha.test")
    text = cds.client.get("/admin/cds-feedback").text
    assert counts(1, 0, 1) in text


def test_dorsums_own_override_reasons_are_shown_in_the_admins_language(cds: Cds) -> None:
    """A reason from dorsum's code system shows in Spanish on the Spanish page, whatever
    display the EHR sent back."""
    card = order_card(cds)
    sent = overridden(card, code="does-not-apply")
    sent["overrideReason"]["reason"]["display"] = "n/a"
    send(cds, "dorsum-order-sign", {"feedback": [sent]})
    token = sign_in(cds.client, "admin@alpha.test")
    language(cds, token, "es")
    try:
        text = cds.client.get("/admin/cds-feedback").text
    finally:
        language(cds, token, "en")  # the admin is shared with the other tests
    spanish = Localizer("es").gettext(OVERRIDE_REASONS["does-not-apply"])
    assert spanish != OVERRIDE_REASONS["does-not-apply"]
    assert f"{spanish} (1)" in text


@pytest.mark.parametrize("email", ["practitioner@alpha.test", "admin@beta.test"])
def test_other_users_do_not_see_the_feedback_page(cds: Cds, email: str) -> None:
    """Only admins of the CDS clinic (here: alpha) see it."""
    sign_in(cds.client, email)
    assert cds.client.get("/admin/cds-feedback").status_code == 403
