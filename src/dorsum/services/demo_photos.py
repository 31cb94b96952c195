"""Demo photos: the demo clinic's letterhead, and for the patient seen three times, a photo
consent and a photo of the upper-left zone at each visit, drawn so that the spots fade as the
counts fall. The images are real JPEG files made here, checked and stored like any upload."""

from __future__ import annotations

import base64
import io
import random
from datetime import UTC, datetime, time

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.media.images import clean_upload
from dorsum.media.store import PhotoStore
from dorsum.services import photos
from dorsum.services.auth import actor_of
from dorsum.services.consents import ConsentInput, record_consent
from dorsum.storage.tables import Clinic, Consultation, Patient, User

ADDRESS = "Calle de la Salud 12, 3.º\n28001 Madrid"
PHONE = "+34 910 000 123"
PHOTOGRAPHED = "Daniel Ortega"
ZONE = "upper_left"
GUARDIAN = "Elena Ortega (mother), with Daniel Ortega"


def photograph_demo(db: Session, *, store: PhotoStore, now: datetime) -> int:
    """Add the demo's letterhead, consent and photos; the number of photos added."""
    clinic = db.scalar(select(Clinic).where(Clinic.slug == "demo"))
    doctor = db.scalar(select(User).where(User.email == "doctor@demo.dorsum.test"))
    if clinic is None or doctor is None:
        return 0
    clinic.address, clinic.phone = ADDRESS, PHONE
    patient = db.scalar(
        select(Patient).where(Patient.clinic_id == clinic.id, Patient.name == PHOTOGRAPHED)
    )
    if patient is None:
        return 0
    actor = actor_of(doctor)
    visits = db.scalars(
        select(Consultation)
        .where(Consultation.patient_id == patient.id)
        .order_by(Consultation.visit_date)
    ).all()
    if not visits:
        return 0
    # signed at the first visit, before its photo; he is 16, so his mother signs with him
    consent = ConsentInput(
        purpose="photos_clinical", signed_by=GUARDIAN, signature=signature_data_url()
    )
    signed = datetime.combine(visits[0].visit_date, time(9, 0), tzinfo=UTC)
    record_consent(db, actor=actor, patient_id=patient.id, data=consent, now=min(signed, now))
    for step, visit in enumerate(visits):
        photos.upload_photo(
            db,
            actor=actor,
            store=store,
            consultation_id=visit.id,
            zone=ZONE,
            image=clean_upload(back_photo(spots=max(0, 28 - 12 * step), seed=step)),
        )
    return len(visits)


def back_photo(*, spots: int, seed: int) -> bytes:
    """A stand-in photo of skin with `spots` red papules, as a camera JPEG."""
    rng = random.Random(seed)
    image = Image.new("RGB", (960, 720), (224, 182, 150))
    draw = ImageDraw.Draw(image)
    for _ in range(spots):
        x, y, r = rng.randint(60, 900), rng.randint(60, 660), rng.randint(6, 14)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(196, 92, 86))
    softened = image.filter(ImageFilter.GaussianBlur(3))
    out = io.BytesIO()
    softened.save(out, format="JPEG", quality=88)
    return out.getvalue()


def signature_data_url() -> str:
    """A signature as the signature pad sends it."""
    image = Image.new("RGBA", (420, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(20, 110), (70, 40), (110, 120), (170, 50), (230, 115), (300, 60), (400, 90)],
        fill="#14213d",
        width=4,
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
