"""The stored record: ids are never reused, existing databases upgrade in place, audit and
export queries stay inside the clinic, and the audit log shows any change made in SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from dorsum.cli import app as cli
from dorsum.services import audit
from dorsum.storage.database import make_engine, session_factory
from dorsum.storage.migrate import downgrade, upgrade
from dorsum.storage.tables import Appointment
from tests.web.conftest import POSTGRES, Clinic, sign_in
from tests.web.test_api import TEEN, token_for

BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES else [])]


def test_an_erased_patients_id_is_never_given_to_the_next_patient(
    site: Clinic, client: TestClient
) -> None:
    """On main, SQLite handed the erased patient's id to the next one, and the old audit
    entries then pointed at a different person."""
    auth = token_for(site, "admin@alpha.test")
    first = client.post("/api/patients", json={"name": "First"}, headers=auth).json()
    last = client.post("/api/patients", json={"name": "Erased"}, headers=auth).json()
    consultation = client.post(
        f"/api/patients/{last['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    assert client.delete(f"/api/patients/{last['id']}", headers=auth).status_code == 204
    following = client.post("/api/patients", json={"name": "Next"}, headers=auth).json()
    assert following["id"] > last["id"] > first["id"]
    again = client.post(
        f"/api/patients/{following['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    assert again["id"] > consultation["id"]


def test_another_clinics_audit_entries_never_reach_an_export(
    site: Clinic, client: TestClient
) -> None:
    """The export's access log is the patient's clinic's only, even if another clinic's
    entries name the same patient id (as reused ids once made them do)."""
    auth = token_for(site, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "Exported"}, headers=auth).json()
    with session_factory(site.app.state.engine)() as db:
        audit.append(
            db, clinic_id=2, user_id=None, action="read", entity="patient", patient_id=patient["id"]
        )
        db.commit()
    exported = client.get(f"/api/patients/{patient['id']}/export", headers=auth).json()
    assert exported["access_log"]
    assert all(entry["user_id"] is not None for entry in exported["access_log"])


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        assert POSTGRES is not None
        return POSTGRES
    return f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_existing_database_upgrades_in_place(backend: str, tmp_path: Path) -> None:
    """A 0002 database with an erased patient: after the upgrade the next patient gets a new
    id, the old audit entries are chained and verify, and tokens have an expiry."""
    url = _url(backend, tmp_path)
    if backend == "postgresql":
        downgrade(url, "base")
    upgrade(url, "0002")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO clinics (id, slug, name, created_at) "
            "VALUES (1, 'old', 'Old', '2026-01-01')",
            "INSERT INTO users (id, clinic_id, email, name, password_hash, role, language, active, "
            "created_at) VALUES (1, 1, 'a@old.test', 'A', 'x', 'admin', 'en', TRUE, '2026-01-01')",
            "INSERT INTO api_tokens (id, token_hash, user_id, label, created_at) "
            "VALUES (1, 'h', 1, 'old', '2026-01-01')",
            "INSERT INTO patients (id, clinic_id, name, created_at) "
            "VALUES (1, 1, 'Kept López', '2026-01-01')",
            "INSERT INTO appointments (id, clinic_id, patient_id, starts_at, minutes, purpose, "
            "created_at) VALUES (1, 1, 1, '2026-12-01 10:00:00', 30, '', '2026-01-01')",
            "INSERT INTO audit_log (clinic_id, user_id, action, entity, entity_id, patient_id, at) "
            "VALUES (1, 1, 'create', 'patient', 1, 1, '2026-01-01 10:00:00')",
            "INSERT INTO audit_log (clinic_id, user_id, action, entity, entity_id, patient_id, at) "
            "VALUES (1, 1, 'create', 'patient', 7, 7, '2026-01-02 10:00:00')",
            "INSERT INTO audit_log (clinic_id, user_id, action, entity, entity_id, patient_id, at) "
            "VALUES (1, 1, 'erase', 'patient', 7, 7, '2026-01-03 10:00:00')",
        ):
            connection.execute(text(statement))
        if backend == "postgresql":
            connection.execute(text("SELECT setval('patients_id_seq', 7)"))
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as db:
        db.execute(
            text(
                "INSERT INTO patients (clinic_id, name, search_text, created_at) "
                "VALUES (1, 'New', 'new', '2026-02-01')"
            )
        )
        assert db.scalar(text("SELECT max(id) FROM patients")) == 8
        assert db.scalar(text("SELECT search_text FROM patients WHERE id = 1")) == "kept lopez"
        assert db.scalar(text("SELECT expires_at FROM api_tokens WHERE id = 1")) is not None
        booked = db.scalar(select(Appointment.starts_at).where(Appointment.id == 1))
        assert booked == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Madrid, in winter
        result = audit.verify(db)
        assert result.intact, result.broken
        assert result.entries == 3
        db.rollback()
    engine.dispose()


@pytest.fixture
def cli_database(site: Clinic, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DORSUM_DATABASE_URL", site.url)
    return site.url


def _verify() -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify"])
    return result.exit_code, result.output


def _entry_ids(site: Clinic) -> list[int]:
    with session_factory(site.app.state.engine)() as db:
        return [
            int(i)
            for i in db.scalars(text("SELECT id FROM audit_log WHERE clinic_id = 1 ORDER BY id"))
        ]


def _as_owner(site: Clinic, *statements: str) -> None:
    """What someone with the database file or the owner's password could do."""
    with session_factory(site.app.state.engine)() as db:
        if site.url.startswith("sqlite"):
            for trigger in (
                "audit_log_no_update",
                "audit_log_no_delete",
                "audit_log_no_replace",
                "audit_head_no_delete",
                "audit_head_forward",
            ):
                db.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            db.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            db.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
        for statement in statements:
            db.execute(text(statement))
        if not site.url.startswith("sqlite"):
            db.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
            db.execute(text("ALTER TABLE audit_head ENABLE TRIGGER USER"))
        db.commit()


@pytest.fixture
def logged(site: Clinic, client: TestClient, cli_database: str) -> list[int]:
    """A clinic with a few audit entries, verified intact."""
    sign_in(client, "practitioner@alpha.test")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Audited"}, headers=auth).json()
    for _ in range(3):
        client.get(f"/patients/{patient['id']}")
    code, output = _verify()
    assert code == 0, output
    assert "intact" in output
    return _entry_ids(site)


def test_verify_names_an_entry_changed_in_sql(site: Clinic, logged: list[int]) -> None:
    """An UPDATE made behind dorsum's back breaks that entry's hash."""
    changed = logged[1]
    _as_owner(site, f"UPDATE audit_log SET action = 'export' WHERE id = {changed}")
    code, output = _verify()
    assert code == 1
    assert f"broken at entry {changed}: this entry was changed" in output


def test_verify_names_the_entry_after_one_deleted_in_sql(site: Clinic, logged: list[int]) -> None:
    """A DELETE in the middle breaks the link of the entry after it."""
    _as_owner(site, f"DELETE FROM audit_log WHERE id = {logged[1]}")
    code, output = _verify()
    assert code == 1
    assert f"broken at entry {logged[2]}" in output


def test_verify_notices_entries_removed_from_the_end(site: Clinic, logged: list[int]) -> None:
    """Removing the newest entries leaves the chain's head pointing past them."""
    _as_owner(site, f"DELETE FROM audit_log WHERE id >= {logged[-2]}")
    code, output = _verify()
    assert code == 1
    assert "head points past them" in output


def test_verify_notices_a_truncated_log(site: Clinic, logged: list[int]) -> None:
    """TRUNCATE (DELETE of everything on SQLite) cannot go unnoticed."""
    statement = "DELETE FROM audit_log" if site.url.startswith("sqlite") else "TRUNCATE audit_log"
    _as_owner(site, statement)
    code, output = _verify()
    assert code == 1
    assert "broken" in output


@pytest.mark.parametrize(
    "statement",
    [
        "REPLACE INTO audit_log SELECT * FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)",
        "REPLACE INTO consultation_versions SELECT * FROM consultation_versions",
        "REPLACE INTO treatment_plans SELECT * FROM treatment_plans",
        "INSERT OR REPLACE INTO consultations SELECT * FROM consultations",
    ],
)
def test_sqlite_replace_cannot_rewrite_saved_records(
    site: Clinic, client: TestClient, statement: str
) -> None:
    """REPLACE deletes the row it replaces without DELETE triggers; a guard refuses it."""
    if not site.url.startswith("sqlite"):
        pytest.skip("REPLACE is SQLite's")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Replaced"}, headers=auth).json()
    made = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    client.post(f"/api/consultations/{made['id']}/plans", json={}, headers=auth)
    with session_factory(site.app.state.engine)() as db:
        with pytest.raises(DBAPIError, match=r"never replaced|append-only|never changed"):
            db.execute(text(statement))
        db.rollback()


def test_verify_notices_the_end_cut_off_with_its_head(site: Clinic, logged: list[int]) -> None:
    """Deleting the newest entries and the head that remembers them is still seen."""
    _as_owner(site, f"DELETE FROM audit_log WHERE id = {logged[-1]}", "DELETE FROM audit_head")
    code, output = _verify()
    assert code == 1
    assert "last entry is gone" in output


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_head",
        "UPDATE audit_head SET last_id = 0, last_hash = 'x'",
    ],
)
def test_the_chains_head_only_moves_forward(
    site: Clinic, logged: list[int], statement: str
) -> None:
    """The head cannot be deleted or moved back to hide entries cut from the end."""
    with session_factory(site.app.state.engine)() as db:
        with pytest.raises(DBAPIError, match="only moves forward"):
            db.execute(text(statement))
        db.rollback()
