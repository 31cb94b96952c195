"""The calendar never breaks the book: after any sequence of moves reception tries (random
days, times, rooms and staff), every booking still fits its room, device, staff member, the
opening hours and rosters, and every plan series keeps its spacing and recovery. A move that
would break one is refused and leaves nothing behind."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dorsum.i18n import Localizer
from dorsum.scheduling.check import violations
from dorsum.scheduling.model import Problem
from dorsum.services import moves
from dorsum.services.book_model import bookings_between, load_book
from dorsum.services.booking_checks import series_for
from dorsum.services.errors import ServiceError
from dorsum.storage.tables import Room, StaffMember
from tests.web.test_book_this_plan import (
    MADRID,
    NOW,
    RULES,
    TODAY,
    Demo,
    accept,
    choices,
    demo,
    propose,
)

__all__ = ["demo"]  # the fixture, shared with the booking tests

ATTEMPT = st.tuples(
    st.integers(0, 5),  # which session
    st.integers(-3, 40),  # days from where it is
    st.integers(7, 21),  # hour
    st.sampled_from((0, 15, 30, 45)),  # minute
    st.integers(0, 3),  # room: keep, or the n-th room
    st.integers(0, 3),  # staff member: keep, or the n-th
)


def whole_book_is_sound(demo: Demo) -> None:
    book = bookings_between(
        demo.db, demo.reception.clinic_id, RULES, TODAY, TODAY + timedelta(days=400)
    )
    plan_bookings = [b for b in book if b.series.startswith("plan")]
    keys = sorted({b.series for b in plan_bookings})
    series = tuple(
        series_for(
            demo.db,
            actor=demo.reception,
            key=key,
            count=sum(1 for b in plan_bookings if b.series == key),
            sample=plan_bookings,
            today=TODAY,
        )
        for key in keys
    )
    loaded = load_book(
        demo.db,
        clinic_id=demo.reception.clinic_id,
        index=demo.index,
        rules=RULES,
        first=TODAY,
        last=TODAY + timedelta(days=400),
        loc=Localizer("en"),
    )
    problem = Problem(loaded.clinic, TODAY, 400, series, {})
    assert violations(problem, book) == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(attempts=st.lists(ATTEMPT, min_size=1, max_size=4))
def test_no_sequence_of_moves_breaks_the_book(
    demo: Demo, attempts: list[tuple[int, int, int, int, int, int]]
) -> None:
    if not demo.db.info.get("booked"):
        accept(demo, choices(propose(demo)))
        demo.db.info["booked"] = True
    rooms = demo.db.scalars(select(Room.id).order_by(Room.id)).all()
    staff = demo.db.scalars(select(StaffMember.id).order_by(StaffMember.id)).all()
    for which, days, hour, minute, room, member in attempts:
        book = bookings_between(
            demo.db, demo.reception.clinic_id, RULES, TODAY, TODAY + timedelta(days=400)
        )
        booked = sorted((b for b in book if b.series.startswith("plan")), key=lambda b: b.day)
        target = booked[which % len(booked)]
        when = datetime.combine(target.day + timedelta(days=days), time(hour, minute), MADRID)
        try:
            moves.move_session(
                demo.db,
                actor=demo.reception,
                appointment_id=target.id or 0,
                starts_at=when,
                room_id=rooms[room - 1] if room else None,
                staff_id=staff[member - 1] if member and member <= len(staff) else None,
                device_id=None,
                index=demo.index,
                rules=RULES,
                now=NOW,
                language="en",
            )
            demo.db.commit()
        except ServiceError:
            demo.db.rollback()
        whole_book_is_sound(demo)
