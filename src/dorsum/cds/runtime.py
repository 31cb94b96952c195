"""What the CDS Hooks service keeps for the life of the process, built from the settings:
whom it trusts, the cached key sets, the HTTP client (with its timeouts) that reads key sets
and the EHRs' FHIR servers, and the writer of what calls leave behind. Held on `app.state`,
never in a module global."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2 as httpx
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from dorsum.cds.keysets import KeySets
from dorsum.cds.trust import Trust
from dorsum.cds.writes import CallWriter
from dorsum.settings import Settings
from dorsum.storage.database import make_engine, session_factory

__all__ = ["CdsRuntime", "runtime_from_settings", "warn_if_unverified"]

log = logging.getLogger("dorsum.cds")


@dataclass(frozen=True)
class CdsRuntime:
    verify_jwt: bool
    trust: Trust
    keys: KeySets
    http: httpx.Client
    service_url: str  # the discovery URL as the EHR calls it; "" = the request's own
    writer: CallWriter  # spent jtis, issued cards and feedback (grouped on SQLite)

    engine: Engine | None = None  # the CDS writes' own SQLite engine, when there is one

    def close(self) -> None:
        self.http.close()
        if self.engine is not None:
            self.engine.dispose()


def runtime_from_settings(
    settings: Settings, *, sessions: sessionmaker[Session], clock: Callable[[], datetime]
) -> CdsRuntime:
    timeout = httpx.Timeout(
        settings.cds_fhir_read_timeout, connect=settings.cds_fhir_connect_timeout
    )
    http = httpx.Client(timeout=timeout, follow_redirects=False)
    engine = _light_engine(settings) if settings.database_url.startswith("sqlite") else None
    if engine is not None:
        sessions = session_factory(engine)
    return CdsRuntime(
        verify_jwt=settings.cds_verify_jwt,
        trust=Trust(
            issuers=dict(settings.cds_issuers),
            jku_allowlist=frozenset(settings.cds_jku_allowlist),
            leeway=settings.cds_jwt_leeway_seconds,
        ),
        keys=KeySets(client=http, ttl=settings.cds_jwks_ttl_seconds),
        http=http,
        service_url=settings.cds_service_url.rstrip("/"),
        writer=CallWriter(sessions=sessions, clock=clock, group=engine is not None),
        engine=engine,
    )


def _light_engine(settings: Settings) -> Engine:
    """SQLite connections for the CDS writes only, committing without waiting for the disk
    (WAL, synchronous=NORMAL): a power cut may lose the last moments' spent jtis and issued
    cards, never a clinical record (those are written by other connections, synchronous=FULL).
    A lost jti's token expires within minutes, long before a machine is back from a power cut.
    """
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    def no_flush_wait(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", no_flush_wait)  # after make_engine's own (FULL)
    return engine


def warn_if_unverified(settings: Settings) -> None:
    """Say loudly, at start-up, that anyone can call the CDS Hooks service, or that nobody can
    (verification on, but no service URL to check a JWT's aud against)."""
    if not settings.cds_verify_jwt:
        log.warning(
            "!!! DORSUM_CDS_VERIFY_JWT=false: CDS Hooks calls are NOT authenticated. Anyone who "
            "can reach /cds-services can call it. For local development only. !!!"
        )
    elif not settings.cds_service_url:
        log.warning(
            "DORSUM_CDS_SERVICE_URL is not set: every CDS Hooks call will be refused (401), "
            "since no JWT's aud can be checked without it. See docs/cds-hooks.md."
        )
