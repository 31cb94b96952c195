"""The application factory: settings, database, knowledge base, clock, routes, static files and
error pages."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import dorsum
from dorsum.core.cache import AssessmentCache
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.media.store import PhotoStore, store_from_settings
from dorsum.settings import Settings, get_settings
from dorsum.storage.database import make_engine, session_factory
from dorsum.storage.migrate import upgrade
from dorsum.web import errors
from dorsum.web.deps import Clock, SystemClock
from dorsum.web.error_page import render_error
from dorsum.web.failures import SafeFailures
from dorsum.web.limits import RequestLimits
from dorsum.web.routes import api, booking_api, cds_admin, cds_hooks, clinic, public, resources_api
from dorsum.web.timing import ServerTiming


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    index: KnowledgeIndex | None = None,
    clock: Clock | None = None,
    photos: PhotoStore | None = None,
) -> FastAPI:
    """A ready application; migrates the database first when `auto_migrate` is set.

    `index` is the knowledge base every route uses (default: the shipped one, loaded now) and
    `clock` where every route reads the time (default: the system's), and `photos` where
    clinical photos are kept (default: the store the settings name).
    """
    settings = settings or get_settings()
    index = index if index is not None else dorsum.default_index()
    engine = engine or make_engine(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    if settings.auto_migrate:
        upgrade(settings.owner_database_url, app_url=settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The knowledge base and the imported code live as long as the process: move them out
        # of the garbage collector's sight, so its full passes stay short (tail latency).
        gc.collect()
        gc.freeze()
        yield
        app.state.cds.close()
        engine.dispose()

    app = FastAPI(
        title="dorsum",
        version=dorsum.__version__,
        description="Clinical decision support and treatment planning for skin conditions "
        "of the back. Assessment contract 1.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = session_factory(engine)
    app.state.engine = engine
    app.state.index = index
    app.state.cache = AssessmentCache()  # the memos of this application's assessments
    app.state.clock = clock or SystemClock()
    app.state.photos = photos or store_from_settings(settings)
    static = resources.files("dorsum.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(api.router)
    app.include_router(resources_api.router)
    app.include_router(booking_api.router)
    app.include_router(public.router)
    app.include_router(clinic.router)
    app.include_router(cds_admin.router)
    cds_hooks.install(app, settings)  # /cds-services; warns loudly when JWTs go unverified
    errors.install(app, render_error)
    app.add_middleware(ServerTiming)
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
        error_page=render_error,
        max_upload_bytes=settings.max_photo_bytes,
    )
    app.add_middleware(SafeFailures, error_page=render_error)  # outermost: added last
    return app
