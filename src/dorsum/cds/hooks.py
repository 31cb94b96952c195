"""One hook call, from the EHR's request to the cards: read the patient's FHIR resources
(prefetched or fetched), read them as an intake (`dorsum.fhir.reading`), assess it with
`dorsum.assess`, and render the same `Assessment` as cards. No database here: the caller stores
the issued cards (patient-less, by uuid, for the feedback endpoint) in a short transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx2 as httpx

import dorsum
from dorsum.cds.cards import exclusion_card, indicator_for, summary_card, unchecked_card
from dorsum.cds.errors import BadRequest
from dorsum.cds.feedback import IssuedCard
from dorsum.cds.fetching import FhirReader
from dorsum.cds.orders import DraftOrder, draft_orders, treatment_of
from dorsum.cds.prefetch import gather
from dorsum.cds.request import HookRequest
from dorsum.cds.services import Service
from dorsum.core.assessment import Assessment, Exclusion
from dorsum.core.cache import AssessmentCache
from dorsum.core.errors import IntakeError
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.errors import FhirError
from dorsum.fhir.reading import intake_from_resources
from dorsum.i18n import Language, Localizer

__all__ = ["Answer", "Call", "answer"]


@dataclass(frozen=True)
class Call:
    """Everything one hook call needs besides the request: where and when it is answered."""

    index: KnowledgeIndex
    today: date
    language: Language
    http: httpx.Client  # for the EHR's FHIR server
    link: str  # where a card's "Open in dorsum" link points
    cache: AssessmentCache | None = None


@dataclass(frozen=True)
class Answer:
    """The response to send, and the cards to remember."""

    response: dict[str, Any]
    issued: list[IssuedCard]


def answer(*, service: Service, request: HookRequest, call: Call) -> Answer:
    """The CDS Hooks response to one call of `service`."""
    if request.hook != service.hook:
        raise BadRequest(f"hook must be {service.hook!r} for {service.id}, not {request.hook!r}")
    reader = None
    if request.fhir_server:
        token = request.fhir_authorization.access_token if request.fhir_authorization else None
        reader = FhirReader(client=call.http, server=request.fhir_server, token=token)
    loc = Localizer(call.language)
    if service.hook == "patient-view":
        cards, issued = _summary(_assessment(gather(request, reader), call), call, loc)
    else:
        orders = [
            (order, treatment)
            for order in draft_orders(request.context, hook=service.hook)
            if (treatment := treatment_of(order, call.index)) is not None
        ]
        if not orders:  # no order is for a dorsum treatment: nothing to read or say
            return Answer({"cards": []}, [])
        assessment = _assessment(gather(request, reader), call)
        cards, issued = _order_cards(orders, assessment, call, loc)
    return Answer({"cards": cards}, issued)


def _assessment(resources: list[dict[str, Any]], call: Call) -> Assessment:
    try:
        read = intake_from_resources(resources, today=call.today)
        return dorsum.assess(
            read.intake,
            today=call.today,
            index=call.index,
            language=call.language,
            cache=call.cache,
        )
    except FhirError as error:
        raise BadRequest(f"the patient's FHIR data cannot be read: {error}") from None
    except IntakeError as error:
        raise BadRequest(f"the patient's FHIR data is not a complete intake: {error}") from None


def _summary(
    assessment: Assessment, call: Call, loc: Localizer
) -> tuple[list[dict[str, Any]], list[IssuedCard]]:
    """One summary card, or none when the record holds nothing about the back's skin (a card
    on every chart saying "nothing found" would be noise in the EHR)."""
    if not (assessment.conditions or assessment.excluded or assessment.referral.reasons):
        return [], []
    card_id = str(uuid.uuid4())
    card = summary_card(assessment, index=call.index, loc=loc, uuid=card_id, link=call.link)
    return [card], [IssuedCard(uuid=card_id, kind="summary", indicator=indicator_for(assessment))]


def _order_cards(
    orders: list[tuple[DraftOrder, str]], assessment: Assessment, call: Call, loc: Localizer
) -> tuple[list[dict[str, Any]], list[IssuedCard]]:
    excluded: dict[str, list[Exclusion]] = {}
    for item in assessment.excluded:
        excluded.setdefault(item.treatment, []).append(item)
    weighed = assessment.recommended_ids() | excluded.keys()
    cards: list[dict[str, Any]] = []
    issued: list[IssuedCard] = []
    for order, treatment in orders:
        card_id = str(uuid.uuid4())
        if treatment not in weighed:
            unchecked = unchecked_card(
                treatment, assessment=assessment, index=call.index, loc=loc, uuid=card_id
            )
            cards.append(unchecked)
            issued.append(IssuedCard(card_id, "order_unchecked", "info", treatment))
            continue
        exclusions = excluded.get(treatment)
        if exclusions is None:
            continue
        card = exclusion_card(
            exclusions,
            order=order.reference,
            assessment=assessment,
            index=call.index,
            loc=loc,
            uuid=card_id,
            suggestion=str(uuid.uuid4()),
        )
        deferred = all(r.until is not None for e in exclusions for r in e.reasons)
        kind = "order_deferred" if deferred else "order_excluded"
        cards.append(card)
        issued.append(IssuedCard(card_id, kind, card["indicator"], treatment))
    return cards, issued
