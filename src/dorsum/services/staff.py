"""Staff who perform treatments: their skills (booked treatments), whether they are a
physician, an optional link to their user account, and their weekly roster.

A physician-only treatment (`physician_required` in the knowledge base) is a skill only a
physician may have: the scheduler trusts the skills, so the refusal happens here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_
from dorsum.scheduling.needs import booked_treatments
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.deactivation import refuse_if_booked_ahead
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.resources import (
    ResourceId,
    TreatmentId,
    change_action,
    check_name_free,
    refuse_nul,
    require_reader,
)
from dorsum.services.roster import check_roster
from dorsum.services.text import Name
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Appointment, StaffMember, User

Roster = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(refuse_nul)
]


STILL_BOOKED = N_(
    "Bookings ahead with this staff member: %(count)s. "
    "Give them to someone else (or cancel them) first, then deactivate this staff member."
)
NO_SKILL = N_("Choose at least one treatment this staff member performs.")


class StaffInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    user_id: ResourceId | None = None
    physician: bool = False
    skills: list[TreatmentId] = Field(default_factory=list, max_length=60)
    roster: Roster = Field(default="", description='Like the opening hours: "mon-fri 09:00-17:00"')
    active: bool = True


class StaffPublic(BaseModel):
    id: int
    name: str
    user_id: int | None
    physician: bool
    skills: list[str]
    roster: str
    active: bool


def list_staff(db: Session, *, actor: Actor) -> list[StaffPublic]:
    """The clinic's staff, active ones first."""
    require_reader(actor)
    rows = db.scalars(
        select(StaffMember)
        .where(StaffMember.clinic_id == actor.clinic_id)
        .order_by(StaffMember.active.desc(), StaffMember.name, StaffMember.id)
    )
    return [_public(row) for row in rows]


def get_staff(db: Session, *, actor: Actor, staff_id: int) -> StaffPublic:
    require_reader(actor)
    return _public(staff_row(db, clinic_id=actor.clinic_id, staff_id=staff_id))


@use_case
def create_staff(
    db: Session, *, actor: Actor, data: StaffInput, index: KnowledgeIndex
) -> StaffPublic:
    actor.require("admin")
    check_name_free(db, StaffMember, clinic_id=actor.clinic_id, name=data.name)
    member = StaffMember(clinic_id=actor.clinic_id)
    _fill(db, member, data=data, index=index)
    db.add(member)
    db.flush()
    audit.record(db, actor=actor, action="create", entity="staff", entity_id=member.id)
    return _public(member)


@use_case
def update_staff(
    db: Session,
    *,
    actor: Actor,
    staff_id: int,
    data: StaffInput,
    index: KnowledgeIndex,
    now: datetime,
) -> StaffPublic:
    """Change anything about a staff member; the same checks as adding one, and none of their
    bookings left ahead when deactivating."""
    actor.require("admin")
    member = staff_row(db, clinic_id=actor.clinic_id, staff_id=staff_id)
    check_name_free(db, StaffMember, clinic_id=actor.clinic_id, name=data.name, record_id=member.id)
    if member.active and not data.active:
        _refuse_if_booked(db, staff_id=member.id, now=now)
    action = change_action(was_active=member.active, active=data.active)
    _fill(db, member, data=data, index=index)
    db.flush()
    audit.record(db, actor=actor, action=action, entity="staff", entity_id=member.id)
    return _public(member)


@use_case
def deactivate_staff(db: Session, *, actor: Actor, staff_id: int, now: datetime) -> None:
    """Staff are deactivated, never deleted: past bookings keep naming them. Bookings still
    ahead must be given to someone else first."""
    actor.require("admin")
    member = staff_row(db, clinic_id=actor.clinic_id, staff_id=staff_id)
    _refuse_if_booked(db, staff_id=member.id, now=now)
    member.active = False
    db.flush()
    audit.record(db, actor=actor, action="deactivate", entity="staff", entity_id=member.id)


def _refuse_if_booked(db: Session, *, staff_id: int, now: datetime) -> None:
    refuse_if_booked_ahead(
        db, column=Appointment.staff_id, record_id=staff_id, now=now, message=STILL_BOOKED
    )


def staff_row(db: Session, *, clinic_id: int, staff_id: int) -> StaffMember:
    member = db.scalar(
        select(StaffMember).where(StaffMember.id == staff_id, StaffMember.clinic_id == clinic_id)
    )
    if member is None:
        raise NotFound(N_("There is no such staff member in your clinic."))
    return member


def check_skills(skills: list[str], *, physician: bool, index: KnowledgeIndex) -> list[str]:
    """The skills in the knowledge base's order, each a booked treatment, and physician-only
    ones only for a physician; at least one (someone with none could never be booked)."""
    if not skills:
        raise InvalidInput(NO_SKILL, field="skills")
    booked = booked_treatments(index)
    for treatment in skills:
        if treatment not in booked:
            raise InvalidInput(
                N_("“%(treatment)s” is not a treatment given in sessions here."),
                field="skills",
                treatment=treatment,
            )
        entry = index.treatments[treatment]
        if entry.physician_required and not physician:
            raise InvalidInput(
                N_(
                    "%(treatment)s must be performed by a physician: mark the staff member "
                    "as a physician or remove this skill."
                ),
                field="skills",
                treatment=entry.name,
            )
    return [treatment for treatment in booked if treatment in skills]


def _fill(db: Session, member: StaffMember, *, data: StaffInput, index: KnowledgeIndex) -> None:
    if data.user_id is not None:
        clinic_of_user = db.scalar(select(User.clinic_id).where(User.id == data.user_id))
        if clinic_of_user != member.clinic_id:
            raise InvalidInput(N_("Choose a user of your clinic."), field="user_id")
    member.name = data.name
    member.user_id = data.user_id
    member.physician = data.physician
    member.skills = {"treatments": check_skills(data.skills, physician=data.physician, index=index)}
    member.roster = check_roster(data.roster)
    member.active = data.active


def _public(member: StaffMember) -> StaffPublic:
    return StaffPublic(
        id=member.id,
        name=member.name,
        user_id=member.user_id,
        physician=member.physician,
        skills=list((member.skills or {}).get("treatments", [])),
        roster=member.roster,
        active=member.active,
    )
