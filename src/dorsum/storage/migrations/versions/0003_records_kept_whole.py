"""Records kept whole: ids never reused, a tamper-evident audit log, guards against REPLACE and
TRUNCATE, API tokens that expire and can be revoked, an atomic sign-in limit, accent-blind
patient search, and cancellable appointments.

- SQLite tables become AUTOINCREMENT, so an erased patient's id is never handed to the next
  patient. Each table's counter starts above every id it ever gave out, including ids that
  only the audit log still remembers (erased patients, consultations, plans, appointments).
- Each audit entry gets `prev_hash` and `hash` (`dorsum.storage.audit_chain`); the entries
  written before this migration are chained in id order, clinic by clinic, and `audit_head`
  holds each clinic's last link.
- SQLite: `REPLACE INTO` deletes the row it replaces without firing DELETE triggers; new
  BEFORE INSERT triggers refuse an insert over an existing saved record or audit entry.
  PostgreSQL: TRUNCATE of the audit log or of saved records is refused by a trigger (the
  application's role cannot TRUNCATE at all when it is not the owner; see docs/webapp.md).
- Existing API tokens expire 90 days after the upgrade.
- Appointment times: before this revision a time typed in the booking form was the clinic's
  wall-clock time stored as if it were UTC, and SQLite dropped any offset. Each stored time is
  read as wall-clock time in the clinic's zone (DORSUM_TIMEZONE, Europe/Madrid by default) and
  stored as the UTC instant it means. (On PostgreSQL a booking that the API received with an
  explicit offset was stored right, and moves by the zone's offset; the API was days old.)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

import os
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from dorsum.storage.audit_chain import GENESIS, entry_hash
from dorsum.storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    "clinics",
    "users",
    "login_sessions",
    "api_tokens",
    "patients",
    "consultations",
    "consultation_versions",
    "treatment_plans",
    "appointments",
    "booking_requests",
    "audit_log",
)
# which audit entity remembers ids of which table, for ids whose rows were erased
REMEMBERED = {
    "patients": "patient",
    "consultations": "consultation",
    "treatment_plans": "plan",
    "appointments": "appointment",
}
FROZEN = {
    "consultations": ("clinic_id", "patient_id", "visit_date", "created_at"),
    "consultation_versions": (
        "consultation_id",
        "version",
        "intake",
        "body_map",
        "assessment",
        "knowledge_base_version",
        "note",
        "created_at",
    ),
    "treatment_plans": ("clinic_id", "consultation_version_id", "chosen", "plan", "created_at"),
}
# the keys an INSERT OR REPLACE could overwrite, per guarded table
REPLACEABLE = {
    "audit_log": ("id = NEW.id",),
    "consultations": ("id = NEW.id",),
    "consultation_versions": (
        "id = NEW.id",
        "consultation_id = NEW.consultation_id AND version = NEW.version",
    ),
    "treatment_plans": ("id = NEW.id",),
}
APPEND_ONLY = "audit_log is append-only"
HEAD_FORWARD = "audit_head only moves forward"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    _drop_guards()
    _new_tables()
    _new_columns()
    _chain_existing_audit_entries()
    _fill_search_text()
    _expire_existing_tokens()
    _appointments_to_utc()
    if _sqlite():
        _never_reuse_sqlite_ids()
    _create_guards()


def _drop_guards() -> None:
    """The 0001/0002 triggers; rebuilt (and extended) at the end."""
    if _sqlite():
        for name in ("audit_log_no_update", "audit_log_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in FROZEN:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_change")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")


def _new_tables() -> None:
    op.create_table(
        "audit_head",
        sa.Column("clinic_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempts_email"))
        batch_op.drop_index(batch_op.f("ix_login_attempts_at"))
        batch_op.drop_index(batch_op.f("ix_login_attempts_address"))
    op.drop_table("login_attempts")


def _new_columns() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("hash", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("api_tokens") as batch_op:
        far = datetime(2000, 1, 1)
        batch_op.add_column(
            sa.Column("expires_at", UtcDateTime(), nullable=False, server_default=str(far))
        )
        batch_op.add_column(sa.Column("revoked_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("patients") as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.String(length=800), nullable=False, server_default="")
        )
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_appointments_cancelled_by_users"),
            "users",
            ["cancelled_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_appointments_clinic_starts", ["clinic_id", "starts_at"])
    # the defaults above only filled existing rows; new rows always say what they hold
    for table, column in (
        ("audit_log", "prev_hash"),
        ("audit_log", "hash"),
        ("api_tokens", "expires_at"),
        ("patients", "search_text"),
    ):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(column, server_default=None)


AUDIT = sa.table(
    "audit_log",
    *(sa.column(name, sa.Integer()) for name in ("id", "clinic_id", "user_id")),
    *(sa.column(name, sa.Integer()) for name in ("entity_id", "patient_id")),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("at", UtcDateTime()),
)


def _chain_existing_audit_entries() -> None:
    bind = op.get_bind()
    entries = bind.execute(sa.select(AUDIT).order_by(AUDIT.c.clinic_id, AUDIT.c.id)).all()
    heads: dict[int, tuple[int, str]] = {}
    links: list[dict[str, object]] = []
    for row in entries:
        previous = heads.get(row.clinic_id, (0, GENESIS))[1]
        digest = entry_hash(
            clinic_id=row.clinic_id,
            user_id=row.user_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            patient_id=row.patient_id,
            at=row.at,
            prev_hash=previous,
        )
        links.append({"prev": previous, "hash": digest, "entry": row.id})
        heads[row.clinic_id] = (row.id, digest)
    if links:
        bind.execute(
            sa.text("UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE id = :entry"),
            links,
        )
    clinics = [row.id for row in bind.execute(sa.text("SELECT id FROM clinics"))]
    for clinic_id in sorted(set(clinics) | set(heads)):
        last_id, last_hash = heads.get(clinic_id, (0, GENESIS))
        bind.execute(
            sa.text(
                "INSERT INTO audit_head (clinic_id, last_id, last_hash) "
                "VALUES (:clinic, :id, :hash)"
            ),
            {"clinic": clinic_id, "id": last_id, "hash": last_hash},
        )


def _fold(*parts: str | None) -> str:
    """Lower case, without accents (the same folding as dorsum.services.text.search_key)."""
    joined = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", joined.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fill_search_text() -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.text("SELECT id, name, email, phone FROM patients")).all():
        bind.execute(
            sa.text("UPDATE patients SET search_text = :text WHERE id = :id"),
            {"text": _fold(row.name, row.email, row.phone)[:800], "id": row.id},
        )


def _expire_existing_tokens() -> None:
    tokens = sa.table("api_tokens", sa.column("expires_at", UtcDateTime()))
    expiry = datetime.now(UTC) + timedelta(days=90)
    op.get_bind().execute(tokens.update().values(expires_at=expiry))


def _appointments_to_utc() -> None:
    zone = ZoneInfo(os.environ.get("DORSUM_TIMEZONE") or "Europe/Madrid")
    plain = sa.table(
        "appointments", sa.column("id", sa.Integer()), sa.column("starts_at", sa.DateTime())
    )
    typed = sa.table(
        "appointments", sa.column("id", sa.Integer()), sa.column("starts_at", UtcDateTime())
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(plain)).all():
        stored = row.starts_at
        if isinstance(stored, str):
            stored = datetime.fromisoformat(stored)
        wall = stored.astimezone(UTC).replace(tzinfo=None) if stored.tzinfo else stored
        instant = wall.replace(tzinfo=zone)
        bind.execute(typed.update().where(typed.c.id == row.id).values(starts_at=instant))


def _never_reuse_sqlite_ids() -> None:
    """Rebuild each table as AUTOINCREMENT and start its counter above every id ever given."""
    bind = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
        floor = bind.scalar(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) or 0
        entity = REMEMBERED.get(table)
        if entity is not None:
            remembered = bind.scalar(
                sa.text("SELECT COALESCE(MAX(entity_id), 0) FROM audit_log WHERE entity = :entity"),
                {"entity": entity},
            )
            floor = max(floor, remembered or 0)
        if table == "patients":
            floor = max(
                floor,
                bind.scalar(sa.text("SELECT COALESCE(MAX(patient_id), 0) FROM audit_log")) or 0,
            )
        if table == "consultation_versions":
            # version ids are not in the audit log, but each create or update of a
            # consultation made exactly one version: no version id ever exceeded their count
            made = bind.scalar(
                sa.text(
                    "SELECT count(*) FROM audit_log WHERE entity = 'consultation' "
                    "AND action IN ('create', 'update')"
                )
            )
            floor = max(floor, made or 0)
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)"),
            {"t": table, "seq": floor},
        )


def _create_guards() -> None:
    if _sqlite():
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        for table, columns in FROZEN.items():
            op.execute(
                f"CREATE TRIGGER {table}_never_change BEFORE UPDATE OF {', '.join(columns)} "
                f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is never changed once saved'); END"
            )
        for table, keys in REPLACEABLE.items():
            clash = " OR ".join(f"({key})" for key in keys)
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is never replaced once saved'); END"
            )
        op.execute(
            "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD_FORWARD}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
            "WHEN NEW.last_id < OLD.last_id OR NEW.clinic_id != OLD.clinic_id "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD_FORWARD}'); END"
        )
        return
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE FUNCTION saved_record_never_truncated() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION '% is never truncated', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
    )
    for table in ("audit_log", "audit_head", *FROZEN):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION saved_record_never_truncated()"
        )
    op.execute(
        "CREATE FUNCTION audit_head_forward() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'DELETE' OR NEW.last_id < OLD.last_id OR NEW.clinic_id <> OLD.clinic_id "
        f"THEN RAISE EXCEPTION '{HEAD_FORWARD}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()"
    )


def downgrade() -> None:
    sqlite = _sqlite()
    if sqlite:
        for table in REPLACEABLE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward")
    else:
        for table in ("audit_log", "audit_head", *FROZEN):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward()")
        op.execute("DROP FUNCTION IF EXISTS saved_record_never_truncated()")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
    else_triggers = ("audit_log_no_update", "audit_log_no_delete")
    if sqlite:
        for name in else_triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_index("ix_appointments_clinic_starts")
        batch_op.drop_constraint(batch_op.f("fk_appointments_cancelled_by_users"), "foreignkey")
        batch_op.drop_column("cancelled_by")
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("patients") as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    op.drop_table("login_throttle")
    op.drop_table("audit_head")
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempts_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempts_email"), ["email"], unique=False)
    # the 0001/0002 guards, as they were
    if sqlite:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        for table, columns in FROZEN.items():
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_change")
            op.execute(
                f"CREATE TRIGGER {table}_never_change BEFORE UPDATE OF {', '.join(columns)} "
                f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is never changed once saved'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
