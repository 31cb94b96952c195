"""The calendar: day and week views by room, device and staff member; moving, cancelling and
marking a no-show through forms, each change checked and refused with its reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import dorsum
from dorsum.services.demo import PASSWORD, load_demo
from dorsum.settings import Settings
from dorsum.storage.database import session_factory
from dorsum.storage.tables import Appointment, Clinic, Device, Patient, Room, StaffMember
from dorsum.web.app import create_app
from dorsum.web.deps import FixedClock
from tests.web.conftest import csrf_of

NOW = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # Monday, 09:00 in Madrid


@pytest.fixture
def app_and_client(tmp_path: Path) -> Iterator[tuple[object, TestClient]]:
    url = f"sqlite:///{tmp_path / 'calendar.sqlite3'}"
    app = create_app(Settings(database_url=url, public_clinic="demo"), clock=FixedClock(NOW))
    with session_factory(app.state.engine)() as db:
        load_demo(db, today=NOW.date(), index=dorsum.default_index())
        db.commit()
    with TestClient(app, base_url="https://testserver") as client:
        yield app, client
    app.state.engine.dispose()


def sign_in(client: TestClient, email: str) -> str:
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/calendar")


def session(
    app: object,
    *,
    at: datetime,
    room: str | None = "Room 1",
    staff: str | None = "Marta Gil (nurse)",
    device: str | None = None,
    treatment: str | None = "chemical_peel",
    patient: int = 0,
) -> int:
    """A booking stored as the optimiser would store it (times in UTC)."""
    factory = session_factory(app.state.engine)  # type: ignore[attr-defined]
    with factory() as db:
        clinic = db.scalar(select(Clinic).where(Clinic.slug == "demo"))
        assert clinic is not None
        people = db.scalars(select(Patient).where(Patient.clinic_id == clinic.id)).all()
        who = people[patient]  # the demo's patients, by position
        row = Appointment(
            clinic_id=clinic.id,
            patient_id=who.id,
            starts_at=at,
            minutes=30 if treatment else 20,
            purpose="" if treatment else "Check-up",
            room_id=db.scalar(select(Room.id).where(Room.name == room)) if room else None,
            staff_id=db.scalar(select(StaffMember.id).where(StaffMember.name == staff))
            if staff
            else None,
            device_id=db.scalar(select(Device.id).where(Device.name == device)) if device else None,
            treatment=treatment,
            setup_minutes=10 if treatment else 0,
            cleanup_minutes=10 if treatment else 0,
        )
        db.add(row)
        db.commit()
        return row.id


def resource_id(app: object, model: type[Room], name: str) -> int:
    with session_factory(app.state.engine)() as db:  # type: ignore[attr-defined]
        found = db.scalar(select(model.id).where(model.name == name))
        assert found is not None
        return found


TUESDAY_10 = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 in Madrid
TUESDAY_11 = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


def test_day_view_shows_a_booking_in_its_room_and_staff_columns(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """The day view by room and by staff member both show the booking with its treatment."""
    app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    booked = session(app, at=TUESDAY_10)
    for by, column in (("room", "Room 1"), ("staff", "Marta Gil (nurse)")):
        page = client.get(f"/calendar?day=2026-06-02&by={by}")
        assert page.status_code == 200
        assert column in page.text
        assert f'href="/calendar/appointments/{booked}"' in page.text
        assert "Chemical peel" in page.text


def test_device_view_shows_sessions_that_use_a_device(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """By device, a session with the laser appears under the laser's column."""
    app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    booked = session(
        app,
        at=TUESDAY_10,
        room="Laser room",
        device="Non-ablative laser",
        treatment="nonablative_laser",
    )
    page = client.get("/calendar?day=2026-06-02&by=device")
    assert "Non-ablative laser" in page.text
    assert f"/calendar/appointments/{booked}" in page.text


def test_week_view_shows_a_rooms_week(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """The week view of one room shows a booking of any day that week, days as columns."""
    app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    booked = session(app, at=TUESDAY_10)
    room = resource_id(app, Room, "Room 1")
    page = client.get(f"/calendar?day=2026-06-04&view=week&by=room&id={room}")
    assert page.status_code == 200
    assert f"/calendar/appointments/{booked}" in page.text
    assert "/calendar?day=2026-06-07" in page.text  # Sunday's column heads to its day


def test_plain_appointment_sits_in_the_no_room_column(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """An appointment booked without a room is shown, in a column of its own."""
    app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    booked = session(app, at=TUESDAY_10, room=None, staff=None, treatment=None)
    page = client.get("/calendar?day=2026-06-02")
    assert "No room" in page.text
    assert f"/calendar/appointments/{booked}" in page.text


def deactivate(app: object, model: type[Room], name: str) -> None:
    """Deactivated as a booking made before this rule existed would find it."""
    with session_factory(app.state.engine)() as db:  # type: ignore[attr-defined]
        found = db.scalar(select(model).where(model.name == name))
        assert found is not None
        found.active = False
        db.commit()


@pytest.mark.parametrize(
    ("by", "model", "name", "column"),
    [
        ("room", Room, "Laser room", "No active room"),
        ("device", Device, "Non-ablative laser", "No active device"),
        ("staff", StaffMember, "Dra. Lucía Pérez", "No active staff member"),
    ],
)
def test_a_booking_of_a_deactivated_resource_sits_in_the_unassigned_column(  # type: ignore[no-untyped-def]
    app_and_client, by: str, model: type[Room], name: str, column: str
) -> None:
    """The day and week views show it in a column of its own instead of failing."""
    app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    booked = session(
        app,
        at=TUESDAY_10,
        room="Laser room",
        staff="Dra. Lucía Pérez",
        device="Non-ablative laser",
        treatment="nonablative_laser",
    )
    deactivate(app, model, name)
    page = client.get(f"/calendar?day=2026-06-02&by={by}")
    assert page.status_code == 200, page.text
    assert column in page.text
    assert f"/calendar/appointments/{booked}" in page.text
    week = client.get(f"/calendar?day=2026-06-02&view=week&by={by}&id=0")
    assert week.status_code == 200
    assert f"/calendar/appointments/{booked}" in week.text


def test_creating_a_plain_appointment_from_the_calendar(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """The calendar's form books a plain appointment and shows it on its day."""
    _app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    patient = re.search(r'<option value="(\d+)"', client.get("/calendar").text)
    assert patient
    form = {"patient_id": patient.group(1), "date": "2026-06-03", "time": "12:00", "minutes": "30"}
    done = client.post(
        "/calendar/appointments", data={**form, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "/calendar/appointments/" in client.get(done.headers["location"]).text


def move(client: TestClient, token: str, booked: int, **fields: str) -> object:
    return client.post(
        f"/calendar/appointments/{booked}/move",
        data={"csrf_token": token, **fields},
        follow_redirects=False,
    )


def test_a_move_into_a_taken_room_is_refused_with_the_reason(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """Moving a session onto another in the same room says the room is booked, keeping the
    typed values."""
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    mine = session(app, at=TUESDAY_10)
    session(app, at=TUESDAY_11, staff="Dra. Lucía Pérez", patient=1)
    room = str(resource_id(app, Room, "Room 1"))
    staff = str(resource_id(app, StaffMember, "Marta Gil (nurse)"))  # type: ignore[arg-type]
    refused = move(
        client, token, mine, date="2026-06-02", time="11:00", room_id=room, staff_id=staff
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Room 1 is already booked at that time." in refused.text  # type: ignore[attr-defined]
    assert 'value="11:00"' in refused.text  # type: ignore[attr-defined]


def test_a_move_outside_opening_hours_is_refused(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """A session moved to the evening, after closing, is refused saying so."""
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    mine = session(app, at=TUESDAY_10)
    refused = move(client, token, mine, date="2026-06-02", time="21:00")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Not moved." in refused.text  # type: ignore[attr-defined]
    assert "opening hours" in refused.text or "does not work" in refused.text  # type: ignore[attr-defined]


def test_a_valid_move_lands_on_the_new_day(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """A move to a free time goes through and the calendar shows it on the new day."""
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    mine = session(app, at=TUESDAY_10)
    done = move(client, token, mine, date="2026-06-03", time="11:00")
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    assert f"/calendar/appointments/{mine}" in client.get("/calendar?day=2026-06-03").text
    assert f"/calendar/appointments/{mine}" not in client.get("/calendar?day=2026-06-02").text


def test_cancelling_takes_the_booking_off_the_calendar(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """A cancelled booking leaves the grid (its history is kept elsewhere)."""
    app, client = app_and_client
    token = sign_in(client, "reception@demo.dorsum.test")
    mine = session(app, at=TUESDAY_10)
    done = client.post(
        f"/calendar/appointments/{mine}/cancel", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert f"/calendar/appointments/{mine}" not in client.get("/calendar?day=2026-06-02").text


def test_a_session_whose_time_has_come_is_marked_as_a_no_show(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """Once its time has come, a session can be marked missed, and the grid says so."""
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    mine = session(app, at=NOW)
    done = client.post(
        f"/calendar/appointments/{mine}/no-show", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    page = client.get("/calendar?day=2026-06-01").text
    assert "cal-event no_show" in page


def test_reception_sees_the_calendar_and_its_refusals_in_spanish(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """The demo receptionist reads Spanish: the page and the reason are in Spanish."""
    app, client = app_and_client
    token = sign_in(client, "reception@demo.dorsum.test")
    mine = session(app, at=TUESDAY_10)
    session(app, at=TUESDAY_11, staff="Dra. Lucía Pérez", patient=1)
    assert "Calendario" in client.get("/calendar?day=2026-06-02").text
    refused = move(client, token, mine, date="2026-06-02", time="11:00")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Room 1 ya está reservada a esa hora." in refused.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("typed", ["2026-02-31", "0202-01-01", "tomorrow", "9999-12-31"])
def test_a_bad_date_keeps_what_was_typed_and_says_why(app_and_client, typed: str) -> None:  # type: ignore[no-untyped-def]
    """Going to an impossible date shows today's calendar, the error by the field and the
    typed text."""
    _app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    page = client.get("/calendar", params={"day": typed})
    assert page.status_code == 422
    assert f'value="{typed}"' in page.text
    assert "between the years 1900 and 2199" in page.text


def test_booking_this_plan_books_its_series_and_opens_the_calendar(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """The proposal for the demo plan can be accepted as proposed; its sessions are booked."""
    _app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    plan = re.search(r'href="/plans/(\d+)"', client.get("/patients").text + _plan_links(client))
    assert plan
    page = client.get(f"/plans/{plan.group(1)}/book")
    assert page.status_code == 200
    named = (
        r'name="([a-z]+_\d+|count|patient_id|target|target_met)"(?: id="[^"]*")? value="([^"]*)"'
    )
    fields = dict(re.findall(named, page.text)) | _selected(page.text)
    fields |= {f"include_{i}": "on" for i in range(int(fields["count"]))}
    done = client.post(
        f"/plans/{plan.group(1)}/book", data={**fields, "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert "plan_booked=" in done.headers["location"]
    assert "/calendar/appointments/" in client.get(done.headers["location"]).text


def _plan_links(client: TestClient) -> str:
    patients = re.findall(r'href="/patients/(\d+)"', client.get("/patients").text)
    return "".join(client.get(f"/patients/{p}").text for p in patients)


def _selected(html: str) -> dict[str, str]:
    """The chosen option of each select, as a browser would send it."""
    chosen = {}
    for name, body in re.findall(r'<select name="([a-z]+_\d+)"[^>]*>(.*?)</select>', html, re.S):
        found = re.search(r'<option value="([^"]*)" selected', body)
        chosen[name] = found.group(1) if found else ""
    return chosen


def test_the_api_refuses_dates_outside_the_supported_years(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """A year 9999 session is a 422 naming the field, never a 500."""
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    mine = session(app, at=TUESDAY_10)
    headers = {"x-csrf-token": token}
    answer = client.post(
        f"/api/appointments/{mine}/move", json={"starts_at": "9999-12-31T10:00"}, headers=headers
    )
    assert answer.status_code == 422
    far = client.post(
        f"/api/appointments/{mine}/move", json={"starts_at": "2199-12-31T10:00"}, headers=headers
    )
    assert far.status_code == 422
    assert far.json()["reasons"]


def _proposal(client: TestClient) -> tuple[str, dict[str, str]]:
    """The demo plan's id and its proposal's fields, as a browser would send them."""
    plan = re.search(r'href="/plans/(\d+)"', client.get("/patients").text + _plan_links(client))
    assert plan
    page = client.get(f"/plans/{plan.group(1)}/book")
    assert page.status_code == 200
    named = (
        r'name="([a-z]+_\d+|count|patient_id|target|target_met)"(?: id="[^"]*")? value="([^"]*)"'
    )
    fields = dict(re.findall(named, page.text)) | _selected(page.text)
    return plan.group(1), fields | {f"include_{i}": "on" for i in range(int(fields["count"]))}


@pytest.mark.parametrize(
    ("typed", "cell", "said"),
    [
        ({"number_0": "x"}, "number_0", "Enter a whole number."),
        ({"number_0": "99"}, "number_0", "50 or less"),
        ({"staff_0": ""}, "staff_0", "Choose one of the options."),
        ({"room_0": ""}, "room_0", "Choose one of the options."),
    ],
)
def test_a_row_that_cannot_be_read_is_refused_next_to_its_own_field(  # type: ignore[no-untyped-def]
    app_and_client, typed: dict[str, str], cell: str, said: str
) -> None:
    """The problem is shown at the field at fault, and no other field of the row is marked."""
    _app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    plan, fields = _proposal(client)
    page = client.post(f"/plans/{plan}/book", data={**fields, **typed, "csrf_token": token})
    assert page.status_code == 422
    marked = re.findall(r'id="err-([a-z]+_0)" role="status">([^<]+)<', page.text)
    assert len(marked) == 1, marked
    assert marked[0][0] == cell
    assert said in marked[0][1]


def test_with_no_sessions_left_the_target_date_is_not_mentioned(app_and_client) -> None:  # type: ignore[no-untyped-def]
    """Once every session is booked there is nothing to be ready by the target date."""
    app, client = app_and_client
    sign_in(client, "doctor@demo.dorsum.test")
    plan, fields = _proposal(client)
    assert 'id="target"' in client.get(f"/plans/{plan}/book").text
    for i in range(int(fields["count"])):
        booked = session(
            app, at=TUESDAY_10 + timedelta(days=7 * i), treatment=fields[f"treatment_{i}"]
        )
        with session_factory(app.state.engine)() as db:
            row = db.get(Appointment, booked)
            assert row is not None
            row.plan_id, row.session_number = int(plan), int(fields[f"number_{i}"])
            row.patient_id = int(fields["patient_id"])
            db.commit()
    page = client.get(f"/plans/{plan}/book")
    assert "There are no sessions left to book in this plan." in page.text
    assert 'id="target"' not in page.text
    assert "target date" not in page.text
