"""An appointment book a receptionist can trust: opening hours, no double booking of a patient,
cancel and reschedule, past and far-future dates refused with the reason, booking from a
patient's page preselects that patient, and times that keep their zone on both databases."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import token_for

MADRID = ZoneInfo("Europe/Madrid")


def weekday(hour: int, minute: int = 0, *, days_ahead: int = 7) -> datetime:
    """A Monday-to-Friday time a week or so ahead, clinic time."""
    day = date.today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def sunday(hour: int) -> datetime:
    day = date.today() + timedelta(days=7)
    while day.weekday() != 6:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=MADRID)


@pytest.fixture
def booked(site: Clinic, client: TestClient) -> tuple[dict[str, str], int, dict[str, object]]:
    auth = token_for(site, "reception@alpha.test")
    patient = client.post("/api/patients", json={"name": "Bea Booked"}, headers=auth).json()
    made = client.post(
        "/api/appointments",
        json={"patient_id": patient["id"], "starts_at": weekday(10).isoformat(), "minutes": 60},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    return auth, patient["id"], made.json()


def _book(client: TestClient, auth: dict[str, str], patient_id: int, when: str, minutes: int = 30):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/appointments",
        json={"patient_id": patient_id, "starts_at": when, "minutes": minutes},
        headers=auth,
    )


def test_a_patient_cannot_be_booked_twice_at_the_same_time(
    client: TestClient, booked: tuple[dict[str, str], int, dict[str, object]]
) -> None:
    """An overlapping booking is refused, naming the one it clashes with."""
    auth, patient_id, _first = booked
    clash = _book(client, auth, patient_id, weekday(10, 30).isoformat())
    assert clash.status_code == 422
    assert "already has an appointment at 10:00" in clash.json()["detail"]
    assert clash.json()["errors"][0]["field"] == "starts_at"
    after = _book(client, auth, patient_id, weekday(11).isoformat())
    assert after.status_code == 201


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (lambda: sunday(3).isoformat(), "closed"),
        (lambda: weekday(21).isoformat(), "closed"),
        (lambda: weekday(19, 45).isoformat(), "closes before this appointment would end"),
        (lambda: "2199-06-01T10:00:00+02:00", "at most 730 days ahead"),
        (lambda: (datetime.now(MADRID) - timedelta(days=1)).replace(hour=10).isoformat(), "past"),
    ],
)
def test_times_the_clinic_cannot_honour_are_refused_with_the_reason(
    client: TestClient,
    booked: tuple[dict[str, str], int, dict[str, object]],
    when: object,
    reason: str,
) -> None:
    """3 a.m. on a Sunday, after closing, running past closing, 2199, yesterday."""
    auth, patient_id, _ = booked
    assert callable(when)
    refused = _book(client, auth, patient_id, when())
    assert refused.status_code == 422
    assert reason in refused.json()["detail"]


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1900-01-01T00:00:00+14:00"]
)
def test_times_outside_the_supported_years_are_refused_and_the_book_still_opens(
    client: TestClient, booked: tuple[dict[str, str], int, dict[str, object]], when: str
) -> None:
    """On PostgreSQL one such booking took every listing down with 500s."""
    auth, patient_id, _ = booked
    refused = _book(client, auth, patient_id, when)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "starts_at"
    assert client.get("/api/appointments", headers=auth).status_code == 200


def test_times_keep_their_zone_on_both_databases(
    client: TestClient, booked: tuple[dict[str, str], int, dict[str, object]]
) -> None:
    """Sent with +02:00 or as local time, a booking comes back as the same instant, with its
    offset (on main SQLite dropped the offset and the API broke its own schema)."""
    auth, patient_id, first = booked
    assert datetime.fromisoformat(str(first["starts_at"])) == weekday(10)
    returned = datetime.fromisoformat(str(first["starts_at"]))
    assert returned.utcoffset() == timedelta(0)
    other_zone = weekday(15).astimezone(ZoneInfo("America/New_York"))
    made = _book(client, auth, patient_id, other_zone.isoformat()).json()
    assert datetime.fromisoformat(made["starts_at"]) == weekday(15)
    local = _book(client, auth, patient_id, weekday(17).replace(tzinfo=None).isoformat()).json()
    assert datetime.fromisoformat(local["starts_at"]) == weekday(17)
    listed = client.get("/api/appointments", headers=auth).json()
    assert all(datetime.fromisoformat(a["starts_at"]).tzinfo is not None for a in listed)


def test_a_booking_is_cancelled_and_rescheduled(
    client: TestClient, booked: tuple[dict[str, str], int, dict[str, object]]
) -> None:
    """A move is checked like a new booking; a cancelled booking leaves the book and its
    time becomes free, but stays in the patient's history."""
    auth, patient_id, first = booked
    moved = client.put(
        f"/api/appointments/{first['id']}",
        json={"starts_at": weekday(12).isoformat()},
        headers=auth,
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["starts_at"]) == weekday(12)
    closed = client.put(
        f"/api/appointments/{first['id']}", json={"starts_at": sunday(12).isoformat()}, headers=auth
    )
    assert closed.status_code == 422
    cancelled = client.post(f"/api/appointments/{first['id']}/cancel", headers=auth)
    assert cancelled.json()["cancelled"] is True
    assert client.get("/api/appointments", headers=auth).json() == []
    history = client.get("/api/appointments?include_cancelled=true", headers=auth).json()
    assert [a["cancelled"] for a in history] == [True]
    assert _book(client, auth, patient_id, weekday(12).isoformat()).status_code == 201


def test_reception_books_cancels_and_moves_on_the_pages(site: Clinic, client: TestClient) -> None:
    """From the patient's page the form has that patient chosen; a refusal keeps the form."""
    token = sign_in(client, "reception@alpha.test")
    auth = token_for(site, "reception@alpha.test")
    for name in ("Ana Other", "Carla Chosen", "Dora Other"):
        client.post("/api/patients", json={"name": name}, headers=auth)
    chosen = next(
        p
        for p in client.get("/api/patients", headers=auth).json()["patients"]
        if p["name"] == "Carla Chosen"
    )
    patient_page = client.get(f"/patients/{chosen['id']}").text
    link = re.search(r'href="(/appointments\?patient_id=\d+)#book"', patient_page)
    assert link is not None
    form = client.get(link.group(1)).text
    assert re.search(rf'<option value="{chosen["id"]}" selected>Carla Chosen', form)
    when = weekday(9).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        "/appointments",
        data={
            "patient_id": str(chosen["id"]),
            "starts_at": sunday(3).strftime("%Y-%m-%dT%H:%M"),
            "minutes": "45",
            "purpose": "Peel",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert re.search(r'id="err-starts_at"[^>]*>The clinic is closed then', refused.text)
    assert 'value="Peel"' in refused.text
    assert 'value="45"' in refused.text
    done = client.post(
        "/appointments",
        data={
            "patient_id": str(chosen["id"]),
            "starts_at": when,
            "minutes": "30",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    book = client.get("/appointments").text
    assert "Carla Chosen" in book
    appointment = client.get("/api/appointments", headers=auth).json()[0]
    moved = client.post(
        f"/appointments/{appointment['id']}/move",
        data={
            "starts_at": weekday(13).strftime("%Y-%m-%dT%H:%M"),
            "minutes": "30",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert (
        client.post(
            f"/appointments/{appointment['id']}/cancel",
            data={"csrf_token": token},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert "Carla Chosen" not in client.get("/appointments").text.split("Book an appointment")[0]


def test_a_birth_date_in_the_future_is_refused(site: Clinic, client: TestClient) -> None:
    """On main it was stored and the page said "-4 years old"."""
    auth = token_for(site, "reception@alpha.test")
    future = (date.today() + timedelta(days=400)).isoformat()
    refused = client.post(
        "/api/patients", json={"name": "Not Born", "birth_date": future}, headers=auth
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "birth_date"
    token = sign_in(client, "reception@alpha.test")
    page = client.post(
        "/patients", data={"name": "Not Born", "birth_date": future, "csrf_token": token}
    )
    assert page.status_code == 422
    assert re.search(r'id="err-birth_date"[^>]*>A birth date cannot be in the future', page.text)
    assert 'value="Not Born"' in page.text


@pytest.mark.parametrize("query", ["lopez", "LÓPEZ", "lópez", "maria lopez", "María"])
def test_patient_search_ignores_accents_and_case(
    site: Clinic, client: TestClient, query: str
) -> None:
    """ "lopez" finds "María López" on both databases; "%" and "_" are just characters."""
    auth = token_for(site, "reception@alpha.test")
    client.post("/api/patients", json={"name": "María López"}, headers=auth)
    client.post("/api/patients", json={"name": "Someone Else"}, headers=auth)
    found = client.get("/api/patients", params={"q": query}, headers=auth).json()["patients"]
    assert [p["name"] for p in found] == ["María López"]
    assert client.get("/api/patients", params={"q": "%"}, headers=auth).json()["total"] == 0
