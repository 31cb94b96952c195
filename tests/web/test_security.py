"""Security fit for health data: cookies, CSRF, rate limiting, roles, clinic separation, the
audit log, and logs without patient data."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dorsum.services import audit
from dorsum.services.passwords import verify_password
from dorsum.storage.database import session_factory
from dorsum.storage.tables import User
from dorsum.web.logs import NoQueryAccessFilter
from tests.web.conftest import PASSWORD, Clinic, csrf_of, sign_in
from tests.web.test_api import TEEN, token_for


def test_passwords_are_stored_as_argon2_hashes(site: Clinic) -> None:
    """No password is stored; the hash is argon2."""
    with session_factory(site.app.state.engine)() as db:
        user = db.scalar(select(User).where(User.email == "admin@alpha.test"))
        assert user is not None
        assert user.password_hash.startswith("$argon2")
        assert verify_password(user.password_hash, PASSWORD)


def test_the_session_cookie_is_secure_httponly_and_samesite(client: TestClient) -> None:
    """The cookie cannot be read by scripts, sent over HTTP, or sent cross-site."""
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={"email": "practitioner@alpha.test", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "dorsum_session=" in cookie
    for attribute in ("httponly", "secure", "samesite=lax"):
        assert attribute in cookie


def test_a_form_without_its_csrf_token_is_refused(doctor: tuple[TestClient, str]) -> None:
    """Every form needs the session's CSRF token."""
    client, _token = doctor
    response = client.post("/patients", data={"name": "Forged"}, follow_redirects=False)
    assert response.status_code == 403


def test_the_login_form_itself_needs_its_csrf_token(client: TestClient) -> None:
    """Login CSRF is blocked too (double-submit cookie)."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": "practitioner@alpha.test", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 403


def test_sign_in_is_rate_limited(client: TestClient) -> None:
    """Five wrong passwords lock the account for a while, even with the right one after."""
    token = csrf_of(client, "/login")
    for _ in range(5):
        wrong = client.post(
            "/login", data={"email": "admin@alpha.test", "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
    locked = client.post(
        "/login", data={"email": "admin@alpha.test", "password": PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429


def test_another_clinics_patients_are_invisible(site: Clinic, client: TestClient) -> None:
    """Clinic separation: beta cannot list, read, export or consult alpha's patient."""
    alpha = token_for(site, "practitioner@alpha.test")
    beta = token_for(site, "practitioner@beta.test")
    patient = client.post("/api/patients", json={"name": "Alpha Only"}, headers=alpha).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=alpha
    ).json()
    assert client.get("/api/patients", headers=beta).json()["total"] == 0
    for path in (
        f"/api/patients/{patient['id']}",
        f"/api/patients/{patient['id']}/export",
        f"/api/consultations/{consultation['id']}",
        f"/api/patients/{patient['id']}/consultations",
    ):
        assert client.get(path, headers=beta).status_code == 404, path
    sign_in(client, "practitioner@beta.test")
    assert client.get(f"/patients/{patient['id']}").status_code == 404
    assert "Alpha Only" not in client.get("/patients").text


def test_reception_books_but_sees_no_clinical_detail(site: Clinic, client: TestClient) -> None:
    """Reception can register and book, but not read consultations, plans or exports."""
    doctor = token_for(site, "practitioner@alpha.test")
    desk = token_for(site, "reception@alpha.test")
    patient = client.post("/api/patients", json={"name": "Desk Test"}, headers=desk).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=doctor
    ).json()
    booked = client.post(
        "/api/appointments",
        json={"patient_id": patient["id"], "starts_at": "2026-12-01T10:00:00"},
        headers=desk,
    )
    assert booked.status_code == 201
    assert client.get(f"/api/consultations/{consultation['id']}", headers=desk).status_code == 403
    assert client.get(f"/api/patients/{patient['id']}/export", headers=desk).status_code == 403
    assert (
        client.post(
            f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=desk
        ).status_code
        == 403
    )
    sign_in(client, "reception@alpha.test")
    page = client.get(f"/patients/{patient['id']}").text
    assert "Desk Test" in page
    assert "Back acne" not in page


def test_only_admins_erase_and_read_the_audit_log(site: Clinic, client: TestClient) -> None:
    """Erasure and the audit log are admin-only."""
    doctor = token_for(site, "practitioner@alpha.test")
    admin = token_for(site, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "Erase Me"}, headers=doctor).json()
    assert client.delete(f"/api/patients/{patient['id']}", headers=doctor).status_code == 403
    assert client.get("/api/audit", headers=doctor).status_code == 403
    assert client.delete(f"/api/patients/{patient['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/patients/{patient['id']}", headers=admin).status_code == 404


def test_reads_and_changes_are_audited(site: Clinic, client: TestClient) -> None:
    """Who read or changed which patient record is in the audit log."""
    doctor = token_for(site, "practitioner@alpha.test")
    admin = token_for(site, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "Audit Test"}, headers=doctor).json()
    client.get(f"/api/patients/{patient['id']}", headers=doctor)
    client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=doctor
    )
    entries = client.get(f"/api/audit?patient_id={patient['id']}", headers=admin).json()
    actions = {(e["action"], e["entity"]) for e in entries}
    assert {("create", "patient"), ("read", "patient"), ("create", "consultation")} <= actions
    assert all(e["user"] == "alpha practitioner" for e in entries)


def test_the_audit_log_is_append_only_in_the_database(site: Clinic) -> None:
    """Even direct SQL cannot change or delete an audit entry."""
    with session_factory(site.app.state.engine)() as db:
        audit.append(db, clinic_id=1, user_id=1, action="read", entity="patient")
        db.commit()
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.execute(text(statement))
            db.rollback()


def test_the_access_log_never_holds_a_query_string() -> None:
    """A search for a patient's name does not reach the log."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/patients?q=Garc%C3%ADa", "1.1", 200),
        None,
    )
    NoQueryAccessFilter().filter(record)
    assert "Garc" not in record.getMessage()
    assert "/patients" in record.getMessage()


def test_the_application_logs_no_patient_data(
    site: Clinic, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Creating and searching patients logs nothing that names them."""
    doctor = token_for(site, "practitioner@alpha.test")
    with caplog.at_level(logging.DEBUG):
        client.post("/api/patients", json={"name": "Zacarías Privado"}, headers=doctor)
        client.get("/api/patients?q=Zacar", headers=doctor)
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert not [line for line in server_side if "Zacar" in line]
