"""The clinic's details for its letterhead: name, address, phone and logo, on every patient
report and consent form. Admins keep them; the logo is checked like a photo and kept small."""

from __future__ import annotations

import io

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.media.images import ImageRefused, Limits, clean_upload
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.errors import InvalidInput
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Clinic, User

LOGO_LIMITS = Limits(max_bytes=2_000_000, max_pixels=16_000_000)
LOGO_EDGE = 600


class ClinicDetailsInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=40)


class ClinicDetails(BaseModel):
    name: str
    address: str
    phone: str
    has_logo: bool


def clinic_details(db: Session, *, actor: Actor) -> ClinicDetails:
    clinic = _clinic(db, actor)
    return ClinicDetails(
        name=clinic.name, address=clinic.address, phone=clinic.phone, has_logo=bool(clinic.logo)
    )


def clinic_logo(db: Session, *, actor: Actor) -> tuple[bytes, str] | None:
    """The logo and its media type, if the clinic has one."""
    clinic = _clinic(db, actor)
    return (clinic.logo, clinic.logo_type) if clinic.logo else None


@use_case
def update_details(
    db: Session,
    *,
    actor: Actor,
    data: ClinicDetailsInput,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> ClinicDetails:
    """Replace the details; a new logo replaces the old one, `remove_logo` drops it."""
    actor.require("admin")
    clinic = _clinic(db, actor)
    if logo:
        clinic.logo, clinic.logo_type = _checked_logo(logo)
    elif remove_logo:
        clinic.logo, clinic.logo_type = None, ""
    clinic.name, clinic.address, clinic.phone = data.name, data.address, data.phone
    db.flush()
    audit.record(db, actor=actor, action="update", entity="clinic", entity_id=clinic.id)
    return clinic_details(db, actor=actor)


def staff_name(db: Session, *, actor: Actor, user_id: int | None) -> str:
    """A member of staff's name, for the report's "prepared by" line ("" if unknown)."""
    if user_id is None:
        return ""
    name = db.scalar(select(User.name).where(User.id == user_id, User.clinic_id == actor.clinic_id))
    return name or ""


def _checked_logo(data: bytes) -> tuple[bytes, str]:
    try:
        image = clean_upload(data, LOGO_LIMITS)
    except ImageRefused as refused:
        raise InvalidInput(refused.message, field="logo", **refused.values) from None
    if max(image.width, image.height) <= LOGO_EDGE:
        return image.data, image.content_type
    with Image.open(io.BytesIO(image.data)) as opened:
        opened.thumbnail((LOGO_EDGE, LOGO_EDGE))
        out = io.BytesIO()
        opened.save(out, format="PNG" if image.content_type == "image/png" else "JPEG")
    return out.getvalue(), image.content_type


def _clinic(db: Session, actor: Actor) -> Clinic:
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None  # an actor's clinic exists while they are signed in
    return clinic
