"""What makes a patient report the clinic's own: its letterhead (name, address, phone, logo),
the patient's and the practitioner's names, and, under the patient's photo consent, the before
photos of the zones the plan treats."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.media.images import ImageRefused, Limits, downscaled_jpeg
from dorsum.media.store import MissingFile, PhotoStore
from dorsum.reports.letterhead import Letterhead, ReportPhoto
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.bodymap import ZONES
from dorsum.services.clinic_details import staff_name
from dorsum.services.consents import active_consent
from dorsum.services.patients import patient_row
from dorsum.services.plans import plan_rows
from dorsum.storage.tables import Clinic, Photo

REPORT_EDGE = 800
# stored photos were checked on upload, under whatever limits applied then
STORED = Limits(max_bytes=1_000_000_000, max_pixels=1_000_000_000)
log = logging.getLogger(__name__)


def letterhead_for(db: Session, *, actor: Actor, plan_id: int) -> Letterhead:
    """The clinic's letterhead with the plan's patient and the practitioner who made it."""
    plan, _version, consultation = plan_rows(db, clinic_id=actor.clinic_id, plan_id=plan_id)
    return clinic_letterhead(
        db,
        actor=actor,
        patient_id=consultation.patient_id,
        practitioner=staff_name(db, actor=actor, user_id=plan.created_by),
    )


def clinic_letterhead(
    db: Session, *, actor: Actor, patient_id: int, practitioner: str = ""
) -> Letterhead:
    """The clinic's name, address, phone and logo, with the patient's name."""
    clinic = db.get(Clinic, actor.clinic_id)
    assert clinic is not None  # an actor's clinic exists while they are signed in
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    return Letterhead(
        clinic_name=clinic.name,
        address=clinic.address,
        phone=clinic.phone,
        logo=clinic.logo,
        logo_type=clinic.logo_type,
        patient_name=patient.name,
        practitioner_name=practitioner,
    )


def before_photos(
    db: Session, *, actor: Actor, store: PhotoStore, plan_id: int, zone_label: dict[str, str]
) -> list[ReportPhoto]:
    """For each zone the plan treats, its latest photo from the plan's visit or before (else
    the zone's first photo); none without the patient's standing photo consent."""
    _plan_row, version, consultation = plan_rows(db, clinic_id=actor.clinic_id, plan_id=plan_id)
    if (
        active_consent(
            db,
            clinic_id=actor.clinic_id,
            patient_id=consultation.patient_id,
            purpose="photos_clinical",
        )
        is None
    ):
        return []
    rows = list(
        db.scalars(
            select(Photo)
            .where(Photo.patient_id == consultation.patient_id, Photo.clinic_id == actor.clinic_id)
            .order_by(Photo.visit_date, Photo.id)
        )
    )
    treated = _treated_zones(version.body_map) or {row.zone for row in rows}
    chosen = []
    for zone in (z for z in ZONES if z in treated):
        photos = [row for row in rows if row.zone == zone]
        before = [row for row in photos if row.visit_date <= consultation.visit_date]
        pick = before[-1] if before else (photos[0] if photos else None)
        if pick is not None:
            chosen.append(pick)
    for row in chosen:
        audit.record(
            db,
            actor=actor,
            action="export",
            entity="photo",
            entity_id=row.id,
            patient_id=row.patient_id,
        )
    return [photo for photo in (_report_photo(store, row, zone_label) for row in chosen) if photo]


def _report_photo(store: PhotoStore, row: Photo, zone_label: dict[str, str]) -> ReportPhoto | None:
    """The photo made small for the report; None if its file is missing from the store."""
    try:
        jpeg = downscaled_jpeg(store.get(row.storage_key), REPORT_EDGE, STORED)
    except (MissingFile, ImageRefused):
        log.warning("photo %s cannot be read from the store; left out of the report", row.id)
        return None
    return ReportPhoto(zone=zone_label.get(row.zone, row.zone), taken_on=row.visit_date, jpeg=jpeg)


def _treated_zones(body_map: dict[str, object]) -> set[str]:
    zones = body_map.get("zones")
    if not isinstance(zones, dict):
        return set()
    return {
        zone for zone, counts in zones.items() if isinstance(counts, dict) and any(counts.values())
    }
