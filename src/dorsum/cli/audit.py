"""`dorsum audit verify`: prove the audit log is whole, or say where it is not."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Walk every clinic's hash chain; exit 1 and name the first broken link of each clinic
    where an entry was changed, removed, inserted or truncated outside dorsum."""
    from dorsum.services import audit
    from dorsum.settings import Settings
    from dorsum.storage.database import make_engine, session_factory

    engine = make_engine(Settings().database_url)
    try:
        with session_factory(engine)() as db:
            result = audit.verify(db)
            db.rollback()
    finally:
        engine.dispose()
    for link in result.broken:
        where = f"entry {link.entry_id}" if link.entry_id is not None else "the log"
        typer.echo(f"clinic {link.clinic_id}: broken at {where}: {link.reason}")
    if not result.intact:
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {result.entries} entries in {result.clinics} clinic(s)")
