"""No patient data in any log, on any error path: a real `dorsum serve` is made to fail in the
database while a patient's details are being saved, searched and mistyped, and its whole log
is searched for every one of them."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import text

from dorsum.storage.database import make_engine
from dorsum.web.logs import NoPatientData, scrubbed
from tests.web.conftest import POSTGRES, _reset_postgres, _seed
from tests.web.server import serve

NAME = "Zacarías Quintanilla-Ybarra"
EMAIL = "zq.secret@example.org"
PHONE = "+34 611 222 333"
BORN = "1987-06-05"
SEARCH = "quintanillasecret"
SECRETS = (NAME, "Quintanilla", EMAIL, "zq.secret", PHONE, "611 222 333", BORN, SEARCH)


def _token(url: str) -> str:
    from dorsum.services.auth import issue_api_token
    from dorsum.storage.database import session_factory

    engine = make_engine(url)
    with session_factory(engine)() as db:
        user = db.scalar(text("SELECT id FROM users WHERE email = 'practitioner@alpha.test'"))
        token = issue_api_token(db, user_id=int(user), label="logs")
        db.commit()
    engine.dispose()
    return token


def _break_patient_inserts(url: str) -> None:
    """Every insert of a patient fails in the database, with the patient's data in the
    database's own error message where the database allows it (PostgreSQL)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        if url.startswith("sqlite"):
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_patients BEFORE INSERT ON patients "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE OR REPLACE FUNCTION refuse_patient() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused % % % %', NEW.name, NEW.email, NEW.phone, "
                    "NEW.birth_date; END; $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_patients BEFORE INSERT ON patients "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_patient()"
                )
            )
    engine.dispose()


def _undo(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "DROP TRIGGER IF EXISTS refuse_patients"
                + ("" if url.startswith("sqlite") else " ON patients")
            )
        )
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", *(["postgresql"] if POSTGRES else [])])
def test_database_errors_never_put_patient_data_in_the_log(backend: str, tmp_path: Path) -> None:
    """Failed saves, searches and validation errors: none of the patient's fields is logged."""
    if backend == "postgresql":
        assert POSTGRES is not None
        url = POSTGRES
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'logs.sqlite3'}"
        from dorsum.storage.migrate import upgrade

        upgrade(url)
    _seed(url)
    auth = {"Authorization": f"Bearer {_token(url)}"}
    _break_patient_inserts(url)
    server = serve(url, tmp_path)
    try:
        patient = {"name": NAME, "email": EMAIL, "phone": PHONE, "birth_date": BORN}
        failed = httpx.post(f"{server.url}/api/patients", json=patient, headers=auth)
        assert failed.status_code in (409, 500)
        assert NAME not in failed.text
        searched = httpx.get(f"{server.url}/api/patients", params={"q": SEARCH}, headers=auth)
        assert searched.status_code == 200
        mistyped = httpx.post(
            f"{server.url}/api/patients",
            json={**patient, "birth_date": f"{SEARCH}-{BORN}"},
            headers=auth,
        )
        assert mistyped.status_code == 422
    finally:
        log = server.stop()
        _undo(url)
    assert "request failed [" in log or "refused by the database" in log
    assert "message withheld" in log
    leaked = [secret for secret in SECRETS if secret in log]
    assert leaked == [], log


def test_an_exception_reaches_the_log_without_its_message() -> None:
    """Whatever logs an exception (uvicorn, SQLAlchemy, our code) logs where, never what."""
    try:
        raise ValueError(f"Key (email)=({EMAIL}) already exists")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
    NoPatientData().filter(record)
    formatted = logging.Formatter().format(record)
    assert EMAIL not in formatted
    assert "ValueError (message withheld)" in formatted
    assert "test_logs.py" in formatted


def test_a_scrubbed_traceback_follows_the_causes() -> None:
    """Chained exceptions are listed, each without its message."""
    try:
        try:
            raise KeyError(NAME)
        except KeyError as inner:
            raise RuntimeError(PHONE) from inner
    except RuntimeError as error:
        shown = scrubbed(error)
    assert "builtins.RuntimeError" in shown
    assert "builtins.KeyError" in shown
    assert NAME not in shown
    assert PHONE not in shown
