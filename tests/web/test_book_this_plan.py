"""Booking a plan's series: the proposal keeps every constraint the optimiser keeps, reception's
acceptance books all or nothing, and a move or a second booking that breaks a constraint is
refused with the reason, in the user's language."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import dorsum
from dorsum.core.errors import PlanError
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.services import appointments as book_service
from dorsum.services import booking, moves, reoptimise
from dorsum.services.actors import Actor
from dorsum.services.appointments import BookingRules
from dorsum.services.booking_checks import BookingRefused
from dorsum.services.demo import load_demo
from dorsum.services.errors import Conflict, InvalidInput
from dorsum.services.opening_hours import OpeningHours
from dorsum.services.plans import PlanRecord, PlanRequest, create_plan
from dorsum.storage.database import make_engine
from dorsum.storage.migrate import upgrade
from dorsum.storage.tables import (
    Appointment,
    Clinic,
    Closure,
    Consultation,
    Device,
    OutboxMessage,
    Patient,
    PatientUnavailability,
    Room,
    StaffMember,
    TreatmentPlan,
    User,
)
from tests.web.conftest import BACKENDS, POSTGRES, _reset_postgres

MADRID = ZoneInfo("Europe/Madrid")
TODAY = date(2026, 11, 30)  # a Monday
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
RULES = BookingRules(MADRID, OpeningHours.parse("mon-fri 09:00-20:00; sat 09:00-14:00"))


@dataclass
class Demo:
    db: Session
    index: KnowledgeIndex
    reception: Actor
    doctor: Actor
    peel_plan: int  # four or more chemical peels two weeks apart
    patient: int


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Demo]:
    """The demo clinic, on SQLite and (when DORSUM_TEST_DATABASE_URL is set) PostgreSQL."""
    if request.param == "postgresql":
        assert POSTGRES is not None
        url = POSTGRES
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'book.sqlite3'}"
    upgrade(url)
    index = dorsum.default_index()
    engine = make_engine(url)
    with Session(engine) as db:
        load_demo(db, today=TODAY, index=index)
        db.commit()
        demo_clinic = select(Clinic.id).where(Clinic.slug == "demo").scalar_subquery()
        query = select(User).where(User.clinic_id == demo_clinic).order_by(User.id.desc())
        users = {u.role: u for u in db.scalars(query)}
        reception = Actor(users["reception"].id, users["reception"].clinic_id, "reception", "R")
        doctor = Actor(
            users["practitioner"].id, users["practitioner"].clinic_id, "practitioner", "D"
        )
        consultation = db.scalars(
            select(Consultation)
            .where(Consultation.clinic_id == demo_clinic)
            .order_by(Consultation.id)
        ).first()
        assert consultation is not None
        plan = create_plan(
            db,
            actor=doctor,
            consultation_id=consultation.id,
            index=index,
            today=TODAY,
            request=PlanRequest(choose=["chemical_peel"]),
        )
        db.commit()
        yield Demo(db, index, reception, doctor, plan.id, consultation.patient_id)
    engine.dispose()


def propose(demo: Demo, plan_id: int | None = None, language: str = "en") -> booking.Proposal:
    return booking.propose_plan(
        demo.db,
        actor=demo.reception,
        plan_id=plan_id or demo.peel_plan,
        index=demo.index,
        rules=RULES,
        today=TODAY,
        language=language,
    )


def accept(demo: Demo, sessions: list[booking.SessionChoice], language: str = "en") -> list[int]:
    made = booking.accept_plan(
        demo.db,
        actor=demo.reception,
        plan_id=demo.peel_plan,
        sessions=sessions,
        index=demo.index,
        rules=RULES,
        now=NOW,
        language=language,
    )
    demo.db.commit()
    return [m.id for m in made]


def choices(proposal: booking.Proposal) -> list[booking.SessionChoice]:
    fields = set(booking.SessionChoice.model_fields)
    return [booking.SessionChoice(**s.model_dump(include=fields)) for s in proposal.sessions]


def move(demo: Demo, appointment_id: int, to: datetime, expected: datetime | None = None) -> None:
    """Reception moves a booking to `to` (seen where `expected` says, if given)."""
    moves.move_session(
        demo.db,
        actor=demo.reception,
        appointment_id=appointment_id,
        starts_at=to,
        room_id=None,
        staff_id=None,
        device_id=None,
        index=demo.index,
        rules=RULES,
        now=NOW,
        language="en",
        expected=expected,
    )
    demo.db.commit()


def appointments(demo: Demo) -> int:
    return demo.db.scalar(select(func.count()).select_from(Appointment)) or 0


def test_the_proposal_books_the_whole_series_with_its_spacing_in_opening_hours(demo: Demo) -> None:
    proposal = propose(demo)
    peels = [s for s in proposal.sessions if s.treatment == "chemical_peel"]
    assert len(peels) >= 4
    assert all(s.of == len(peels) for s in peels)
    days = [s.starts_at.astimezone(MADRID).date() for s in peels]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    assert all(14 <= gap <= 21 for gap in gaps), gaps
    for s in peels:
        local = s.starts_at.astimezone(MADRID)
        assert local.date() > TODAY
        assert local.weekday() < 6
        assert local.hour >= 9
        assert (local + timedelta(minutes=s.minutes)).hour < 20
        assert s.room
        assert s.staff


def test_accepting_books_every_session_with_its_room_staff_and_reminders(demo: Demo) -> None:
    proposal = propose(demo)
    ids = accept(demo, choices(proposal))
    rows = demo.db.scalars(select(Appointment).where(Appointment.id.in_(ids))).all()
    assert len(rows) == len(proposal.sessions)
    assert {r.plan_id for r in rows} == {demo.peel_plan}
    assert sorted(r.session_number or 0 for r in rows) == list(range(1, len(rows) + 1))
    assert all(r.room_id and r.staff_id and r.setup_minutes > 0 for r in rows)
    queued = demo.db.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.appointment_id.in_(ids))
    )
    patient = demo.db.get(Patient, demo.patient)
    assert patient is not None
    assert queued or not (patient.email or patient.phone)


def test_booking_the_same_sessions_twice_is_refused_and_stores_nothing(demo: Demo) -> None:
    sessions = choices(propose(demo))
    accept(demo, sessions)
    before = appointments(demo)
    with pytest.raises(InvalidInput, match="not one still to book"):
        accept(demo, sessions)
    demo.db.rollback()
    assert appointments(demo) == before


def test_a_session_on_a_taken_room_and_staff_is_refused_with_the_reasons(demo: Demo) -> None:
    """Another patient's session at the same time in the same room, with the same staff."""
    sessions = choices(propose(demo))
    accept(demo, sessions[:1])
    other = peel_plan_of_another_patient(demo)
    theirs = choices(propose(demo, other.id))[0].model_copy(
        update={k: getattr(sessions[0], k) for k in ("starts_at", "room_id", "staff_id")}
    )
    with pytest.raises(BookingRefused) as refused:
        booking.accept_plan(
            demo.db,
            actor=demo.reception,
            plan_id=other.id,
            sessions=[theirs],
            index=demo.index,
            rules=RULES,
            now=NOW,
            language="en",
        )
    demo.db.rollback()
    assert any("already booked" in reason for reason in refused.value.reasons)


def peel_plan_of_another_patient(demo: Demo) -> PlanRecord:
    """A plan of peels for the first other demo patient a peel is not ruled out for."""
    rows = demo.db.scalars(
        select(Consultation)
        .where(Consultation.clinic_id == demo.reception.clinic_id)
        .where(Consultation.patient_id != demo.patient)
        .order_by(Consultation.id)
    ).all()
    for row in rows:
        try:
            plan = create_plan(
                demo.db,
                actor=demo.doctor,
                consultation_id=row.id,
                index=demo.index,
                today=TODAY,
                request=PlanRequest(choose=["chemical_peel"]),
            )
        except PlanError:
            continue
        demo.db.commit()
        return plan
    raise AssertionError("no other demo patient can have peels")


def test_a_session_moved_out_of_opening_hours_is_refused_in_spanish(demo: Demo) -> None:
    sessions = choices(propose(demo))
    late = sessions[0].starts_at.astimezone(MADRID).replace(hour=21, minute=0)
    sessions[0] = sessions[0].model_copy(update={"starts_at": late})
    with pytest.raises(BookingRefused) as refused:
        accept(demo, sessions, language="es")
    demo.db.rollback()
    assert any("horario" in reason for reason in refused.value.reasons), refused.value.reasons
    assert appointments(demo) == 0 or all(
        a.plan_id != demo.peel_plan for a in demo.db.scalars(select(Appointment))
    )


def test_sessions_too_close_together_are_refused_with_the_spacing(demo: Demo) -> None:
    sessions = choices(propose(demo))
    second = sessions[0].starts_at + timedelta(days=3)
    sessions[1] = sessions[1].model_copy(update={"starts_at": second})
    with pytest.raises(BookingRefused) as refused:
        accept(demo, sessions)
    demo.db.rollback()
    assert any("at least 14" in reason for reason in refused.value.reasons), refused.value.reasons


def test_a_move_keeps_the_constraints_and_a_valid_move_is_saved(demo: Demo) -> None:
    ids = accept(demo, choices(propose(demo)))
    rows = sorted(
        demo.db.scalars(select(Appointment).where(Appointment.id.in_(ids))).all(),
        key=lambda r: r.starts_at,
    )
    last = rows[-1]
    later = last.starts_at.astimezone(MADRID) + timedelta(days=2)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    later = later.replace(hour=11, minute=0)

    move(demo, last.id, later)
    demo.db.refresh(last)
    assert last.starts_at == later.astimezone(UTC)
    with pytest.raises(BookingRefused) as refused:
        move(demo, rows[1].id, rows[0].starts_at.astimezone(MADRID) + timedelta(days=1))
    demo.db.rollback()
    assert any("at least" in reason for reason in refused.value.reasons)


def test_the_proposal_avoids_the_patients_unavailable_days(demo: Demo) -> None:
    first = propose(demo).sessions[0].starts_at.astimezone(MADRID).date()
    demo.db.add(
        PatientUnavailability(
            clinic_id=demo.reception.clinic_id,
            patient_id=demo.patient,
            starts_on=first - timedelta(days=1),
            ends_on=first + timedelta(days=10),
        )
    )
    demo.db.commit()
    days = [s.starts_at.astimezone(MADRID).date() for s in propose(demo).sessions]
    assert all(not first - timedelta(days=1) <= d <= first + timedelta(days=10) for d in days)


def test_a_series_beyond_reach_is_explained_not_silently_dropped(demo: Demo) -> None:
    plan = demo.db.scalars(select(TreatmentPlan).order_by(TreatmentPlan.id)).first()
    assert plan is not None
    proposal = propose(demo, plan.id)
    booked = {s.treatment for s in proposal.sessions}
    assert booked or proposal.unplaced
    assert {"punch_excision", "laser_resurfacing"} <= booked or proposal.unplaced


def test_a_no_show_is_marked_only_once_the_time_has_come(demo: Demo) -> None:
    ids = accept(demo, choices(propose(demo)))
    with pytest.raises(InvalidInput):
        moves.mark_no_show(demo.db, actor=demo.reception, appointment_id=ids[0], now=NOW)
    demo.db.rollback()
    row = demo.db.get(Appointment, ids[0])
    assert row is not None
    after = row.starts_at + timedelta(hours=1)
    moves.mark_no_show(demo.db, actor=demo.reception, appointment_id=ids[0], now=after)
    demo.db.commit()
    demo.db.refresh(row)
    assert row.status == "no_show"


def test_reoptimising_proposes_moves_that_meet_a_missed_target_and_moves_nothing_itself(
    demo: Demo,
) -> None:
    consultation = demo.db.scalars(
        select(Consultation)
        .where(Consultation.patient_id == demo.patient)
        .order_by(Consultation.id)
    ).first()
    assert consultation is not None
    target = TODAY + timedelta(days=200)
    plan = create_plan(
        demo.db,
        actor=demo.doctor,
        consultation_id=consultation.id,
        index=demo.index,
        today=TODAY,
        request=PlanRequest(choose=["chemical_peel"], target=target),
    )
    demo.db.commit()
    demo.peel_plan = plan.id
    proposal = propose(demo, plan.id)
    assert proposal.target_met, [(s.starts_at.date(), s.number, s.of) for s in proposal.sessions]
    late = [  # the same series, seven weeks later: it now ends after the target allows
        s.model_copy(update={"starts_at": s.starts_at + timedelta(weeks=7)})
        for s in choices(proposal)
    ]
    ids = accept(demo, late)
    before = {a.id: a.starts_at for a in demo.db.scalars(select(Appointment))}
    found = reoptimise.propose_moves(
        demo.db,
        actor=demo.reception,
        index=demo.index,
        rules=RULES,
        today=TODAY,
        language="en",
        seconds=5,
    )
    assert found.targets_met_after > found.targets_met_now
    assert {m.appointment_id for m in found.moves} <= set(ids)
    assert found.moves
    assert {a.id: a.starts_at for a in demo.db.scalars(select(Appointment))} == before
    moves.apply_moves(
        demo.db,
        actor=demo.reception,
        moves=[
            moves.MoveChoice(**m.model_dump(include=set(moves.MoveChoice.model_fields)))
            for m in found.moves
        ],
        index=demo.index,
        rules=RULES,
        now=NOW,
        language="en",
    )
    demo.db.commit()
    moved = demo.db.get(Appointment, found.moves[0].appointment_id)
    assert moved is not None
    assert moved.starts_at == found.moves[0].starts_at.astimezone(UTC)


def test_another_clinics_room_staff_or_device_is_refused(demo: Demo) -> None:
    other = demo.db.scalar(select(Clinic.id).where(Clinic.slug == "other"))
    assert other is not None
    room, device = (
        Room(clinic_id=other, name="Their room"),
        Device(clinic_id=other, name="Their laser", kind="ablative_laser"),
    )
    member = StaffMember(clinic_id=other, name="Their nurse", skills={"treatments": []})
    demo.db.add_all([room, device, member])
    demo.db.commit()
    mine = choices(propose(demo))[0]
    for change in ({"room_id": room.id}, {"staff_id": member.id}, {"device_id": device.id}):
        with pytest.raises(BookingRefused) as refused:
            accept(demo, [mine.model_copy(update=change)])
        demo.db.rollback()
        assert any("does not exist" in reason for reason in refused.value.reasons)
    assert appointments(demo) == 0 or all(
        a.room_id != room.id for a in demo.db.scalars(select(Appointment))
    )


def test_a_missed_session_is_proposed_again_with_its_number(demo: Demo) -> None:
    ids = accept(demo, choices(propose(demo))[:2])
    first = demo.db.get(Appointment, ids[0])
    assert first is not None
    moves.mark_no_show(
        demo.db,
        actor=demo.reception,
        appointment_id=ids[0],
        now=first.starts_at + timedelta(hours=2),
    )
    demo.db.commit()
    again = propose(demo)
    assert 1 in {s.number for s in again.sessions}
    assert 2 not in {s.number for s in again.sessions}


def test_a_session_number_the_plan_does_not_have_or_already_booked_is_refused(demo: Demo) -> None:
    sessions = choices(propose(demo))
    accept(demo, sessions[:1])
    for wrong in (sessions[0], sessions[1].model_copy(update={"number": 99})):
        with pytest.raises(InvalidInput):
            accept(demo, [wrong])
        demo.db.rollback()
    with pytest.raises(InvalidInput):
        accept(demo, [sessions[1], sessions[1]])
    demo.db.rollback()


def test_a_series_session_cannot_be_moved_by_the_plain_appointment_form(demo: Demo) -> None:
    """The old form checks no room, staff or spacing: a plan session is moved in the calendar."""
    ids = accept(demo, choices(propose(demo)))
    with pytest.raises(InvalidInput, match="calendar"):
        book_service.reschedule(
            demo.db,
            actor=demo.reception,
            appointment_id=ids[0],
            data=book_service.AppointmentMove(starts_at=datetime(2027, 1, 8, 10, tzinfo=MADRID)),
            rules=RULES,
            now=NOW,
        )
    demo.db.rollback()


def test_a_move_made_from_an_old_view_of_the_booking_is_refused(demo: Demo) -> None:
    """Two tabs: the second move, made from where the booking was, gets a conflict."""
    ids = accept(demo, choices(propose(demo)))
    row = demo.db.get(Appointment, ids[-1])
    assert row is not None
    seen = row.starts_at
    target = seen.astimezone(MADRID) + timedelta(days=1)
    while target.weekday() >= 5:
        target += timedelta(days=1)

    move(demo, row.id, target.replace(hour=10, minute=0), expected=seen)
    with pytest.raises(Conflict):
        move(demo, row.id, target.replace(hour=12, minute=0), expected=seen)
    demo.db.rollback()


def test_a_closure_on_one_session_does_not_block_moving_another(demo: Demo) -> None:
    ids = accept(demo, choices(propose(demo)))
    rows = sorted(
        demo.db.scalars(select(Appointment).where(Appointment.id.in_(ids))).all(),
        key=lambda r: r.starts_at,
    )
    day = rows[0].starts_at.astimezone(MADRID).date()
    demo.db.add(
        Closure(
            clinic_id=demo.reception.clinic_id,
            starts_on=day,
            ends_on=day,
            staff_id=rows[0].staff_id,
            reason="leave",
        )
    )
    demo.db.commit()
    last = rows[-1].starts_at.astimezone(MADRID) + timedelta(days=1)
    while last.weekday() >= 5:
        last += timedelta(days=1)
    move(demo, rows[-1].id, last.replace(hour=11, minute=0))
