"""Web fixtures: a fresh database per test (SQLite, and PostgreSQL when
DORSUM_TEST_DATABASE_URL is set), two clinics with a user of each role, and a client that
speaks HTTPS so the secure session cookie travels."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from dorsum.services import users
from dorsum.settings import Settings
from dorsum.storage.database import make_engine, session_factory
from dorsum.storage.migrate import upgrade
from dorsum.storage.tables import Base
from dorsum.web.app import create_app

PASSWORD = "correct horse battery"
POSTGRES = os.environ.get("DORSUM_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES else [])]


@dataclass
class Clinic:
    app: FastAPI
    url: str


def _reset_postgres(url: str) -> None:
    """Empty every table. The guards refuse TRUNCATE of saved records and the audit log, so
    the test superuser sets them aside for this one statement (replica mode)."""
    engine = make_engine(url)
    upgrade(url)
    with engine.begin() as connection:
        names = ", ".join(table.name for table in reversed(Base.metadata.sorted_tables))
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_factory(engine)() as db:
        alpha = users.create_clinic(db, slug="alpha", name="Alpha clinic")
        beta = users.create_clinic(db, slug="beta", name="Beta clinic")
        for clinic, prefix in ((alpha, "alpha"), (beta, "beta")):
            for role in ("admin", "practitioner", "reception"):
                users.create_user(
                    db,
                    clinic_id=clinic.id,
                    email=f"{role}@{prefix}.test",
                    name=f"{prefix} {role}",
                    password=PASSWORD,
                    role=role,
                )
        db.commit()
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Clinic]:
    """A migrated, seeded application on each database backend."""
    if request.param == "postgresql":
        assert POSTGRES is not None
        url = POSTGRES
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'dorsum.sqlite3'}"
    settings = Settings(
        database_url=url,
        public_clinic="alpha",
        auto_migrate=True,
        photo_dir=str(tmp_path / "photos"),
    )
    app = create_app(settings)
    _seed(url)
    yield Clinic(app=app, url=url)
    app.state.engine.dispose()


@pytest.fixture
def client(site: Clinic) -> Iterator[TestClient]:
    with TestClient(site.app, base_url="https://testserver") as test_client:
        yield test_client


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token a page's forms carry."""
    page = client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, email: str) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/patients" if not email.startswith("reception") else "/appointments")


@pytest.fixture
def doctor(client: TestClient) -> tuple[TestClient, str]:
    return client, sign_in(client, "practitioner@alpha.test")
