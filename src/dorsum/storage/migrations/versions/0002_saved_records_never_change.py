"""Saved consultations, their versions and plans never change: the database refuses updates of
their content, as it already does for the audit log. Deleting stays possible (erasure, GDPR
art. 17), and so does clearing `created_by` when a user is removed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The content of each table that no UPDATE may touch, whatever the application does.
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


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "CREATE FUNCTION saved_record_never_changes() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is never changed once saved', TG_TABLE_NAME; END; "
            "$$ LANGUAGE plpgsql"
        )
    for table, columns in FROZEN.items():
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_never_change BEFORE UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION saved_record_never_changes()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_never_change BEFORE UPDATE OF {', '.join(columns)} "
                f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is never changed once saved'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in FROZEN:
        op.execute(
            f"DROP TRIGGER IF EXISTS {table}_never_change" + (f" ON {table}" if postgres else "")
        )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS saved_record_never_changes()")
