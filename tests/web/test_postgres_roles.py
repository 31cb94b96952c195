"""On PostgreSQL, migrations run as the owner of the tables and the application as a role that
cannot TRUNCATE, ALTER (so cannot disable the guarding triggers), or change the audit log;
it still does all of its own work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dorsum.settings import Settings
from dorsum.storage.database import make_engine, session_factory
from dorsum.web.app import create_app
from tests.web.conftest import POSTGRES, Clinic, _seed
from tests.web.test_api import TEEN, token_for

DATABASE = "dorsum_roles_test"
OWNER, APP = "dorsum_owner_test", "dorsum_app_test"


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    """A database owned by an owner role, and an application role with no rights of its own."""
    if POSTGRES is None:
        pytest.skip("set DORSUM_TEST_DATABASE_URL to test PostgreSQL (CI does)")
    admin = make_engine(POSTGRES).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        for role in (APP, OWNER):
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
            connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f"CREATE DATABASE {DATABASE} OWNER {OWNER}"))
    base = make_url(POSTGRES).set(database=DATABASE)
    owner = base.set(username=OWNER).render_as_string(hide_password=False)
    app = base.set(username=APP).render_as_string(hide_password=False)
    yield owner, app
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        for role in (APP, OWNER):
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.fixture
def site_as_app_role(roles: tuple[str, str]) -> Iterator[Clinic]:
    owner, app_url = roles
    app = create_app(
        Settings(database_url=app_url, migration_database_url=owner, public_clinic="alpha")
    )
    _seed(app_url)
    yield Clinic(app=app, url=app_url)
    app.state.engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_log",
        "TRUNCATE consultation_versions CASCADE",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE consultation_versions DISABLE TRIGGER USER",
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_head",
        "UPDATE consultation_versions SET note = 'x'",
        "DROP TABLE audit_log",
    ],
)
def test_the_application_role_cannot_tamper_with_the_record(
    site_as_app_role: Clinic, statement: str
) -> None:
    """Each of these is refused to the role the application connects as."""
    with session_factory(site_as_app_role.app.state.engine)() as db:
        with pytest.raises(DBAPIError, match=r"permission denied|must be owner|append-only"):
            db.execute(text(statement))
        db.rollback()


def test_the_application_role_does_all_of_its_own_work(site_as_app_role: Clinic) -> None:
    """Register, consult, revise, plan, book, erase and sign in: all as the application."""
    with TestClient(site_as_app_role.app, base_url="https://testserver") as client:
        auth = token_for(site_as_app_role, "admin@alpha.test")
        patient = client.post("/api/patients", json={"name": "Role Test"}, headers=auth).json()
        made = client.post(
            f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=auth
        )
        assert made.status_code == 201, made.text
        revised = client.put(
            f"/api/consultations/{made.json()['id']}", json={"intake": TEEN}, headers=auth
        )
        assert revised.status_code == 200, revised.text
        planned = client.post(
            f"/api/consultations/{made.json()['id']}/plans", json={}, headers=auth
        )
        assert planned.status_code == 201, planned.text
        assert client.delete(f"/api/patients/{patient['id']}", headers=auth).status_code == 204
        login = client.get("/login")
        assert login.status_code == 200
