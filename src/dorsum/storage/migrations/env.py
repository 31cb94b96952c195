"""Alembic environment: the URL comes from the config the caller builds (see migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dorsum.storage.database import make_engine
from dorsum.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    # Rebuilding a SQLite table drops the old one: with foreign keys enforced, that would
    # cascade into every row that refers to it. The migration checks the keys at the end.
    engine = make_engine(url, foreign_keys=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
            _check_foreign_keys(connection)
    engine.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} rows with broken references")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
