"""Rooms, devices, staff, closures and treatment session settings: an admin keeps them on the
"Rooms, devices and staff" page and through the API; every refusal says why, next to its
field; other clinics' records look absent; reception reads but does not change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import dorsum
from dorsum.scheduling.needs import Setting, booked_treatments
from dorsum.services.clinic_resources import ClinicResources, clinic_resources
from dorsum.services.demo import load_demo
from dorsum.storage.database import make_engine, session_factory
from dorsum.storage.migrate import upgrade
from dorsum.storage.tables import Appointment, AuditEntry, Patient, User
from dorsum.storage.tables import Clinic as ClinicRow
from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import token_for

NURSE = {"name": "Nurse Nora", "skills": ["chemical_peel"], "roster": "mon-fri 09:00-17:00"}


@pytest.fixture
def admin(site: Clinic) -> dict[str, str]:
    """A bearer header of alpha's admin."""
    return token_for(site, "admin@alpha.test")


def post(client: TestClient, path: str, token: str, **fields: Any) -> Any:
    return client.post(path, data={**fields, "csrf_token": token}, follow_redirects=False)


def made(client: TestClient, path: str, auth: dict[str, str], body: dict[str, Any]) -> Any:
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


# ---- the page -------------------------------------------------------------------------------


def test_an_admin_adds_a_room_a_device_and_a_staff_member_on_the_page(client: TestClient) -> None:
    """Each section's form adds its record, and the page lists it."""
    token = sign_in(client, "admin@alpha.test")
    assert post(client, "/resources/rooms", token, room_name="Laser room").status_code == 303
    room_id = client.get("/api/rooms").json()[0]["id"]
    device = post(
        client,
        "/resources/devices",
        token,
        device_name="CO2 laser",
        device_kind="ablative_laser",
        device_room_ids=str(room_id),
    )
    assert device.status_code == 303, device.text
    member = post(
        client,
        "/resources/staff",
        token,
        staff_name="Dr. Vega",
        staff_physician="on",
        staff_skills=["laser_resurfacing", "chemical_peel"],
        staff_roster="mon-fri 09:00-18:00",
    )
    assert member.status_code == 303, member.text
    page = client.get("/resources").text
    for shown in ("Laser room", "CO2 laser", "Dr. Vega"):
        assert shown in page
    assert client.get("/api/devices").json()[0]["room_ids"] == [room_id]
    assert client.get("/api/staff").json()[0]["skills"] == ["chemical_peel", "laser_resurfacing"]


def test_the_admin_page_links_to_the_resources(client: TestClient) -> None:
    """The admin navigation leads to the page."""
    sign_in(client, "admin@alpha.test")
    assert 'href="/resources"' in client.get("/admin").text


def test_an_edit_opens_the_record_in_its_form_and_saves_it(client: TestClient) -> None:
    """`?room=` fills the room form; saving with the box unticked deactivates the room."""
    token = sign_in(client, "admin@alpha.test")
    post(client, "/resources/rooms", token, room_name="Room 1")
    room_id = client.get("/api/rooms").json()[0]["id"]
    form = client.get(f"/resources?room={room_id}").text
    assert f'action="/resources/rooms/{room_id}"' in form
    assert 'value="Room 1"' in form
    assert post(client, f"/resources/rooms/{room_id}", token, room_name="Room A").status_code == 303
    assert client.get("/api/rooms").json() == [{"id": room_id, "name": "Room A", "active": False}]


def test_a_closure_is_added_and_removed_on_the_page(client: TestClient) -> None:
    """A holiday closes the whole clinic until it is removed."""
    token = sign_in(client, "admin@alpha.test")
    added = post(
        client,
        "/resources/closures",
        token,
        closure_starts_on="2199-12-24",
        closure_ends_on="2199-12-26",
        closure_reason="Christmas",
    )
    assert added.status_code == 303, added.text
    [closure] = client.get("/api/closures").json()
    assert (closure["reason"], closure["room_id"], closure["staff_id"]) == ("Christmas", None, None)
    assert "Christmas" in client.get("/resources").text
    post(client, f"/resources/closures/{closure['id']}/delete", token)
    assert client.get("/api/closures").json() == []


def test_each_treatment_shows_its_default_and_takes_the_clinics_own(client: TestClient) -> None:
    """The default is the placeholder; a figure saved replaces it, and blanks restore it."""
    token = sign_in(client, "admin@alpha.test")
    page = client.get("/resources").text
    assert 'name="cryolipolysis_session_minutes"' in page
    assert 'placeholder="70"' in page
    saved = post(
        client,
        "/resources/treatments/cryolipolysis",
        token,
        cryolipolysis_session_minutes="75",
        cryolipolysis_device_kind="",
    )
    assert saved.status_code == 303, saved.text
    setting = client.get("/api/treatment-setups/cryolipolysis").json()
    assert (setting["session_minutes"], setting["defaults"]["session_minutes"]) == (75, 70)
    post(client, "/resources/treatments/cryolipolysis", token, cryolipolysis_session_minutes="")
    assert client.get("/api/treatment-setups/cryolipolysis").json()["session_minutes"] is None


# ---- refusals, with reasons -----------------------------------------------------------------


def test_a_physician_only_skill_is_refused_for_a_non_physician(client: TestClient) -> None:
    """The form comes back as typed, the reason next to the skills, and nothing is saved."""
    token = sign_in(client, "admin@alpha.test")
    refused = post(
        client,
        "/resources/staff",
        token,
        staff_name="Nurse Nora",
        staff_skills=["subcision"],
        staff_roster="mon-fri 09:00-17:00",
    )
    assert refused.status_code == 422
    assert 'value="Nurse Nora"' in refused.text
    assert 'value="mon-fri 09:00-17:00"' in refused.text
    assert (
        '<span class="field-error" id="err-staff_skills" role="status">Subcision must be '
        "performed by a physician" in refused.text
    )
    assert client.get("/api/staff").json() == []


def test_the_api_refuses_a_physician_only_skill_for_a_non_physician(
    client: TestClient, admin: dict[str, str]
) -> None:
    """422 naming `skills`; the same member as a physician is accepted."""
    body = {**NURSE, "skills": ["laser_resurfacing"]}
    refused = client.post("/api/staff", json=body, headers=admin)
    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert problem["field"] == "skills"
    assert "physician" in problem["message"]
    assert made(client, "/api/staff", admin, {**body, "physician": True})["physician"] is True


def test_a_refusal_speaks_the_admins_language(client: TestClient) -> None:
    """A Spanish-speaking admin reads the reason in Spanish, with the treatment's Spanish name."""
    token = sign_in(client, "admin@alpha.test")
    client.post("/language", data={"language": "es", "csrf_token": token, "next": "/resources"})
    refused = post(
        client, "/resources/staff", token, staff_name="Nora", staff_skills=["punch_excision"]
    )
    assert refused.status_code == 422
    assert "debe realizarla un médico" in refused.text


@pytest.mark.parametrize(
    ("roster", "named"),
    [
        ("mun-fri 09:00-17:00", "mun-fri"),
        ("fri-mon 09:00-17:00", "fri-mon"),
        ("mon-fri 9-17", "9-17"),
        ("mon-fri 17:00-09:00", "17:00-09:00"),
        ("mon-fri", "mon-fri"),
        ("sat 25:00-26:00", "25:00-26:00"),
    ],
)
def test_a_roster_that_cannot_be_read_is_refused_naming_the_part(
    client: TestClient, admin: dict[str, str], roster: str, named: str
) -> None:
    """The refusal is at `roster` and quotes the part at fault."""
    refused = client.post("/api/staff", json={**NURSE, "roster": roster}, headers=admin)
    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert problem["field"] == "roster"
    assert f"“{named}”" in problem["message"]


def test_a_roster_written_like_the_opening_hours_is_kept(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Split days and an empty roster are both fine."""
    roster = "mon-thu 09:00-14:00,16:00-20:00; fri 09:00-15:00"
    assert made(client, "/api/staff", admin, {**NURSE, "roster": roster})["roster"] == roster
    unrostered = {"name": "Not yet rostered", "skills": ["chemical_peel"]}
    assert made(client, "/api/staff", admin, unrostered)["roster"] == ""


def test_a_closure_ending_before_it_starts_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    """At `ends_on`, on the API and on the page (the dates kept as typed)."""
    body = {"starts_on": "2199-05-10", "ends_on": "2199-05-01"}
    refused = client.post("/api/closures", json=body, headers=admin)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["ends_on"]
    token = sign_in(client, "admin@alpha.test")
    page = post(
        client,
        "/resources/closures",
        token,
        closure_starts_on="2199-05-10",
        closure_ends_on="2199-05-01",
    )
    assert page.status_code == 422
    assert 'value="2199-05-01"' in page.text
    assert 'id="err-closure_ends_on" role="status">The last day cannot be before' in page.text


def test_a_date_outside_the_supported_years_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Closures are held to 1900..2199, like every date."""
    body = {"starts_on": "2200-01-01", "ends_on": "2200-01-02"}
    refused = client.post("/api/closures", json=body, headers=admin)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"starts_on", "ends_on"}


def test_a_closure_names_at_most_one_resource(client: TestClient, admin: dict[str, str]) -> None:
    """A room and a staff member at once is refused; none closes the whole clinic."""
    room = made(client, "/api/rooms", admin, {"name": "Room 1"})
    member = made(client, "/api/staff", admin, NURSE)
    body = {"starts_on": "2199-05-01", "ends_on": "2199-05-01", "room_id": room["id"]}
    refused = client.post("/api/closures", json={**body, "staff_id": member["id"]}, headers=admin)
    assert refused.status_code == 422
    assert made(client, "/api/closures", admin, body)["room_id"] == room["id"]


def test_a_duplicate_name_is_refused_naming_the_field(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Two rooms, devices or staff members of one clinic cannot share a name."""
    made(client, "/api/rooms", admin, {"name": "Room 1"})
    refused = client.post("/api/rooms", json={"name": "room 1"}, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "name"
    made(client, "/api/staff", admin, NURSE)
    assert client.post("/api/staff", json=NURSE, headers=admin).status_code == 422
    made(client, "/api/rooms", admin, {"name": "Sala Ñ"})
    assert client.post("/api/rooms", json={"name": "sala ñ"}, headers=admin).status_code == 422


def test_a_duplicate_name_on_the_page_keeps_what_was_typed(client: TestClient) -> None:
    """The refused room form shows the name again, the reason beside it."""
    token = sign_in(client, "admin@alpha.test")
    post(client, "/resources/rooms", token, room_name="Room 1")
    refused = post(client, "/resources/rooms", token, room_name="Room 1")
    assert refused.status_code == 422
    assert 'id="err-room_name" role="status">The clinic already has one called' in refused.text


def test_setting_bounds_are_enforced(client: TestClient, admin: dict[str, str]) -> None:
    """Minutes 5..480, set-up and clean-down 0..120, a known device kind."""
    path = "/api/treatment-setups/chemical_peel"
    bad = {"session_minutes": 4, "setup_minutes": 121, "device_kind": "toaster"}
    refused = client.put(path, json=bad, headers=admin)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == set(bad)
    good = {"session_minutes": 480, "cleanup_minutes": 0, "device_kind": ""}
    assert client.put(path, json=good, headers=admin).json()["device_kind"] == ""
    assert client.get("/api/treatment-setups/home_care", headers=admin).status_code == 404


def test_a_device_of_an_unknown_kind_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    """The kind comes from the list the scheduler knows."""
    refused = client.post("/api/devices", json={"name": "X", "kind": "toaster"}, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "kind"


# ---- clinics and roles ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rooms", "devices", "staff", "closures"])
def test_another_clinics_records_answer_404(
    client: TestClient, site: Clinic, admin: dict[str, str], kind: str
) -> None:
    """Beta's admin can neither read, change nor deactivate alpha's records."""
    room = made(client, "/api/rooms", admin, {"name": "Room 0"})
    bodies: dict[str, dict[str, Any]] = {
        "rooms": {"name": "Room 1"},
        "devices": {"name": "Cryo", "kind": "cryolipolysis_applicator", "room_ids": [room["id"]]},
        "staff": NURSE,
        "closures": {"starts_on": "2199-01-01", "ends_on": "2199-01-01"},
    }
    record = made(client, f"/api/{kind}", admin, bodies[kind])
    beta = token_for(site, "admin@beta.test")
    path = f"/api/{kind}/{record['id']}"
    assert client.get(path, headers=beta).status_code == 404
    assert client.put(path, json=bodies[kind], headers=beta).status_code == 404
    assert client.delete(path, headers=beta).status_code == 404
    assert client.get(path, headers=admin).status_code == 200


def test_another_clinics_room_cannot_be_given_to_a_device(
    client: TestClient, site: Clinic, admin: dict[str, str]
) -> None:
    """The refusal names `room_ids` and is the same as for a room that does not exist."""
    beta = token_for(site, "admin@beta.test")
    theirs = made(client, "/api/rooms", beta, {"name": "Beta room"})
    body = {"name": "Cryo", "kind": "cryolipolysis_applicator", "room_ids": [theirs["id"]]}
    refused = client.post("/api/devices", json=body, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "room_ids"


def test_another_clinics_user_cannot_be_linked(
    client: TestClient, site: Clinic, admin: dict[str, str]
) -> None:
    """A staff member links only to a user of their own clinic."""
    with session_factory(site.app.state.engine)() as db:
        outsider = db.scalar(select(User.id).where(User.email == "admin@beta.test"))
    refused = client.post("/api/staff", json={**NURSE, "user_id": outsider}, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "user_id"


def test_reception_reads_the_resources_but_cannot_change_them(
    client: TestClient, site: Clinic, admin: dict[str, str]
) -> None:
    """Reception lists rooms on the API and the page, and is refused any change (403)."""
    made(client, "/api/rooms", admin, {"name": "Room 1"})
    desk = token_for(site, "reception@alpha.test")
    assert [r["name"] for r in client.get("/api/rooms", headers=desk).json()] == ["Room 1"]
    assert client.get("/api/treatment-setups", headers=desk).status_code == 200
    assert client.post("/api/rooms", json={"name": "Mine"}, headers=desk).status_code == 403
    put = client.put("/api/treatment-setups/chemical_peel", json={}, headers=desk)
    assert put.status_code == 403
    token = sign_in(client, "reception@alpha.test")
    page = client.get("/resources").text
    assert "Room 1" in page
    assert 'action="/resources/rooms"' not in page
    assert post(client, "/resources/rooms", token, room_name="Mine").status_code == 403


def test_every_change_is_audited(site: Clinic, client: TestClient, admin: dict[str, str]) -> None:
    """Creating, changing and deactivating each leave an entry naming the entity."""
    room = made(client, "/api/rooms", admin, {"name": "Room 1"})
    client.put(f"/api/rooms/{room['id']}", json={"name": "Room One"}, headers=admin)
    client.delete(f"/api/rooms/{room['id']}", headers=admin)
    client.put("/api/treatment-setups/chemical_peel", json={"session_minutes": 40}, headers=admin)
    with session_factory(site.app.state.engine)() as db:
        logged = db.execute(
            select(AuditEntry.action, AuditEntry.entity).where(
                AuditEntry.entity.in_(["room", "treatment_setup"])
            )
        ).all()
    assert [tuple(row) for row in logged] == [
        ("create", "room"),
        ("update", "room"),
        ("deactivate", "room"),
        ("update", "treatment_setup"),
    ]


# ---- what the scheduler reads ---------------------------------------------------------------


def test_the_scheduler_reads_the_active_resources_as_plain_values(
    site: Clinic, client: TestClient, admin: dict[str, str]
) -> None:
    """Inactive records are left out; settings come as `Setting`s; closures keep their days."""
    one = made(client, "/api/rooms", admin, {"name": "Room 1"})
    two = made(client, "/api/rooms", admin, {"name": "Room 2", "active": False})
    device = {
        "name": "Cryo",
        "kind": "cryolipolysis_applicator",
        "room_ids": [one["id"], two["id"]],
    }
    made(client, "/api/devices", admin, device)
    made(client, "/api/staff", admin, {**NURSE, "skills": ["cryolipolysis"]})
    made(client, "/api/closures", admin, {"starts_on": "2199-08-01", "ends_on": "2199-08-31"})
    client.put("/api/treatment-setups/cryolipolysis", json={"setup_minutes": 20}, headers=admin)
    with session_factory(site.app.state.engine)() as db:
        alpha = db.scalar(select(ClinicRow.id).where(ClinicRow.slug == "alpha"))
        assert alpha is not None
        found = clinic_resources(db, alpha)
    assert isinstance(found, ClinicResources)
    assert [room.name for room in found.rooms] == ["Room 1"]
    assert found.devices[0].room_ids == (one["id"],)
    assert found.staff[0].skills == frozenset({"cryolipolysis"})
    assert found.staff[0].roster == "mon-fri 09:00-17:00"
    assert found.closures[0].whole_clinic
    assert found.settings == {"cryolipolysis": Setting(setup=20)}
    with pytest.raises(AttributeError):
        found.rooms[0].name = "changed"  # type: ignore[misc]


def test_the_demo_clinic_can_book_sessions(tmp_path: Path) -> None:
    """The demo has three rooms, the three devices in their rooms, a physician for every
    booked treatment and nurses for the others, on weekdays and Saturdays."""
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    index = dorsum.default_index()
    with session_factory(engine)() as db:
        assert load_demo(db, today=date(2026, 11, 21), index=index)
        demo = db.scalar(select(ClinicRow.id).where(ClinicRow.slug == "demo"))
        assert demo is not None
        found = clinic_resources(db, demo)
    engine.dispose()
    rooms = {room.name: room.id for room in found.rooms}
    assert set(rooms) == {"Room 1", "Room 2", "Laser room"}
    where = {device.kind: device.room_ids for device in found.devices}
    assert where["cryolipolysis_applicator"] == (rooms["Room 1"], rooms["Room 2"])
    assert where["ablative_laser"] == where["nonablative_laser"] == (rooms["Laser room"],)
    [physician] = [member for member in found.staff if member.physician]
    assert physician.skills == set(booked_treatments(index))
    assert {member.roster for member in found.staff} == {
        "mon-fri 09:00-18:00",
        "sat 09:00-14:00",
    }


# ---- deactivating what is still booked, and records that could never be booked --------------


def book_ahead(site: Clinic, *, days: int, **resource: Any) -> None:
    """A live booking of a new patient of alpha's, `days` from now, using `resource`."""
    with session_factory(site.app.state.engine)() as db:
        alpha = db.scalar(select(ClinicRow.id).where(ClinicRow.slug == "alpha"))
        assert alpha is not None
        patient = Patient(clinic_id=alpha, name="Pat", birth_date=date(1980, 1, 1), sex="female")
        db.add(patient)
        db.flush()
        starts = datetime.now(UTC) + timedelta(days=days)
        db.add(Appointment(clinic_id=alpha, patient_id=patient.id, starts_at=starts, **resource))
        db.commit()


def resources_of_alpha(client: TestClient, admin: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A room, a device in it and a nurse, by the appointment column that names each."""
    room = made(client, "/api/rooms", admin, {"name": "Room 1"})
    device = {"name": "Cryo", "kind": "cryolipolysis_applicator", "room_ids": [room["id"]]}
    return {
        "room_id": room,
        "device_id": made(client, "/api/devices", admin, device),
        "staff_id": made(client, "/api/staff", admin, NURSE),
    }


PATHS = {"room_id": "rooms", "device_id": "devices", "staff_id": "staff"}


@pytest.mark.parametrize("column", list(PATHS))
def test_a_resource_with_bookings_ahead_cannot_be_deactivated(
    site: Clinic, client: TestClient, admin: dict[str, str], column: str
) -> None:
    """DELETE and an edit unticking "active" are refused at `active`, saying how many
    bookings to move first; the record stays active."""
    record = resources_of_alpha(client, admin)[column]
    book_ahead(site, days=3, **{column: record["id"]})
    book_ahead(site, days=9, **{column: record["id"]})
    path = f"/api/{PATHS[column]}/{record['id']}"
    for refused in (
        client.delete(path, headers=admin),
        client.put(path, json={**_body(record), "active": False}, headers=admin),
    ):
        assert refused.status_code == 422, refused.text
        [problem] = refused.json()["errors"]
        assert problem["field"] == "active"
        assert ": 2. " in problem["message"]
        assert "first, then deactivate" in problem["message"]
    assert client.get(path, headers=admin).json()["active"] is True


@pytest.mark.parametrize("column", list(PATHS))
def test_a_resource_booked_only_in_the_past_or_cancelled_can_be_deactivated(
    site: Clinic, client: TestClient, admin: dict[str, str], column: str
) -> None:
    """Past bookings keep naming it; a cancelled booking ahead does not hold it."""
    record = resources_of_alpha(client, admin)[column]
    book_ahead(site, days=-2, **{column: record["id"]})
    book_ahead(site, days=2, cancelled_at=datetime.now(UTC), **{column: record["id"]})
    path = f"/api/{PATHS[column]}/{record['id']}"
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).json()["active"] is False


def test_deactivating_a_booked_room_on_the_page_says_why_in_spanish(
    site: Clinic, client: TestClient, admin: dict[str, str]
) -> None:
    """The room form comes back with the reason next to "active", in the admin's language."""
    room = made(client, "/api/rooms", admin, {"name": "Room 1"})
    book_ahead(site, days=1, room_id=room["id"])
    token = sign_in(client, "admin@alpha.test")
    client.post("/language", data={"language": "es", "csrf_token": token, "next": "/resources"})
    refused = post(client, f"/resources/rooms/{room['id']}", token, room_name="Room 1")
    assert refused.status_code == 422
    assert 'id="err-room_active" role="status">' in refused.text
    assert "Citas pendientes en esta sala: 1." in refused.text


def test_a_device_must_be_usable_in_some_room(client: TestClient, admin: dict[str, str]) -> None:
    """A device in no room is refused at `room_ids`, on adding it and on an edit."""
    body = {"name": "Cryo", "kind": "cryolipolysis_applicator"}
    refused = client.post("/api/devices", json=body, headers=admin)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["room_ids"]
    room = made(client, "/api/rooms", admin, {"name": "Room 1"})
    device = made(client, "/api/devices", admin, {**body, "room_ids": [room["id"]]})
    emptied = client.put(f"/api/devices/{device['id']}", json=body, headers=admin)
    assert emptied.status_code == 422
    assert emptied.json()["errors"][0]["field"] == "room_ids"


def test_a_staff_member_must_have_a_skill(client: TestClient, admin: dict[str, str]) -> None:
    """No skills is refused at `skills`, on the API and on the page (as typed)."""
    refused = client.post("/api/staff", json={**NURSE, "skills": []}, headers=admin)
    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert problem["field"] == "skills"
    assert "at least one treatment" in problem["message"]
    token = sign_in(client, "admin@alpha.test")
    page = post(client, "/resources/staff", token, staff_name="Nora", staff_roster="")
    assert page.status_code == 422
    assert 'id="err-staff_skills" role="status">Choose at least one treatment' in page.text


def _body(record: dict[str, Any]) -> dict[str, Any]:
    """The record as its PUT body (what the API answered, less the id)."""
    return {k: v for k, v in record.items() if k != "id"}
