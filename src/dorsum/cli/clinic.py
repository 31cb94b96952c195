"""`dorsum clinic`: what clinic IT does from a terminal on the server: create the clinic with its
first admin (who then adds colleagues in the web application), and issue, list and revoke API
tokens for integrations. Passwords are prompted for, never taken as arguments (shell history)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from dorsum.cli.common import fail

clinic_app = typer.Typer(help="Set up a clinic and its integrations.", no_args_is_help=True)


@contextmanager
def _database() -> Iterator[Session]:
    """A migrated database session (DORSUM_DATABASE_URL) committed only if the block succeeds."""
    from dorsum.services.errors import ServiceError
    from dorsum.settings import Settings
    from dorsum.storage.database import make_engine, session_factory
    from dorsum.storage.migrate import upgrade

    settings = Settings()
    upgrade(settings.owner_database_url, app_url=settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as db:
            yield db
            db.commit()
    except ServiceError as error:
        fail(str(error))
    finally:
        engine.dispose()


@clinic_app.command("create")
def create(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. 'valencia-centro'.")],
    name: Annotated[str, typer.Option(help="The clinic's name as patients see it.")],
    admin_email: Annotated[str, typer.Option(help="The first admin's e-mail (their login).")],
    admin_name: Annotated[str, typer.Option(help="The first admin's name.")],
    language: Annotated[str, typer.Option(help="The admin's language: en or es.")] = "en",
    password: Annotated[
        str,
        typer.Option(
            prompt="Admin password (10 characters or more)",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
            help="Prompted for when not given.",
        ),
    ] = "",
) -> None:
    """Create a clinic and its first admin."""
    from sqlalchemy import select

    from dorsum.services.users import create_clinic, create_user
    from dorsum.storage.tables import Clinic

    if not slug.replace("-", "").isalnum() or slug != slug.lower() or len(slug) > 40:
        fail("the clinic id uses lower-case letters, digits and dashes (at most 40)")
    if language not in ("en", "es"):
        fail("--language must be en or es")
    with _database() as db:
        if db.scalar(select(Clinic.id).where(Clinic.slug == slug)) is not None:
            fail(f"a clinic with the id {slug!r} already exists")
        clinic = create_clinic(db, slug=slug, name=name)
        create_user(
            db,
            clinic_id=clinic.id,
            email=admin_email,
            name=admin_name,
            password=password,
            role="admin",
            language=language,
        )
    typer.echo(f"clinic {slug!r} created; {admin_email} can sign in as its admin")


@clinic_app.command("token")
def token(
    email: Annotated[str, typer.Argument(help="The user the integration acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for, e.g. 'EHR bridge'.")],
    days: Annotated[int, typer.Option(min=1, max=366, help="Days until it expires.")] = 90,
) -> None:
    """Issue an API token (sent as 'Authorization: Bearer ...'). It is shown once."""
    from sqlalchemy import select

    from dorsum.services.auth import issue_api_token
    from dorsum.storage.tables import User

    with _database() as db:
        user = db.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            fail(f"no user with the e-mail {email!r}")
        if not user.active:
            fail(f"{email} is deactivated; reactivate the user first")
        issued = issue_api_token(db, user_id=user.id, label=label[:100], days=days)
    typer.echo(issued)
    typer.echo(f"Store it now: dorsum keeps only its hash. It expires in {days} days.", err=True)


@clinic_app.command("tokens")
def list_tokens(
    email: Annotated[
        str | None, typer.Argument(help="Only this user's tokens (default: every token).")
    ] = None,
) -> None:
    """List API tokens: id, state, label, user, expiry and last use (never the secret)."""
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.table import Table

    from dorsum.services import tokens
    from dorsum.settings import Settings

    now, zone = datetime.now(UTC), Settings().zone
    with _database() as db:
        found = tokens.list_tokens(db)
    if email:
        found = [t for t in found if t.user_email == email.strip().lower()]
    table = Table("id", "state", "label", "user", "expires", "last used")
    for item in found:  # dates and times in the clinic's time zone, as the Admin page shows them
        used = item.last_used_at.astimezone(zone) if item.last_used_at else None
        table.add_row(
            str(item.id),
            item.state(now),
            item.label,
            item.user_email,
            item.expires_at.astimezone(zone).strftime("%Y-%m-%d"),
            used.strftime("%Y-%m-%d %H:%M") if used else "never",
        )
    Console().print(table)


@clinic_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (dorsum clinic tokens).")],
) -> None:
    """Revoke an API token at once."""
    from datetime import UTC, datetime

    from dorsum.services import tokens

    with _database() as db:
        tokens.revoke(db, token_id=token_id, now=datetime.now(UTC))
    typer.echo(f"token {token_id} revoked")
