"""Better dates from the calendar: reception sees the moves that let a booked plan meet its
target, nothing moves until the moves are accepted, and accepted moves land in the calendar."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

import dorsum
from dorsum.services import booking
from dorsum.services.actors import Actor
from dorsum.services.appointments import BookingRules
from dorsum.services.plans import PlanRequest, create_plan
from dorsum.storage.database import session_factory
from dorsum.storage.tables import Appointment, Clinic, Consultation, User
from tests.web.test_calendar import NOW, app_and_client, sign_in

__all__ = ["app_and_client"]  # the fixture, shared with the calendar's tests


def late_plan(app: object) -> list[int]:
    """A plan of peels with a target, booked seven weeks later than it could be."""
    index = dorsum.default_index()
    settings = app.state.settings  # type: ignore[attr-defined]
    rules = BookingRules(settings.zone, settings.hours, settings.booking_horizon_days)
    with session_factory(app.state.engine)() as db:  # type: ignore[attr-defined]
        clinic = db.scalar(select(Clinic.id).where(Clinic.slug == "demo"))
        users = {u.role: u for u in db.scalars(select(User).where(User.clinic_id == clinic))}
        doctor = Actor(users["practitioner"].id, clinic, "practitioner", "D")  # type: ignore[arg-type]
        reception = Actor(users["reception"].id, clinic, "reception", "R")  # type: ignore[arg-type]
        consultation = db.scalars(
            select(Consultation).where(Consultation.clinic_id == clinic).order_by(Consultation.id)
        ).first()
        assert consultation is not None
        today = NOW.date()
        plan = create_plan(
            db,
            actor=doctor,
            consultation_id=consultation.id,
            index=index,
            today=today,
            request=PlanRequest(choose=["chemical_peel"], target=today + timedelta(days=200)),
        )
        proposal = booking.propose_plan(
            db,
            actor=reception,
            plan_id=plan.id,
            index=index,
            rules=rules,
            today=today,
            language="en",
        )
        fields = set(booking.SessionChoice.model_fields)
        late = [
            booking.SessionChoice(**s.model_dump(include=fields)).model_copy(
                update={"starts_at": s.starts_at + timedelta(weeks=7)}
            )
            for s in proposal.sessions
        ]
        made = booking.accept_plan(
            db,
            actor=reception,
            plan_id=plan.id,
            sessions=late,
            index=index,
            rules=rules,
            now=NOW,
            language="en",
        )
        db.commit()
        return [m.id for m in made]


def starts(app: object) -> dict[int, object]:
    with session_factory(app.state.engine)() as db:  # type: ignore[attr-defined]
        return {a.id: a.starts_at for a in db.scalars(select(Appointment))}


def test_better_dates_are_proposed_and_nothing_moves_until_accepted(
    app_and_client: tuple[object, TestClient],
) -> None:
    app, client = app_and_client
    booked = late_plan(app)
    token = sign_in(client, "doctor@demo.dorsum.test")
    before = starts(app)
    page = client.post("/calendar/reoptimise", data={"csrf_token": token})
    assert page.status_code == 200
    assert "On time as booked now: 0; with the moves below: 1." in page.text
    proposed = set(map(int, re.findall(r'name="appointment_id_\d+" value="(\d+)"', page.text)))
    assert proposed
    assert proposed <= set(booked)
    assert starts(app) == before  # looking changes nothing
    count = re.search(r'name="count" value="(\d+)"', page.text)
    assert count is not None
    form = {"csrf_token": token, "count": count.group(1)}
    fields = r'name="((?:appointment_id|starts_at|room_id|staff_id|device_id)_\d+)" value="([^"]*)"'
    form.update(dict(re.findall(fields, page.text)))
    for i in range(int(form["count"])):
        form[f"include_{i}"] = "on"
    done = client.post("/calendar/reoptimise/accept", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    after = starts(app)
    assert all(after[i] != before[i] for i in proposed)
    assert "bookings are moved" in client.get(done.headers["location"]).text


def test_better_dates_speak_spanish(app_and_client: tuple[object, TestClient]) -> None:
    app, client = app_and_client
    late_plan(app)
    token = sign_in(client, "reception@demo.dorsum.test")  # the demo's reception reads Spanish
    page = client.post("/calendar/reoptimise", data={"csrf_token": token})
    assert "Pacientes con fecha objetivo: 1." in page.text
    assert "Aceptar los cambios marcados" in page.text
