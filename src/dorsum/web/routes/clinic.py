"""The signed-in part of the site, gathered in one router."""

from __future__ import annotations

from fastapi import APIRouter

from dorsum.web.routes import consultations, office, patients, plans

router = APIRouter(include_in_schema=False)
for part in (patients.router, consultations.router, plans.router, office.router):
    router.include_router(part)
