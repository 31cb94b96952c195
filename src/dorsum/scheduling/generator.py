"""Synthetic clinics for the benchmark and the properties: rooms, devices and staff in
proportion to the number of patients, a mix of treatment series with the knowledge base's
spacing, unavailable days, and target dates (about two patients in three have one, some of
them tight), arriving in an order that has nothing to do with their targets.

Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from dorsum.scheduling.model import (
    Clinic,
    Closure,
    Device,
    Patient,
    Problem,
    Room,
    Series,
    Staff,
    week,
)
from dorsum.scheduling.needs import Needs

# treatment: (sessions, min gap, max gap, downtime, sun days, minutes, device kind, physician)
MIX: dict[str, tuple[int, int, int, int, int, int, str | None, bool]] = {
    "chemical_peel": (4, 14, 21, 0, 0, 30, None, False),
    "nonablative_laser": (3, 21, 28, 3, 30, 45, "nonablative_laser", False),
    "laser_resurfacing": (2, 42, 56, 6, 0, 60, "ablative_laser", True),
    "microneedling": (3, 28, 35, 3, 0, 45, None, False),
    "cryolipolysis": (2, 42, 56, 0, 0, 70, "cryolipolysis_applicator", False),
}
WEIGHTS = (0.3, 0.2, 0.1, 0.15, 0.25)
OPEN = week(dict.fromkeys(range(5), ((9 * 60, 20 * 60),)) | {5: ((9 * 60, 14 * 60),)})


def needs() -> dict[str, Needs]:
    return {
        t: Needs(t, minutes, 10, 10, kind, physician)
        for t, (_n, _lo, _hi, _d, _s, minutes, kind, physician) in MIX.items()
    }


def clinic_for(patients: int) -> Clinic:
    """Resources in proportion to the patients, tight enough that targets compete: about one
    room per 80 patients, one part-time staff member (three days a week, two or three skills)
    per 35, one device of each kind per 250."""
    scale = max(1, round(patients / 250))
    rooms = tuple(Room(i, f"Room {i}") for i in range(1, max(2, -(-patients // 80)) + 1))
    laser_room = rooms[-1].id
    devices: list[Device] = []
    for n in range(scale):
        devices.append(
            Device(
                100 + n,
                f"Applicator {n + 1}",
                "cryolipolysis_applicator",
                frozenset(r.id for r in rooms[:-1]),
            )
        )
        devices.append(
            Device(200 + n, f"CO2 laser {n + 1}", "ablative_laser", frozenset({laser_room}))
        )
        devices.append(
            Device(
                300 + n,
                f"Fractional laser {n + 1}",
                "nonablative_laser",
                frozenset({laser_room, rooms[0].id}),
            )
        )
    nurse_treatments = [t for t, spec in MIX.items() if not spec[7]]
    staff = []
    for n in range(max(3, -(-patients // 35))):
        physician = n % 3 == 0
        skills = {nurse_treatments[(n + k) % len(nurse_treatments)] for k in range(2)}
        if physician:
            skills |= {t for t, spec in MIX.items() if spec[7]}
        days = [(n + k * 2) % 5 for k in range(3)]
        hours = ((9 * 60, 17 * 60),) if n % 2 == 0 else ((12 * 60, 20 * 60),)
        staff.append(
            Staff(
                n + 1,
                f"{'Dr' if physician else 'Nurse'} {n + 1}",
                physician,
                frozenset(skills),
                week(dict.fromkeys(days, hours)),
            )
        )
    return Clinic(OPEN, rooms, tuple(devices), tuple(staff), (), needs())


def problem(
    patients: int, *, seed: int = 0, start: date = date(2027, 3, 1), days: int = 84
) -> Problem:
    """A clinic with `patients` patients over `days` days from `start` (a Monday)."""
    rng = random.Random(seed)
    clinic = clinic_for(patients)
    holiday = start + timedelta(days=rng.randrange(20, 60))
    clinic = Clinic(
        clinic.hours,
        clinic.rooms,
        clinic.devices,
        clinic.staff,
        (Closure((holiday, holiday)),),
        clinic.needs,
    )
    series: list[Series] = []
    people: dict[int, Patient] = {}
    treatments = list(MIX)
    for p in range(1, patients + 1):
        arrival = start + timedelta(days=rng.randrange(0, 28))
        count = 2 if rng.random() < 0.2 else 1
        chosen = rng.sample(treatments, k=count) if count > 1 else rng.choices(treatments, WEIGHTS)
        unavailable: tuple[tuple[date, date], ...] = ()
        if rng.random() < 0.3:
            away = start + timedelta(days=rng.randrange(0, days))
            unavailable = ((away, away + timedelta(days=rng.randrange(1, 8))),)
        people[p] = Patient(p, unavailable)
        has_target = rng.random() < 0.65
        offset = 0
        for k, treatment in enumerate(chosen):
            n, low, high, downtime, sun, *_ = MIX[treatment]
            earliest = arrival + timedelta(days=offset)
            span = low * (n - 1)
            due = None
            if has_target:
                due = earliest + timedelta(days=span + rng.choice((0, 2, 5, 10, 20)))
            series.append(
                Series(
                    key=f"p{p}-{k}-{treatment}",
                    patient=p,
                    treatment=treatment,
                    sessions=n,
                    min_gap=low,
                    max_gap=high,
                    earliest=earliest,
                    due=due,
                    downtime=downtime,
                    sun_days=sun,
                    order=rng.randrange(10**6),
                )
            )
            offset += 7
    return Problem(clinic, start, days, tuple(series), people)
