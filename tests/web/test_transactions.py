"""Every use case is one transaction: for each write path, a failure injected after its first
write leaves the database exactly as it was, and the caller gets a plain 500 with a reference
(no traceback, no data)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from dorsum.services.errors import InvalidInput
from dorsum.storage.database import session_factory
from dorsum.storage.tables import Base
from tests.web.conftest import Clinic, csrf_of, sign_in
from tests.web.photo_helpers import png_bytes, signature_url
from tests.web.test_api import TEEN, token_for

FORM = {"age": "16", "isotretinoin": "never", "visit_date": "2026-11-21", "acne_papules": "12"}


class InjectedFailure(RuntimeError):
    pass


@dataclass
class World:
    """What a write path needs: a patient, a consultation, an appointment, a request."""

    client: TestClient
    auth: dict[str, str]
    csrf: str
    patient_id: int
    consultation_id: int
    appointment_id: int
    user_id: int
    token_id: int
    consent_id: int
    photo_id: int


def _build(site: Clinic, client: TestClient) -> World:
    auth = token_for(site, "admin@alpha.test")
    csrf = sign_in(client, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "Tx Patient"}, headers=auth).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    booked = client.post(
        "/api/appointments",
        json={"patient_id": patient["id"], "starts_at": _next_opening()},
        headers=auth,
    )
    assert booked.status_code == 201, booked.text
    public = csrf_of(client, "/self-check")
    client.post(
        "/self-check/book",
        data={"name": "Ana", "contact": "600000000", "consent": "true", "csrf_token": public},
    )
    consent = client.post(
        f"/patients/{patient['id']}/consents",
        data={
            "purpose": "photos_clinical",
            "signed_by": "Tx Patient",
            "signature": signature_url(),
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert consent.status_code == 303, consent.text
    photo = client.post(
        f"/consultations/{consultation['id']}/photos",
        data={"zone": "upper_left", "csrf_token": csrf},
        files={"photo": ("back.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    assert photo.status_code == 303, photo.text
    with session_factory(site.app.state.engine)() as db:
        user_id = db.scalar(text("SELECT id FROM users WHERE email = 'reception@alpha.test'"))
        token_id = db.scalar(text("SELECT max(id) FROM api_tokens"))
    return World(
        client=client,
        auth=auth,
        csrf=csrf,
        patient_id=patient["id"],
        consultation_id=consultation["id"],
        appointment_id=booked.json()["id"],
        user_id=int(user_id),
        token_id=int(token_id),
        consent_id=int(consent.headers["location"].split("/consents/")[1].split("?")[0]),
        photo_id=int(photo.headers["location"].split("added=")[1].split("#")[0]),
    )


def _next_opening() -> str:
    """A weekday at 10:00 clinic time, a week or so ahead."""
    from datetime import date, timedelta

    day = date.today() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day.isoformat()}T10:00:00"


Write = Callable[[World], Any]
WRITES: dict[str, Write] = {
    "api: register a patient": lambda w: w.client.post(
        "/api/patients", json={"name": "New"}, headers=w.auth
    ),
    "form: register a patient": lambda w: w.client.post(
        "/patients", data={"name": "New", "csrf_token": w.csrf}
    ),
    "form: correct a patient": lambda w: w.client.post(
        f"/patients/{w.patient_id}/edit", data={"name": "Corrected", "csrf_token": w.csrf}
    ),
    "api: save a consultation": lambda w: w.client.post(
        f"/api/patients/{w.patient_id}/consultations", json={"intake": TEEN}, headers=w.auth
    ),
    "form: save a consultation": lambda w: w.client.post(
        f"/patients/{w.patient_id}/consultations", data={**FORM, "csrf_token": w.csrf}
    ),
    "api: revise a consultation": lambda w: w.client.put(
        f"/api/consultations/{w.consultation_id}", json={"intake": TEEN}, headers=w.auth
    ),
    "form: revise a consultation": lambda w: w.client.post(
        f"/consultations/{w.consultation_id}", data={**FORM, "csrf_token": w.csrf}
    ),
    "api: create a plan": lambda w: w.client.post(
        f"/api/consultations/{w.consultation_id}/plans", json={}, headers=w.auth
    ),
    "form: create a plan": lambda w: w.client.post(
        f"/consultations/{w.consultation_id}/plans", data={"csrf_token": w.csrf}
    ),
    "api: book": lambda w: w.client.post(
        "/api/appointments",
        json={"patient_id": w.patient_id, "starts_at": _next_opening().replace("10:", "12:")},
        headers=w.auth,
    ),
    "form: book": lambda w: w.client.post(
        "/appointments",
        data={
            "patient_id": str(w.patient_id),
            "starts_at": _next_opening()[:16].replace("10:", "12:"),
            "csrf_token": w.csrf,
        },
    ),
    "api: reschedule": lambda w: w.client.put(
        f"/api/appointments/{w.appointment_id}",
        json={"starts_at": _next_opening().replace("10:", "11:")},
        headers=w.auth,
    ),
    "form: cancel": lambda w: w.client.post(
        f"/appointments/{w.appointment_id}/cancel", data={"csrf_token": w.csrf}
    ),
    "api: erase a patient": lambda w: w.client.delete(
        f"/api/patients/{w.patient_id}", headers=w.auth
    ),
    "form: erase a patient": lambda w: w.client.post(
        f"/patients/{w.patient_id}/erase",
        data={"confirm_name": "Tx Patient", "csrf_token": w.csrf},
    ),
    "form: add a user": lambda w: w.client.post(
        "/admin/users",
        data={
            "name": "New User",
            "email": "new@alpha.test",
            "role": "practitioner",
            "language": "en",
            "password": "long enough password",
            "csrf_token": w.csrf,
        },
    ),
    "form: edit a user": lambda w: w.client.post(
        f"/admin/users/{w.user_id}",
        data={
            "name": "Renamed",
            "email": "reception@alpha.test",
            "role": "reception",
            "language": "es",
            "csrf_token": w.csrf,
        },
    ),
    "form: new password": lambda w: w.client.post(
        f"/admin/users/{w.user_id}/password",
        data={"password": "another long password", "csrf_token": w.csrf},
    ),
    "form: deactivate a user": lambda w: w.client.post(
        f"/admin/users/{w.user_id}/active", data={"active": "0", "csrf_token": w.csrf}
    ),
    "form: issue a token": lambda w: w.client.post(
        "/admin/tokens",
        data={
            "token_user_id": str(w.user_id),
            "token_label": "x",
            "token_days": "30",
            "csrf_token": w.csrf,
        },
    ),
    "form: revoke a token": lambda w: w.client.post(
        f"/admin/tokens/{w.token_id}/revoke", data={"csrf_token": w.csrf}
    ),
    "form: mark a request handled": lambda w: w.client.post(
        "/requests/1/handled", data={"csrf_token": w.csrf}
    ),
    "form: change language": lambda w: w.client.post(
        "/language", data={"language": "es", "csrf_token": w.csrf}
    ),
    "form: record a consent": lambda w: w.client.post(
        f"/patients/{w.patient_id}/consents",
        data={
            "purpose": "photos_teaching",
            "signed_by": "Tx Patient",
            "signature": signature_url(),
            "csrf_token": w.csrf,
        },
    ),
    "form: withdraw a consent": lambda w: w.client.post(
        f"/consents/{w.consent_id}/withdraw", data={"csrf_token": w.csrf}
    ),
    "form: add a photo": lambda w: w.client.post(
        f"/consultations/{w.consultation_id}/photos",
        data={"zone": "lower_left", "csrf_token": w.csrf},
        files={"photo": ("back.png", png_bytes(), "image/png")},
    ),
    "form: delete a photo": lambda w: w.client.post(
        f"/photos/{w.photo_id}/delete", data={"csrf_token": w.csrf}
    ),
    "form: save the clinic's details": lambda w: w.client.post(
        "/admin/clinic",
        data={"name": "Renamed clinic", "address": "Here", "phone": "1", "csrf_token": w.csrf},
        files={"logo": ("logo.png", png_bytes(), "image/png")},
    ),
    "form: save a consent text": lambda w: w.client.post(
        "/admin/consent-texts/photos_clinical/en",
        data={"title": "New", "body": "New text.", "csrf_token": w.csrf},
    ),
}


def _snapshot(site: Clinic) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the sign-in counter aside: it is kept on purpose), and the
    photo store's files under the key "photo files"."""
    with session_factory(site.app.state.engine)() as db:
        return {"photo files": [(key,) for key in site.app.state.photos.keys("")]} | {
            table.name: [
                tuple(row) for row in db.execute(table.select().order_by(*table.primary_key))
            ]
            for table in Base.metadata.sorted_tables
            if table.name != "login_throttle"
        }


def _after_first_write(error: Exception) -> tuple[list[str], Callable[[Session, object], None]]:
    """A flush hook that raises `error` once, after the first flush that writes anything."""
    fired: list[str] = []

    def hook(session: Session, _context: object) -> None:
        if not fired and (session.new or session.dirty or session.deleted):
            fired.append("flush")
            raise error

    return fired, hook


def _attempt(site: Clinic, world: World, path: str, error: Exception) -> Any:
    """Run a write path with `error` injected after its first write; the response."""
    client = world.client
    fired, hook = _after_first_write(error)
    event.listen(Session, "after_flush", hook)
    try:
        with TestClient(site.app, base_url="https://testserver", cookies=client.cookies) as other:
            world.client = other
            response = WRITES[path](world)
    finally:
        event.remove(Session, "after_flush", hook)
    assert fired, f"{path} wrote nothing, so nothing was injected"
    return response


@pytest.mark.parametrize("path", sorted(WRITES))
def test_a_failure_after_the_first_write_leaves_the_database_unchanged(
    site: Clinic, client: TestClient, path: str
) -> None:
    """The write is attempted, fails half-way, and nothing of it remains."""
    world = _build(site, client)
    before = _snapshot(site)
    response = _attempt(site, world, path, InjectedFailure("injected after the first write"))
    assert response.status_code == 500
    assert "Reference" in response.text
    assert "InjectedFailure" not in response.text
    assert _snapshot(site) == before


def test_a_rejected_form_stores_nothing_it_had_written(site: Clinic, client: TestClient) -> None:
    """A use case rolls back its own writes even when the page catches the refusal."""
    token = sign_in(client, "practitioner@alpha.test")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Refused"}, headers=auth).json()
    before = _snapshot(site)
    refused = client.post(
        f"/patients/{patient['id']}/consultations",
        data={
            **FORM,
            "visit_date": "2026-11-21",
            "body_map": json.dumps({"zones": {"x": {}}}),
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    after = _snapshot(site)
    for table in ("consultations", "consultation_versions"):
        assert after[table] == before[table]


@pytest.mark.parametrize("path", sorted(WRITES))
def test_a_refusal_after_the_first_write_leaves_no_record_behind(
    site: Clinic, client: TestClient, path: str
) -> None:
    """A refusal the page catches (to show the form again) rolls back what was written."""
    world = _build(site, client)
    before = _snapshot(site)
    response = _attempt(site, world, path, InvalidInput("refused after the first write"))
    assert 400 <= response.status_code < 500
    after = _snapshot(site)
    for table, rows in before.items():
        if table in ("audit_log", "audit_head"):
            continue  # showing the form again reads the patient, and that read is audited
        assert after[table] == rows, table
    added = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert all(row[3] == "read" for row in added), added


def _use_cases(world: World, site: Clinic) -> dict[str, Callable[[Session], object]]:
    """Each service use case, called as a caller that catches errors and commits anyway."""
    from dorsum.services import (
        appointments,
        consultations,
        erasure,
        patients,
        plans,
        tokens,
        users,
    )
    from dorsum.services.auth import actor_of
    from dorsum.services.consultations import ConsultationInput
    from dorsum.storage.tables import User
    from tests.web.test_appointment_book import weekday

    def admin(db: Session):  # type: ignore[no-untyped-def]
        user = db.scalar(select(User).where(User.email == "admin@alpha.test"))
        assert user is not None
        return actor_of(user)

    rules = appointments.BookingRules(
        timezone=site.app.state.settings.zone, hours=site.app.state.settings.hours
    )
    now = datetime.now(UTC)
    index = site.app.state.index
    return {
        "create_patient": lambda db: patients.create_patient(
            db, actor=admin(db), data=patients.PatientCreate(name="X"), today=now.date()
        ),
        "create_consultation": lambda db: consultations.create_consultation(
            db,
            actor=admin(db),
            patient_id=world.patient_id,
            data=ConsultationInput.model_validate({"intake": TEEN}),
            index=index,
            today=now.date(),
        ),
        "revise_consultation": lambda db: consultations.revise_consultation(
            db,
            actor=admin(db),
            consultation_id=world.consultation_id,
            data=ConsultationInput.model_validate({"intake": TEEN}),
            index=index,
        ),
        "create_plan": lambda db: plans.create_plan(
            db,
            actor=admin(db),
            consultation_id=world.consultation_id,
            request=plans.PlanRequest(),
            index=index,
            today=now.date(),
        ),
        "book": lambda db: appointments.book(
            db,
            actor=admin(db),
            rules=rules,
            now=now,
            data=appointments.AppointmentCreate(patient_id=world.patient_id, starts_at=weekday(13)),
        ),
        "cancel": lambda db: appointments.cancel(
            db, actor=admin(db), appointment_id=world.appointment_id, now=now
        ),
        "erase_patient": lambda db: erasure.erase_patient(
            db, actor=admin(db), store=site.app.state.photos, patient_id=world.patient_id
        ),
        "set_active": lambda db: users.set_active(
            db, actor=admin(db), user_id=world.user_id, active=False, now=now
        ),
        "issue_token": lambda db: tokens.issue_for(
            db,
            actor=admin(db),
            now=now,
            data=tokens.TokenCreate(user_id=world.user_id, label="t"),
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "create_patient",
        "create_consultation",
        "revise_consultation",
        "create_plan",
        "book",
        "cancel",
        "erase_patient",
        "set_active",
        "issue_token",
    ],
)
def test_a_use_case_keeps_all_of_its_writes_or_none(
    site: Clinic, client: TestClient, name: str
) -> None:
    """Even a caller that catches the failure and commits stores nothing of the use case."""
    world = _build(site, client)
    call = _use_cases(world, site)[name]
    before = _snapshot(site)
    fired, hook = _after_first_write(InjectedFailure("injected after the first write"))
    with session_factory(site.app.state.engine)() as db:
        event.listen(db, "after_flush", hook)
        with pytest.raises(InjectedFailure):
            call(db)
        event.remove(db, "after_flush", hook)
        db.commit()
    assert fired
    assert _snapshot(site) == before
