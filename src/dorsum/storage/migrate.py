"""Run the Alembic migrations shipped inside the package, from code or `dorsum db`.

On PostgreSQL the tables belong to the role that migrates them (DORSUM_MIGRATION_DATABASE_URL),
and the application can connect as another role (DORSUM_DATABASE_URL). After every upgrade that
role gets exactly what the application needs and no more: it reads and writes records, appends
to the audit log, and cannot TRUNCATE, ALTER (so cannot disable the guarding triggers), or
change or delete audit entries.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from dorsum.storage.database import make_engine

# tables whose rows the application may add but never change: nothing of theirs is updated
APPEND_ONLY = ("audit_log", "consultation_versions", "treatment_plans")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("dorsum.storage") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, app_url: str | None = None) -> None:
    """Bring the schema at `url` up to `revision`; then grant `app_url`'s role its rights."""
    command.upgrade(alembic_config(url), revision)
    if app_url is not None:
        grant_application_role(owner_url=url, app_url=app_url)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema at `url` down to `revision`."""
    command.downgrade(alembic_config(url), revision)


def application_role(*, owner_url: str, app_url: str) -> str | None:
    """The PostgreSQL role to grant to, or None when there is nothing to grant (SQLite, or the
    application connecting as the owner itself)."""
    owner, app = make_url(owner_url), make_url(app_url)
    if owner.get_backend_name() != "postgresql" or app.get_backend_name() != "postgresql":
        return None
    if not app.username or app.username == owner.username:
        return None
    return app.username


def grant_application_role(*, owner_url: str, app_url: str) -> None:
    role = application_role(owner_url=owner_url, app_url=app_url)
    if role is None:
        return
    engine = make_engine(owner_url)
    try:
        with engine.begin() as connection:
            quoted = connection.dialect.identifier_preparer.quote(role)
            schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
            target = connection.dialect.identifier_preparer.quote(schema)
            for statement in (
                f"GRANT USAGE ON SCHEMA {target} TO {quoted}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {target} FROM {quoted}",
                "GRANT SELECT, INSERT, UPDATE, DELETE "
                f"ON ALL TABLES IN SCHEMA {target} TO {quoted}",
                f"REVOKE UPDATE ON {', '.join(APPEND_ONLY)} FROM {quoted}",
                f"REVOKE DELETE ON audit_log, audit_head FROM {quoted}",
                f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {target} TO {quoted}",
            ):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
