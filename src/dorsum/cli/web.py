"""`dorsum serve`, `dorsum demo` and `dorsum db`: run the clinic application."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from dorsum.cli.common import clinic_today, fail

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the web application (uvicorn with httptools and uvloop)."""
    import uvicorn

    from dorsum.web.logs import LOGGING

    uvicorn.run(
        "dorsum.web.main:app",
        host=host,
        port=port,
        workers=workers,
        http="httptools",
        loop="uvloop",
        log_config=LOGGING,
        access_log=True,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 before dorsum sees the request;
        # dorsum decides itself, from DORSUM_TRUSTED_PROXIES (dorsum.web.addresses)
        proxy_headers=False,
    )


def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    run: Annotated[bool, typer.Option(help="Start the server after loading the data.")] = True,
) -> None:
    """Create the database (SQLite by default), load demo data, and start the application."""
    import dorsum
    from dorsum.media.store import store_from_settings
    from dorsum.services.appointments import BookingRules
    from dorsum.services.demo import PASSWORD, USERS, book_demo_plans, load_demo
    from dorsum.services.demo_photos import photograph_demo
    from dorsum.settings import get_settings
    from dorsum.storage.database import make_engine, session_factory
    from dorsum.storage.migrate import upgrade

    settings = get_settings()
    upgrade(settings.owner_database_url, app_url=settings.database_url)
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        index = dorsum.default_index()
        loaded = load_demo(session, today=clinic_today(settings.zone), index=index)
        if loaded:
            rules = BookingRules(settings.zone, settings.hours, settings.booking_horizon_days)
            book_demo_plans(session, index=index, rules=rules, now=datetime.now(UTC))
            photograph_demo(session, store=store_from_settings(settings), now=datetime.now(UTC))
        session.commit()
    engine.dispose()
    typer.echo("")
    typer.echo(
        "dorsum demo "
        + ("loaded" if loaded else "already loaded")
        + f" into {settings.database_url}"
    )
    typer.echo(f"  Open      http://{host}:{port}/")
    for email, name, role, _language in USERS:
        typer.echo(f"  Sign in   {email:<30} password {PASSWORD}   ({role}, {name})")
    typer.echo("  Stop with Ctrl+C.")
    typer.echo("")
    if run:
        serve(host=host, port=port, workers=1)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the database up to a revision, as the owner (DORSUM_MIGRATION_DATABASE_URL, or
    DORSUM_DATABASE_URL); on PostgreSQL the application's role then gets only the rights it
    needs."""
    from dorsum.settings import get_settings
    from dorsum.storage.migrate import upgrade

    settings = get_settings()
    upgrade(settings.owner_database_url, revision, app_url=settings.database_url)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Take the database down to a revision ('base' removes every table)."""
    from dorsum.settings import get_settings
    from dorsum.storage.migrate import downgrade

    if revision not in ("base",) and not revision.isalnum():
        fail("give a revision id such as 0001, or base")
    downgrade(get_settings().owner_database_url, revision)
    typer.echo(f"database at {revision}")
