"""Engines and sessions. SQLite is the default (a file created on first run, in WAL mode);
PostgreSQL is chosen with DORSUM_DATABASE_URL.

Two promises are kept here for every caller (web, CLI, demo, migrations):
- **No patient data in logs**: SQL parameters (names, birth dates, e-mails, search terms) are
  never put into an error's text (`hide_parameters`), so a logged database error cannot leak.
- **SQLite transactions that wait instead of failing**: Python's sqlite3 driver starts
  transactions lazily, on the first write, so a request that reads and then writes cannot wait
  for the write lock and fails at once with "database is locked". Here the driver's own
  transaction handling is switched off and every transaction starts with `BEGIN IMMEDIATE`:
  it takes the write lock up front, honouring the busy wait (`busy_timeout`). Savepoints then
  work too, which is what lets a use case roll back only its own writes.
  `synchronous=FULL` makes a committed transaction survive a power cut in WAL mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 5000


def make_engine(
    url: str, *, foreign_keys: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> Engine:
    """An engine for `url`. `foreign_keys=False` is for migrations that rebuild SQLite tables
    (dropping a table with enforcement on would cascade into the rows that refer to it);
    `busy_timeout_ms` is how long a SQLite transaction waits for the write lock."""
    parsed = make_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {
            "check_same_thread": False,
            "timeout": busy_timeout_ms / 1000,
        }
    engine = create_engine(url, **options)
    if sqlite:
        configure = _sqlite_connection(foreign_keys=foreign_keys, busy_timeout_ms=busy_timeout_ms)
        event.listen(engine, "connect", configure)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _sqlite_connection(*, foreign_keys: bool, busy_timeout_ms: int) -> Any:
    def configure(connection: Any, _record: Any) -> None:
        connection.isolation_level = None  # dorsum, not the driver, says when a transaction starts
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=FULL")
        # REPLACE deletes the row it replaces; with recursive triggers that delete fires the
        # DELETE triggers that keep saved records and the audit log unchanged.
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.close()

    return configure


READ_ONLY = "dorsum_read_only"


def _begin_immediate(connection: Connection) -> None:
    """Writes take the lock up front; a connection marked read-only (`reading(engine)`) just
    reads its snapshot, which in WAL mode never waits for a writer."""
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def reading(engine: Engine) -> Engine:
    """The same engine for work that only reads: it never waits for SQLite's write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
