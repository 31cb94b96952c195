"""The call writer, alone (each call its own transaction) and grouped (concurrent calls in one,
as on SQLite): each write in a savepoint; a jti accepted once however many threads present it
at the same moment, and no call's failure touching another call's writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dorsum.cds.errors import NotAuthorised, UnknownService
from dorsum.cds.feedback import IssuedCard, record_cards
from dorsum.cds.replay import remember_jti
from dorsum.cds.trust import VerifiedClient
from dorsum.cds.writes import PURGE_EVERY, CallWriter
from dorsum.storage.database import make_engine, session_factory
from dorsum.storage.migrate import upgrade
from dorsum.storage.tables import CdsCard, CdsJti
from tests.web.conftest import BACKENDS, POSTGRES, _reset_postgres

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated, empty database on each backend (PostgreSQL when DORSUM_TEST_DATABASE_URL)."""
    if request.param == "postgresql":
        assert POSTGRES is not None
        url = POSTGRES
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'writes.sqlite3'}"
        upgrade(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(params=[False, True], ids=["alone", "grouped"])
def group(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def client(jti: str, *, expires: datetime = NOW + timedelta(minutes=5)) -> VerifiedClient:
    return VerifiedClient(issuer="https://ehr.example", jti=jti, expires_at=expires)


def count(sessions: sessionmaker[Session], table: type[CdsJti] | type[CdsCard]) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(table)) or 0


def test_a_jti_presented_by_many_threads_at_once_is_accepted_once(
    sessions: sessionmaker[Session],
    group: bool,
) -> None:
    """Sixteen threads, four distinct jtis: exactly four succeed, twelve are refused."""
    writer = CallWriter(sessions=sessions, clock=lambda: NOW, group=group)
    outcomes: list[str] = []
    start = threading.Barrier(16)

    def present(jti: str) -> None:
        start.wait()
        try:
            writer.write(lambda db: remember_jti(db, client=client(jti)))
            outcomes.append("accepted")
        except NotAuthorised:
            outcomes.append("refused")

    threads = [threading.Thread(target=present, args=(f"jti-{n % 4}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted"] * 4 + ["refused"] * 12
    assert count(sessions, CdsJti) == 4


def test_a_refused_store_keeps_the_spent_jti(sessions: sessionmaker[Session], group: bool) -> None:
    """The jti is committed even when the write after it is refused."""
    writer = CallWriter(sessions=sessions, clock=lambda: NOW, group=group)

    def refuse(_db: Session) -> None:
        raise UnknownService("no such card")

    with pytest.raises(UnknownService):
        writer.write(lambda db: remember_jti(db, client=client("j1")), refuse)
    assert count(sessions, CdsJti) == 1


def test_one_calls_refusal_does_not_undo_another_calls_writes(
    sessions: sessionmaker[Session],
    group: bool,
) -> None:
    """Cards issued by one call are kept though a replay in the same batch is refused."""
    writer = CallWriter(sessions=sessions, clock=lambda: NOW, group=group)
    writer.write(lambda db: remember_jti(db, client=client("seen")))
    card = IssuedCard(uuid="5b3b7e0e-1111-4222-8333-944444444444", kind="summary", indicator="info")
    writer.write(lambda db: record_cards(db, service="dorsum-patient-view", cards=[card], now=NOW))
    with pytest.raises(NotAuthorised):
        writer.write(lambda db: remember_jti(db, client=client("seen")))
    assert count(sessions, CdsCard) == 1


def test_a_database_error_in_one_call_leaves_other_calls_writes_alone(
    sessions: sessionmaker[Session],
    group: bool,
) -> None:
    """Calls at the same moment: the one whose store fails gets its error, the others succeed."""
    writer = CallWriter(sessions=sessions, clock=lambda: NOW, group=group)
    start = threading.Barrier(8)
    outcomes: dict[int, str] = {}

    def broken(db: Session) -> None:
        db.execute(text("INSERT INTO no_such_table VALUES (1)"))

    def call(n: int) -> None:
        card = IssuedCard(
            uuid=f"5b3b7e0e-1111-4222-8333-9444444444{n:02}", kind="summary", indicator="info"
        )
        store = (
            broken
            if n == 3
            else (lambda db: record_cards(db, service="dorsum-patient-view", cards=[card], now=NOW))
        )
        start.wait()
        try:
            writer.write(lambda db: remember_jti(db, client=client(f"jti-{n}")), store)
            outcomes[n] = "ok"
        except SQLAlchemyError:  # SQLite: OperationalError; PostgreSQL: ProgrammingError
            outcomes[n] = "failed"

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {n: "failed" if n == 3 else "ok" for n in range(8)}
    assert (count(sessions, CdsCard), count(sessions, CdsJti)) == (7, 8)  # call 3's jti is spent


def test_a_group_that_cannot_commit_is_committed_call_by_call(
    sessions: sessionmaker[Session],
) -> None:
    """The shared transaction fails as a whole: every call of the group is committed alone."""
    failed = threading.Event()

    class FailsOnce(Session):
        def commit(self) -> None:
            if not failed.is_set():
                failed.set()
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
            super().commit()

    flaky = cast(
        "sessionmaker[Session]",
        sessionmaker(bind=sessions.kw["bind"], class_=FailsOnce, expire_on_commit=False),
    )
    writer = CallWriter(sessions=flaky, clock=lambda: NOW, group=True)
    outcomes: dict[int, str] = {}

    def call(n: int) -> None:
        try:
            writer.write(lambda db: remember_jti(db, client=client(f"jti-{n}")))
            outcomes[n] = "ok"
        except Exception as error:  # the outcome is what is asserted
            outcomes[n] = type(error).__name__

    with writer._leader:  # hold the commit back until all four calls are queued
        threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        while len(writer._queue) < 4:
            time.sleep(0.001)
    for thread in threads:
        thread.join()
    assert failed.is_set()
    assert outcomes == dict.fromkeys(range(4), "ok")
    assert count(sessions, CdsJti) == 4


def test_expired_jtis_are_forgotten(sessions: sessionmaker[Session]) -> None:
    """A jti whose token has expired is swept (at most once a minute); it cannot be replayed."""
    moments = iter([NOW, NOW + timedelta(seconds=30), NOW + PURGE_EVERY])
    writer = CallWriter(sessions=sessions, clock=lambda: next(moments))
    writer.write(lambda db: remember_jti(db, client=client("old", expires=NOW - timedelta(1))))
    writer.write(lambda db: remember_jti(db, client=client("new")))
    assert count(sessions, CdsJti) == 2  # swept a moment ago: not yet again
    writer.write(lambda db: remember_jti(db, client=client("newer")))
    with sessions() as db:
        assert sorted(db.scalars(select(CdsJti.jti))) == ["new", "newer"]
