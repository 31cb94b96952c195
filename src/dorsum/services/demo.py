"""Demo data: two clinics (to show that they never see each other's patients), a user of each
role, and patients built from the example intakes, some with several visits and a plan."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.services.auth import actor_of
from dorsum.services.consultations import ConsultationInput, create_consultation
from dorsum.services.patients import PatientCreate, create_patient
from dorsum.services.plans import PlanRequest, create_plan
from dorsum.services.users import create_clinic, create_user
from dorsum.storage.tables import Clinic, User

PASSWORD = "dorsum-demo-2026"
USERS = [
    ("admin@demo.dorsum.test", "Ana Admin", "admin", "en"),
    ("doctor@demo.dorsum.test", "Dra. Lucía Pérez", "practitioner", "en"),
    ("reception@demo.dorsum.test", "Raúl Recepción", "reception", "es"),
]
PATIENTS = {
    "teen-back-acne": ("Daniel Ortega", date(2010, 3, 14), "male"),
    "pregnant-acne": ("María López", date(1997, 7, 2), "female"),
    "severe-acne-scars": ("Javier Ruiz", date(1995, 1, 20), "male"),
    "mild-scars-after-isotretinoin": ("Carmen Vidal", date(2004, 5, 9), "female"),
    "stretch-marks": ("Lucía Gómez", date(2002, 10, 30), "female"),
    "bra-fat": ("Isabel Navarro", date(1982, 4, 11), "female"),
    "burn-scar-keloid-tendency": ("Rosa Martín", date(1988, 8, 8), "female"),
}


def examples_directory() -> Path:
    """The example intakes ship inside the package, so an installed dorsum has its demo."""
    return Path(str(resources.files("dorsum") / "examples"))


def load_demo(
    db: Session,
    *,
    today: date,
    index: KnowledgeIndex,
    examples: Path | None = None,
) -> bool:
    """Create the demo data once, assessed with `index` as of `today` (the clinic's); False if
    it is already there."""
    if db.scalar(select(Clinic).where(Clinic.slug == "demo")) is not None:
        return False
    clinic = create_clinic(db, slug="demo", name="Clínica Dorsum (demo)")
    other = create_clinic(db, slug="other", name="Another clinic")
    users = [
        create_user(
            db,
            clinic_id=clinic.id,
            email=e,
            name=n,
            password=PASSWORD,
            role=r,  # type: ignore[arg-type]
            language=lang,
        )
        for e, n, r, lang in USERS
    ]
    create_user(
        db,
        clinic_id=other.id,
        email="doctor@other.dorsum.test",
        name="Dr. Other",
        password=PASSWORD,
        role="practitioner",
    )
    doctor = actor_of(users[1])
    folder = examples or examples_directory()
    for stem, (name, born, sex) in PATIENTS.items():
        path = folder / f"{stem}.json"
        if not path.exists():
            continue
        intake: dict[str, Any] = json.loads(path.read_text())
        patient = create_patient(
            db,
            actor=doctor,
            data=PatientCreate(name=name, birth_date=born, sex=sex, email=f"{stem}@patients.test"),
            today=today,
        )
        visits = _history(intake) if stem == "teen-back-acne" else [(today, intake)]
        for visit_date, visit_intake in visits:
            consultation = create_consultation(
                db,
                actor=doctor,
                patient_id=patient.id,
                index=index,
                today=visit_date,
                data=ConsultationInput(intake=visit_intake, visit_date=visit_date),
            )
        if stem == "severe-acne-scars":
            create_plan(
                db,
                actor=doctor,
                consultation_id=consultation.id,
                index=index,
                today=today,
                request=PlanRequest(choose=["punch_excision", "laser_resurfacing", "home_care"]),
            )
    return True


def _history(intake: dict[str, Any]) -> list[tuple[date, dict[str, Any]]]:
    """Three visits twelve weeks apart, the acne settling on treatment."""
    acne = intake["findings"]["acne"]
    visits = []
    for step, (spots, blackheads) in enumerate(((1.0, 1.0), (0.5, 0.6), (0.0, 0.3))):
        counts = {
            name: round(value * (blackheads if name == "comedones" else spots))
            for name, value in acne.items()
            if isinstance(value, int)
        }
        day = date(2026, 3, 2) + timedelta(weeks=12 * step)
        visits.append((day, {**intake, "findings": {"acne": counts}}))
    return visits


def demo_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.email.like("%@demo.dorsum.test"))))
