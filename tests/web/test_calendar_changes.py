"""Changes made in the calendar: a move from a stale page (a second tab) gets a conflict instead
of silently overwriting, and a session booked with a room is checked like a plan's."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.test_calendar import TUESDAY_10, app_and_client, session, sign_in

__all__ = ["app_and_client"]  # the fixture, shared with the calendar's tests


def test_the_second_tab_gets_a_conflict(app_and_client: tuple[object, TestClient]) -> None:
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    booked = session(app, at=TUESDAY_10)
    page = client.get(f"/calendar/appointments/{booked}").text
    seen = re.search(r'name="expected" value="([^"]+)"', page)
    assert seen is not None
    form = {"csrf_token": token, "expected": seen.group(1), "date": "2026-06-03"}
    first = client.post(
        f"/calendar/appointments/{booked}/move",
        data={**form, "time": "10:00"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    second = client.post(
        f"/calendar/appointments/{booked}/move",
        data={**form, "time": "12:00"},
        follow_redirects=False,
    )
    assert second.status_code == 422
    assert "moved this booking meanwhile" in second.text
    assert 'value="12:00"' in second.text


def test_a_session_booked_from_the_calendar_is_checked_like_a_plans(
    app_and_client: tuple[object, TestClient],
) -> None:
    """A session with a treatment, room and staff member: refused in a taken room with the
    reason, booked in a free one."""
    app, client = app_and_client
    token = sign_in(client, "doctor@demo.dorsum.test")
    session(app, at=TUESDAY_10)  # Room 1, 10:00-10:30 with set-up and clean-down around it
    page = client.get("/calendar?day=2026-06-02").text
    patient = re.search(r'<option value="(\d+)"', page)
    room = re.search(r'<option value="(\d+)"[^>]*>Room 1<', page)
    nurse = re.search(r'<option value="(\d+)"[^>]*>Marta Gil \(nurse\)<', page)
    assert patient is not None
    assert room is not None
    assert nurse is not None
    form = {
        "csrf_token": token,
        "patient_id": patient.group(1),
        "date": "2026-06-02",
        "treatment": "chemical_peel",
        "room_id": room.group(1),
        "staff_id": nurse.group(1),
    }
    taken = client.post("/calendar/appointments", data={**form, "time": "10:00"})
    assert taken.status_code == 422
    assert "Room 1 is already booked at that time." in taken.text
    free = client.post(
        "/calendar/appointments", data={**form, "time": "15:00"}, follow_redirects=False
    )
    assert free.status_code == 303
