"""SQLite under concurrent clients: transactions take the write lock up front and wait for it
(the busy wait), a lock that truly outlasts the wait answers 503 with Retry-After, never 500,
and commits are durable (synchronous=FULL)."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from dorsum.services import patients
from dorsum.services.auth import actor_of
from dorsum.settings import Settings
from dorsum.storage.database import session_factory
from dorsum.storage.tables import User
from dorsum.web.app import create_app
from tests.web.conftest import _seed, sign_in
from tests.web.server import serve
from tests.web.test_api import TEEN


def _app(tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    app = create_app(Settings(database_url=url, public_clinic="alpha", **options))  # type: ignore[arg-type]
    _seed(url)
    return app, url


def test_a_transaction_that_reads_then_writes_waits_for_the_lock(tmp_path: Path) -> None:
    """Two such transactions at once both commit: the second waits for the first."""
    app, _url = _app(tmp_path)
    factory = session_factory(app.state.engine)
    failures: list[BaseException] = []

    def register(name: str) -> None:
        try:
            time.sleep(0.05 if name == "Two" else 0)  # the second reads while the first waits
            with factory() as db:
                user = db.get(User, 1)
                assert user is not None
                db.execute(text("SELECT count(*) FROM patients")).scalar()
                time.sleep(0.2)
                patients.create_patient(
                    db,
                    actor=actor_of(user),
                    data=patients.PatientCreate(name=name),
                    today=__import__("datetime").date(2026, 11, 29),
                )
                db.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=register, args=(n,)) for n in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    with factory() as db:
        assert db.execute(text("SELECT count(*) FROM patients")).scalar() == 2
    app.state.engine.dispose()


def test_a_lock_held_past_the_busy_wait_answers_503_with_retry_after(tmp_path: Path) -> None:
    """Someone holds the write lock longer than the wait: 503 and Retry-After, not 500."""
    app, url = _app(tmp_path, sqlite_busy_timeout_ms=150)
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    with TestClient(app, base_url="https://testserver") as client:
        from tests.web.conftest import Clinic
        from tests.web.test_api import token_for

        auth = token_for(Clinic(app=app, url=url), "practitioner@alpha.test")
        holder.execute("BEGIN IMMEDIATE")
        try:
            busy = client.post("/api/patients", json={"name": "Waiting"}, headers=auth)
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == "2"
            listing = client.get("/api/patients", headers=auth)
            assert listing.status_code == 503
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert client.post("/api/patients", json={"name": "Now"}, headers=auth).status_code == 201
    app.state.engine.dispose()


def test_sqlite_commits_are_durable(tmp_path: Path) -> None:
    """WAL with synchronous=FULL: a committed transaction survives a power cut."""
    app, _url = _app(tmp_path)
    with app.state.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    app.state.engine.dispose()


def test_two_clients_hammering_sqlite_get_no_server_error(tmp_path: Path) -> None:
    """Two clients mixing reads and writes against a real server: not a single 5xx (on main
    some requests failed at once with "database is locked")."""
    url = f"sqlite:///{tmp_path / 'hammer.sqlite3'}"
    from dorsum.storage.migrate import upgrade

    upgrade(url)
    _seed(url)
    from tests.web.test_logs import _token

    auth = {"Authorization": f"Bearer {_token(url)}"}
    server = serve(url, tmp_path)

    def client_work(worker: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
            for step in range(25):
                made = http.post("/api/patients", json={"name": f"W{worker} {step}"})
                statuses.append(made.status_code)
                if made.status_code == 201:
                    patient = made.json()["id"]
                    consulted = http.post(
                        f"/api/patients/{patient}/consultations", json={"intake": TEEN}
                    )
                    statuses.append(consulted.status_code)
                    statuses.append(http.get(f"/api/patients/{patient}/progress").status_code)
                statuses.append(http.get("/api/patients", params={"q": "W"}).status_code)
        return statuses

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = [status for part in pool.map(client_work, (1, 2)) for status in part]
    finally:
        server.stop()
    assert [s for s in results if s >= 500] == []
    assert results.count(201) == 100


def test_what_only_reads_never_waits_for_a_writer(tmp_path: Path) -> None:
    """The health check and the error page's look-up of who is signed in read a snapshot:
    while someone holds the write lock they still answer (a wait there would block the
    server's event loop)."""
    app, url = _app(tmp_path, sqlite_busy_timeout_ms=150)
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    with TestClient(app, base_url="https://testserver") as client:
        sign_in(client, "practitioner@alpha.test")
        holder.execute("BEGIN IMMEDIATE")
        try:
            assert client.get("/api/health").status_code == 200
            missing = client.get("/no-such-page", headers={"accept": "text/html"})
            assert missing.status_code == 404
            assert "Not found" in missing.text
            assert "alpha practitioner" in missing.text
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    app.state.engine.dispose()
