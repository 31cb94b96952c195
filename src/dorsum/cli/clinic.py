"""`dorsum clinic`: what clinic IT does once, from a terminal on the server: create the clinic with
its first admin (who then adds colleagues in the web application), and issue API tokens for
integrations. Passwords are prompted for, never taken as arguments (shell history)."""

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

    url = Settings().database_url
    upgrade(url)
    engine = make_engine(url)
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
) -> None:
    """Issue an API token (sent as 'Authorization: Bearer ...'). It is shown once."""
    from sqlalchemy import select

    from dorsum.services.auth import issue_api_token
    from dorsum.storage.tables import User

    with _database() as db:
        user_id = db.scalar(select(User.id).where(User.email == email.strip().lower()))
        if user_id is None:
            fail(f"no user with the e-mail {email!r}")
        issued = issue_api_token(db, user_id=user_id, label=label[:100])
    typer.echo(issued)
    typer.echo("Store it now: dorsum keeps only its hash.", err=True)
