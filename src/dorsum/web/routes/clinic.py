"""The signed-in part of the site, gathered in one router."""

from __future__ import annotations

from fastapi import APIRouter

from dorsum.web.routes import admin, appointments, consultations, office, patients, plans

router = APIRouter(include_in_schema=False)
for part in (
    patients.router,
    consultations.router,
    plans.router,
    appointments.router,
    office.router,
    admin.router,
):
    router.include_router(part)
