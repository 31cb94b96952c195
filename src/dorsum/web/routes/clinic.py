"""The signed-in part of the site, gathered in one router."""

from __future__ import annotations

from fastapi import APIRouter

from dorsum.web.routes import (
    admin,
    appointments,
    calendar,
    clinic_settings,
    consents,
    consultations,
    office,
    patients,
    photos,
    plan_booking,
    plans,
    reoptimise,
    resources,
    unavailability,
)

router = APIRouter(include_in_schema=False)
for part in (
    patients.router,
    consultations.router,
    plans.router,
    appointments.router,
    calendar.router,
    plan_booking.router,
    reoptimise.router,
    office.router,
    admin.router,
    resources.router,
    unavailability.router,
    photos.router,
    consents.router,
    clinic_settings.router,
):
    router.include_router(part)
