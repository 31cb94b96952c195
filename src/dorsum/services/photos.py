"""Clinical photos: one body-map zone at one visit. Uploads are checked by their content and
cleaned of EXIF and GPS data (`dorsum.media.images`); files live in the clinic's part of the
photo store. Only clinical roles of the clinic see them, every file view is audited, and a
photo is taken or shown only while the patient's consent to photos for the clinical record
stands: withdrawing it hides every photo at once."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.i18n import N_
from dorsum.media.images import CleanImage, ImageRefused
from dorsum.media.store import MissingFile, PhotoStore, clinic_key
from dorsum.services import audit
from dorsum.services.actors import Actor
from dorsum.services.bodymap import ZONES
from dorsum.services.consents import active_consent
from dorsum.services.consultations import consultation_row
from dorsum.services.errors import InvalidInput, NotFound
from dorsum.services.patients import patient_row
from dorsum.services.photo_files import remove_once_committed, remove_unless_committed
from dorsum.services.transaction import use_case
from dorsum.storage.tables import Photo

NO_CONSENT = N_(
    "The patient has not consented to photos for the clinical record, or has withdrawn it. "
    "Record the consent first."
)
UNKNOWN_ZONE = N_("Choose the zone of the back the photo shows.")
HIDDEN = N_("This photo is hidden: the patient has not consented to photos, or withdrew it.")


class PhotoPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    consultation_id: int
    zone: str
    visit_date: date
    width: int
    height: int
    content_type: str
    source_format: str
    created_at: datetime


class Gallery(BaseModel):
    """A patient's photos, or none with `consented` false when the consent is missing."""

    consented: bool
    photos: list[PhotoPublic]


class VisitPhotos(BaseModel):
    """The photos taken at one visit (none with `consented` false)."""

    consultation_id: int
    patient_id: int
    visit_date: date
    consented: bool
    photos: list[PhotoPublic]


@use_case
def upload_photo(
    db: Session,
    *,
    actor: Actor,
    store: PhotoStore,
    consultation_id: int,
    zone: str,
    image: CleanImage | ImageRefused,
) -> PhotoPublic:
    """Keep a photo of `zone` taken at the consultation's visit. The caller checks and cleans
    the upload first (`dorsum.media.images.clean_upload`), before the database is touched:
    decoding a large photo takes a while, and no request may wait holding SQLite's write lock.
    A refused upload is reported here, after the zone and the consent."""
    actor.require_clinical()
    consultation = consultation_row(db, actor=actor, consultation_id=consultation_id)
    if zone not in ZONES:
        raise InvalidInput(UNKNOWN_ZONE, field="zone")
    consent = active_consent(
        db,
        clinic_id=actor.clinic_id,
        patient_id=consultation.patient_id,
        purpose="photos_clinical",
    )
    if consent is None:
        raise InvalidInput(NO_CONSENT, field="photo")
    if isinstance(image, ImageRefused):
        raise InvalidInput(image.message, field="photo", **image.values)
    name = uuid.uuid4().hex
    folder = f"patient-{consultation.patient_id}"
    extension = "png" if image.content_type == "image/png" else "jpg"
    keys = (
        clinic_key(actor.clinic_id, folder, f"{name}.{extension}"),
        clinic_key(actor.clinic_id, folder, f"{name}.thumb.jpg"),
    )
    remove_unless_committed(db, store, keys)
    store.put(keys[0], image.data, image.content_type)
    store.put(keys[1], image.thumbnail, "image/jpeg")
    row = Photo(
        clinic_id=actor.clinic_id,
        patient_id=consultation.patient_id,
        consultation_id=consultation.id,
        zone=zone,
        visit_date=consultation.visit_date,
        storage_key=keys[0],
        thumb_key=keys[1],
        content_type=image.content_type,
        source_format=image.source_format,
        width=image.width,
        height=image.height,
        size_bytes=len(image.data),
        sha256=image.sha256,
        consent_id=consent.id,
        created_by=actor.user_id,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        entity="photo",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    return PhotoPublic.model_validate(row)


def gallery(db: Session, *, actor: Actor, patient_id: int) -> Gallery:
    """The patient's photos, oldest visit first; none at all without a standing consent."""
    actor.require_clinical()
    patient = patient_row(db, actor=actor, patient_id=patient_id)
    if not _consented(db, clinic_id=actor.clinic_id, patient_id=patient.id):
        return Gallery(consented=False, photos=[])
    rows = db.scalars(
        select(Photo)
        .where(Photo.patient_id == patient.id, Photo.clinic_id == actor.clinic_id)
        .order_by(Photo.visit_date, Photo.id)
    )
    audit.record(db, actor=actor, action="read", entity="photos", patient_id=patient.id)
    return Gallery(consented=True, photos=[PhotoPublic.model_validate(r) for r in rows])


def visit_photos(db: Session, *, actor: Actor, consultation_id: int) -> VisitPhotos:
    """The photos of one consultation's visit, in body-map order."""
    actor.require_clinical()
    consultation = consultation_row(db, actor=actor, consultation_id=consultation_id)
    shown = gallery(db, actor=actor, patient_id=consultation.patient_id)
    order: dict[str, int] = {zone: n for n, zone in enumerate(ZONES)}
    photos = sorted(
        (p for p in shown.photos if p.consultation_id == consultation.id),
        key=lambda p: (order.get(p.zone, len(order)), p.id),
    )
    return VisitPhotos(
        consultation_id=consultation.id,
        patient_id=consultation.patient_id,
        visit_date=consultation.visit_date,
        consented=shown.consented,
        photos=photos,
    )


def photo_file(
    db: Session, *, actor: Actor, store: PhotoStore, photo_id: int, thumbnail: bool = False
) -> tuple[bytes, str]:
    """The image (or its thumbnail) and its media type. Every view is audited."""
    actor.require_clinical()
    row = _row(db, actor=actor, photo_id=photo_id)
    if not _consented(db, clinic_id=actor.clinic_id, patient_id=row.patient_id):
        raise NotFound(HIDDEN)
    audit.record(
        db,
        actor=actor,
        action="view",
        entity="photo",
        entity_id=row.id,
        patient_id=row.patient_id,
    )
    key, media_type = (
        (row.thumb_key, "image/jpeg") if thumbnail else (row.storage_key, row.content_type)
    )
    try:
        return store.get(key), media_type
    except MissingFile:
        raise NotFound(N_("The file of this photo is missing from the photo store.")) from None


@use_case
def delete_photo(db: Session, *, actor: Actor, store: PhotoStore, photo_id: int) -> PhotoPublic:
    """Remove a photo (taken by mistake, of the wrong zone); its files go once this commits."""
    actor.require_clinical()
    row = _row(db, actor=actor, photo_id=photo_id)
    gone = PhotoPublic.model_validate(row)
    remove_once_committed(db, store, (row.storage_key, row.thumb_key))
    db.delete(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="delete",
        entity="photo",
        entity_id=gone.id,
        patient_id=gone.patient_id,
    )
    return gone


def erase_files_with_patient(
    db: Session, *, store: PhotoStore, clinic_id: int, patient_id: int
) -> None:
    """Delete the patient's photo rows; their files go once the erasure commits."""
    rows = list(
        db.scalars(
            select(Photo).where(Photo.patient_id == patient_id, Photo.clinic_id == clinic_id)
        )
    )
    keys = [key for row in rows for key in (row.storage_key, row.thumb_key)]
    remove_once_committed(db, store, keys)
    for row in rows:
        db.delete(row)
    db.flush()


def _consented(db: Session, *, clinic_id: int, patient_id: int) -> bool:
    found = active_consent(
        db, clinic_id=clinic_id, patient_id=patient_id, purpose="photos_clinical"
    )
    return found is not None


def _row(db: Session, *, actor: Actor, photo_id: int) -> Photo:
    row = db.scalar(select(Photo).where(Photo.id == photo_id, Photo.clinic_id == actor.clinic_id))
    if row is None:
        raise NotFound(N_("There is no such photo in your clinic."))
    return row
