"""Progress seen, not only charted: for one zone of the back, each visit's photos beside that
visit's counts in the zone and the severity graded at it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session

from dorsum.services.actors import Actor
from dorsum.services.bodymap import ACNE_FIELDS, SCAR_FIELDS, ZONES
from dorsum.services.consultations import ConsultationPublic, list_consultations
from dorsum.services.errors import InvalidInput
from dorsum.services.photos import UNKNOWN_ZONE, PhotoPublic, gallery


class Visit(BaseModel):
    consultation_id: int
    visit_date: date
    photos: list[PhotoPublic]
    counts: dict[str, int]  # the zone's non-zero counts by kind (papules, boxcar, ...)
    lesions: int
    scars: int
    severities: list[tuple[str, str]]  # (condition name as assessed, mild | moderate | severe)


class Comparison(BaseModel):
    zone: str
    consented: bool
    visits: list[Visit]  # oldest first
    photographed: list[str]  # the zones that have photos, in body-map order


def compare_zone(
    db: Session, *, actor: Actor, patient_id: int, zone: str | None = None
) -> Comparison:
    """Every visit of the patient, oldest first, with its photos of `zone` and its findings.
    Without a zone, the first zone that has photos (in body-map order) is shown."""
    if zone is not None and zone not in ZONES:
        raise InvalidInput(UNKNOWN_ZONE, field="zone")
    photos = gallery(db, actor=actor, patient_id=patient_id)
    visits = list_consultations(db, actor=actor, patient_id=patient_id)
    taken = {photo.zone for photo in photos.photos}
    photographed = [z for z in ZONES if z in taken]
    if zone is None:
        zone = (photographed or list(ZONES))[0]
    by_visit: dict[int, list[PhotoPublic]] = {}
    for photo in photos.photos:
        if photo.zone == zone:
            by_visit.setdefault(photo.consultation_id, []).append(photo)
    return Comparison(
        zone=zone,
        consented=photos.consented,
        visits=[_visit(v, zone, by_visit.get(v.id, [])) for v in reversed(visits)],
        photographed=photographed,
    )


def _visit(consultation: ConsultationPublic, zone: str, photos: list[PhotoPublic]) -> Visit:
    counts = {
        kind: int(number)
        for kind, number in (consultation.body_map.get("zones", {}).get(zone) or {}).items()
        if number
    }
    parsed = consultation.parsed()
    severities = [(c.name, c.severity) for c in parsed[1].conditions] if parsed else []
    return Visit(
        consultation_id=consultation.id,
        visit_date=consultation.visit_date,
        photos=photos,
        counts=counts,
        lesions=sum(counts.get(kind, 0) for kind in ACNE_FIELDS),
        scars=sum(counts.get(kind, 0) for kind in SCAR_FIELDS),
        severities=severities,
    )
