"""What clinicians did with dorsum's cards (CDS Hooks 2.0, "Feedback"): issued cards are kept
by uuid (patient-less: service, kind, treatment, indicator), the EHR's feedback is stored
against them, and clinic admins see accepted and overridden counts with the override reasons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dorsum.cds.cards import OVERRIDE_REASONS, OVERRIDE_SYSTEM
from dorsum.cds.errors import BadRequest, UnknownService
from dorsum.i18n import N_
from dorsum.services.actors import Actor
from dorsum.services.errors import Forbidden
from dorsum.storage.tables import CdsCard, CdsFeedback, Clinic

__all__ = [
    "CardTally",
    "FeedbackItem",
    "FeedbackRequest",
    "IssuedCard",
    "read_feedback",
    "record_cards",
    "record_feedback",
    "require_cds_admin",
    "tallies",
]

COMMENT_LIMIT = 500


@dataclass(frozen=True)
class IssuedCard:
    """A card as it is remembered: no patient data."""

    uuid: str
    kind: str  # summary | order_excluded | order_deferred | order_unchecked
    indicator: str
    treatment: str = ""


class Coding(BaseModel):
    model_config = ConfigDict(extra="allow")

    system: str = Field(default="", max_length=200)
    code: str = Field(default="", max_length=100)
    display: str = Field(default="", max_length=200)


class OverrideReason(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    reason: Coding | None = None
    user_comment: str = Field(default="", alias="userComment")


class AcceptedSuggestion(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    card: str = Field(min_length=1, max_length=36)
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: list[AcceptedSuggestion] | None = Field(
        default=None, alias="acceptedSuggestions"
    )
    override_reason: OverrideReason | None = Field(default=None, alias="overrideReason")
    outcome_timestamp: AwareDatetime = Field(alias="outcomeTimestamp")

    @model_validator(mode="after")
    def _accepted_names_its_suggestions(self) -> FeedbackItem:
        """The specification: acceptedSuggestions is REQUIRED for an accepted outcome."""
        if self.outcome == "accepted" and not self.accepted_suggestions:
            raise ValueError("acceptedSuggestions is required when the outcome is accepted")
        return self


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    feedback: list[FeedbackItem] = Field(min_length=1, max_length=100)


def read_feedback(body: bytes) -> FeedbackRequest:
    try:
        return FeedbackRequest.model_validate_json(body)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        if first["type"] == "json_invalid":
            raise BadRequest("the request body is not valid JSON") from None
        where = ".".join(str(part) for part in first["loc"])
        raise BadRequest(f"{where}: {first['msg']}") from None


def record_cards(db: Session, *, service: str, cards: Iterable[IssuedCard], now: datetime) -> None:
    """Remember issued cards, so that feedback can name them (a Core insert: this is on every
    call's path, and the ORM's unit of work costs more than the insert)."""
    rows = [
        {
            "uuid": card.uuid,
            "service": service,
            "kind": card.kind,
            "treatment": card.treatment,
            "indicator": card.indicator,
            "issued_at": now,
        }
        for card in cards
    ]
    if rows:
        db.execute(insert(CdsCard), rows)


def record_feedback(db: Session, *, service: str, request: FeedbackRequest, now: datetime) -> int:
    """Store every item, or none: UnknownService (404) names the first card not issued by this
    service."""
    uuids = {item.card for item in request.feedback}
    known = set(
        db.scalars(select(CdsCard.uuid).where(CdsCard.uuid.in_(uuids), CdsCard.service == service))
    )
    for item in request.feedback:
        if item.card not in known:
            raise UnknownService(f"feedback.card {item.card!r}: no such card from {service}")
    for item in request.feedback:
        reason = item.override_reason.reason if item.override_reason else None
        comment = item.override_reason.user_comment if item.override_reason else ""
        db.add(
            CdsFeedback(
                card_uuid=item.card,
                outcome=item.outcome,
                reason_system=reason.system if reason else "",
                reason_code=reason.code if reason else "",
                reason_display=reason.display if reason else "",
                user_comment=comment[:COMMENT_LIMIT],
                outcome_at=item.outcome_timestamp,
                received_at=now,
            )
        )
    return len(request.feedback)


@dataclass
class CardTally:
    """Feedback on one kind of card of one service."""

    service: str
    kind: str
    treatment: str
    issued: int = 0
    accepted: int = 0
    overridden: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    comments: list[str] = field(default_factory=list)


def tallies(db: Session, *, comments: int = 5) -> list[CardTally]:
    """Accepted and overridden counts and override reasons, per service and kind of card."""
    kind = (CdsCard.service, CdsCard.kind, CdsCard.treatment)
    found: dict[tuple[str, str, str], CardTally] = {
        (service, kind_, treatment): CardTally(service, kind_, treatment, issued=count)
        for service, kind_, treatment, count in db.execute(
            select(*kind, func.count()).group_by(*kind)
        )
    }
    cards = func.count(func.distinct(CdsFeedback.card_uuid))  # feedback sent twice counts once
    outcomes = (
        select(*kind, CdsFeedback.outcome, cards)
        .join(CdsFeedback, CdsFeedback.card_uuid == CdsCard.uuid)
        .group_by(*kind, CdsFeedback.outcome)
    )
    for service, kind_, treatment, outcome, count in db.execute(outcomes):
        tally = found[(service, kind_, treatment)]
        if outcome == "accepted":
            tally.accepted += count
        else:
            tally.overridden += count
    label = func.coalesce(func.nullif(CdsFeedback.reason_display, ""), CdsFeedback.reason_code)
    reasons = (
        select(*kind, CdsFeedback.reason_system, CdsFeedback.reason_code, label, func.count())
        .join(CdsFeedback, CdsFeedback.card_uuid == CdsCard.uuid)
        .where(CdsFeedback.outcome == "overridden", CdsFeedback.reason_code != "")
        .group_by(*kind, CdsFeedback.reason_system, CdsFeedback.reason_code, label)
    )
    for service, kind_, treatment, system, code, shown, count in db.execute(reasons):
        ours = system == OVERRIDE_SYSTEM and code in OVERRIDE_REASONS
        found[(service, kind_, treatment)].reasons[code if ours else shown] += count
    recent = (
        select(*kind, CdsFeedback.user_comment)
        .join(CdsFeedback, CdsFeedback.card_uuid == CdsCard.uuid)
        .where(CdsFeedback.user_comment != "")
        .order_by(CdsFeedback.outcome_at.desc())
        .limit(comments * max(len(found), 1))
    )
    for service, kind_, treatment, comment in db.execute(recent):
        tally = found[(service, kind_, treatment)]
        if len(tally.comments) < comments:
            tally.comments.append(comment)
    return sorted(found.values(), key=lambda t: (t.service, t.kind, t.treatment))


def require_cds_admin(db: Session, *, actor: Actor, clinic_slug: str) -> None:
    """Only admins of the clinic that runs the CDS Hooks service (DORSUM_CDS_CLINIC) see its
    feedback; the cards are not any one clinic's records, so other clinics see nothing."""
    actor.require("admin")
    clinic_id = db.scalar(select(Clinic.id).where(Clinic.slug == clinic_slug))
    if clinic_id != actor.clinic_id:
        raise Forbidden(N_("Only the CDS Hooks clinic's admins see this page."))
