"""Demo data: two clinics (to show that they never see each other's patients), a user of each
role, patients built from the example intakes, some with several visits and a plan, and the
demo clinic's rooms, devices and staff to book treatment sessions with."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.scheduling.needs import booked_treatments
from dorsum.services import booking
from dorsum.services.actors import Actor
from dorsum.services.appointments import BookingRules
from dorsum.services.auth import actor_of
from dorsum.services.bodymap import ACNE_FIELDS, BodyMap
from dorsum.services.consultations import ConsultationInput, create_consultation
from dorsum.services.devices import DeviceInput, create_device
from dorsum.services.patients import PatientCreate, create_patient
from dorsum.services.plans import PlanRequest, create_plan
from dorsum.services.rooms import RoomInput, create_room
from dorsum.services.staff import StaffInput, create_staff
from dorsum.services.users import create_clinic, create_user
from dorsum.storage.tables import Clinic, TreatmentPlan, User

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
ROOMS = ("Room 1", "Room 2", "Laser room")
# name, kind, the rooms it can be used in
DEVICES = (
    ("Cryolipolysis applicator", "cryolipolysis_applicator", ("Room 1", "Room 2")),
    ("CO2 laser", "ablative_laser", ("Laser room",)),
    ("Non-ablative laser", "nonablative_laser", ("Laser room",)),
)
WEEKDAYS = "mon-fri 09:00-18:00"


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
    _operations(db, admin=actor_of(users[0]), physician_user=users[1].id, index=index)
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
                data=ConsultationInput(
                    intake=visit_intake, visit_date=visit_date, body_map=_mapped(stem, visit_intake)
                ),
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


def _operations(db: Session, *, admin: Actor, physician_user: int, index: KnowledgeIndex) -> None:
    """Rooms, devices and staff: a physician for everything, nurses for the rest."""
    rooms = {name: create_room(db, actor=admin, data=RoomInput(name=name)).id for name in ROOMS}
    for name, kind, where in DEVICES:
        device = DeviceInput(name=name, kind=kind, room_ids=[rooms[room] for room in where])
        create_device(db, actor=admin, data=device)
    booked = booked_treatments(index)
    nursing = [t for t in booked if not index.treatments[t].physician_required]
    staff = [
        StaffInput(
            name="Dra. Lucía Pérez",
            user_id=physician_user,
            physician=True,
            skills=booked,
            roster=WEEKDAYS,
        ),
        StaffInput(name="Marta Gil (nurse)", skills=nursing, roster=WEEKDAYS),
        StaffInput(name="Pablo Sanz (nurse)", skills=nursing, roster="sat 09:00-14:00"),
    ]
    for member in staff:
        create_staff(db, actor=admin, data=member, index=index)


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


def _mapped(stem: str, intake: dict[str, Any]) -> BodyMap:
    """The teenager's acne counted on the body map: half on each shoulder blade."""
    if stem != "teen-back-acne":
        return BodyMap()
    acne = {k: v for k, v in intake["findings"]["acne"].items() if k in ACNE_FIELDS}
    left = {k: v - v // 2 for k, v in acne.items()}
    right = {k: v // 2 for k, v in acne.items()}
    return BodyMap.model_validate({"zones": {"upper_left": left, "upper_right": right}})


def demo_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.email.like("%@demo.dorsum.test"))))


def book_demo_plans(
    db: Session, *, index: KnowledgeIndex, rules: BookingRules, now: datetime
) -> int:
    """Book the demo clinic's plans as reception would ("Book this plan", accepted as
    proposed), so that the calendar has sessions to show; the number of sessions booked."""
    clinic = db.scalar(select(Clinic).where(Clinic.slug == "demo"))
    if clinic is None:
        return 0
    user = db.scalar(select(User).where(User.clinic_id == clinic.id, User.role == "reception"))
    if user is None:
        return 0
    reception = Actor(user.id, clinic.id, "reception", user.name, user.language)
    today = now.astimezone(rules.timezone).date()
    made = 0
    for plan_id in db.scalars(select(TreatmentPlan.id).where(TreatmentPlan.clinic_id == clinic.id)):
        proposal = booking.propose_plan(
            db,
            actor=reception,
            plan_id=plan_id,
            index=index,
            rules=rules,
            today=today,
            language=user.language,
        )
        fields = set(booking.SessionChoice.model_fields)
        chosen = [booking.SessionChoice(**s.model_dump(include=fields)) for s in proposal.sessions]
        if chosen:
            made += len(
                booking.accept_plan(
                    db,
                    actor=reception,
                    plan_id=plan_id,
                    sessions=chosen,
                    index=index,
                    rules=rules,
                    now=now,
                    language=user.language,
                )
            )
    return made
