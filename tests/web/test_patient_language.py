"""A patient's preferred language (their report's) and their unavailable days: kept on the
patient's pages and the API, exported with the record, and erased with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dorsum.storage.database import session_factory
from dorsum.storage.tables import AuditEntry, OutboxMessage, Patient, PatientUnavailability
from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import TEEN, token_for

HOLIDAY = {"starts_on": "2199-07-01", "ends_on": "2199-07-14", "kind": "sun"}


def register(client: TestClient, token: str, **fields: str) -> int:
    response = client.post(
        "/patients",
        data={"name": "Pat Lang", **fields, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def planned(client: TestClient, auth: dict[str, str], language: str) -> int:
    """A patient of `language` with a saved plan; the plan's id."""
    body = {"name": "Report Reader", "language": language}
    patient = client.post("/api/patients", json=body, headers=auth).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    plan = client.post(f"/api/consultations/{consultation['id']}/plans", json={}, headers=auth)
    assert plan.status_code == 201, plan.text
    return int(plan.json()["id"])


def test_the_preferred_language_is_saved_and_shown(client: TestClient) -> None:
    """Registered as Spanish-speaking, the patient page says so and the edit form selects it."""
    token = sign_in(client, "practitioner@alpha.test")
    patient_id = register(client, token, language="es")
    assert "preferred language: español" in client.get(f"/patients/{patient_id}").text
    form = client.get(f"/patients/{patient_id}/edit").text
    assert '<option value="es" selected>Español</option>' in form
    assert client.get(f"/api/patients/{patient_id}").json()["language"] == "es"


def test_a_form_without_the_language_keeps_english(client: TestClient) -> None:
    """An older form, or the API without the field, registers an English reader."""
    token = sign_in(client, "practitioner@alpha.test")
    patient_id = register(client, token)
    assert client.get(f"/api/patients/{patient_id}").json()["language"] == "en"


def test_an_unknown_language_is_refused(client: TestClient, site: Clinic) -> None:
    """Only English and Spanish; the API names the field, the form keeps what was typed."""
    auth = token_for(site, "practitioner@alpha.test")
    refused = client.post("/api/patients", json={"name": "X", "language": "fr"}, headers=auth)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "language"
    token = sign_in(client, "practitioner@alpha.test")
    page = client.post(
        "/patients", data={"name": "Kept Name", "language": "fr", "csrf_token": token}
    )
    assert page.status_code == 422
    assert 'value="Kept Name"' in page.text


def test_the_report_is_in_the_patients_language(client: TestClient, site: Clinic) -> None:
    """An English-speaking practitioner downloads a Spanish patient's report in Spanish."""
    auth = token_for(site, "practitioner@alpha.test")
    plan_id = planned(client, auth, "es")
    report = client.get(f"/plans/{plan_id}/report.html", headers=auth)
    assert report.status_code == 200
    assert '<html lang="es"' in report.text


def test_a_language_asked_for_overrides_the_patients(client: TestClient, site: Clinic) -> None:
    """`?lang=en` still gives the English report of a Spanish-speaking patient."""
    auth = token_for(site, "practitioner@alpha.test")
    plan_id = planned(client, auth, "es")
    report = client.get(f"/plans/{plan_id}/report.html?lang=en", headers=auth)
    assert '<html lang="en"' in report.text
    english = planned(client, auth, "en")
    assert '<html lang="en"' in client.get(f"/plans/{english}/report.html", headers=auth).text


def test_reception_adds_and_removes_unavailable_days_on_the_patient_page(
    client: TestClient,
) -> None:
    """The period is listed with its kind until it is removed."""
    token = sign_in(client, "reception@alpha.test")
    patient_id = register(client, token)
    added = client.post(
        f"/patients/{patient_id}/unavailability",
        data={**HOLIDAY, "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    page = client.get(f"/patients/{patient_id}").text
    assert "sun exposure" in page
    [period] = client.get(f"/api/patients/{patient_id}/unavailability").json()
    assert (period["starts_on"], period["ends_on"], period["kind"]) == (
        "2199-07-01",
        "2199-07-14",
        "sun",
    )
    removed = client.post(
        f"/patients/{patient_id}/unavailability/{period['id']}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert client.get(f"/api/patients/{patient_id}/unavailability").json() == []


def test_a_period_ending_before_it_starts_is_refused_as_typed(client: TestClient) -> None:
    """The page comes back with the dates typed and the reason beside the last day."""
    token = sign_in(client, "practitioner@alpha.test")
    patient_id = register(client, token)
    refused = client.post(
        f"/patients/{patient_id}/unavailability",
        data={"starts_on": "2199-07-14", "ends_on": "2199-07-01", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert 'value="2199-07-01"' in refused.text
    assert 'id="err-ends_on" role="status">The last day cannot be before' in refused.text
    assert client.get(f"/api/patients/{patient_id}/unavailability").json() == []


def test_the_api_keeps_unavailable_days_and_names_bad_fields(
    client: TestClient, site: Clinic
) -> None:
    """Create, change and delete a period; a bad kind or date is a 422 naming its field."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "P"}, headers=auth).json()
    path = f"/api/patients/{patient['id']}/unavailability"
    period = client.post(path, json=HOLIDAY, headers=auth).json()
    changed = client.put(
        f"{path}/{period['id']}", json={**HOLIDAY, "kind": "unavailable"}, headers=auth
    )
    assert changed.json()["kind"] == "unavailable"
    bad = {"starts_on": "2199-13-01", "ends_on": "2199-07-01", "kind": "beach"}
    assert {e["field"] for e in client.post(path, json=bad, headers=auth).json()["errors"]} == {
        "starts_on",
        "kind",
    }
    assert client.delete(f"{path}/{period['id']}", headers=auth).status_code == 204
    assert client.get(path, headers=auth).json() == []


def test_another_clinics_patient_has_no_unavailable_days_here(
    client: TestClient, site: Clinic
) -> None:
    """Beta sees alpha's patient as absent: 404, for reading and for writing."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "P"}, headers=auth).json()
    path = f"/api/patients/{patient['id']}/unavailability"
    period = client.post(path, json=HOLIDAY, headers=auth).json()
    beta = token_for(site, "admin@beta.test")
    assert client.get(path, headers=beta).status_code == 404
    assert client.post(path, json=HOLIDAY, headers=beta).status_code == 404
    assert client.delete(f"{path}/{period['id']}", headers=beta).status_code == 404


def test_changes_to_unavailable_days_are_audited(client: TestClient, site: Clinic) -> None:
    """Adding and removing a period each leave an entry on the patient."""
    auth = token_for(site, "reception@alpha.test")
    patient = client.post("/api/patients", json={"name": "P"}, headers=auth).json()
    path = f"/api/patients/{patient['id']}/unavailability"
    period = client.post(path, json=HOLIDAY, headers=auth).json()
    client.delete(f"{path}/{period['id']}", headers=auth)
    with session_factory(site.app.state.engine)() as db:
        logged = db.execute(
            select(AuditEntry.action, AuditEntry.patient_id).where(
                AuditEntry.entity == "unavailability"
            )
        ).all()
    assert [tuple(row) for row in logged] == [
        ("create", patient["id"]),
        ("erase", patient["id"]),
    ]


def test_the_export_holds_the_language_and_the_unavailable_days(
    client: TestClient, site: Clinic
) -> None:
    """Right of access: both are part of the record."""
    auth = token_for(site, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "P", "language": "es"}, headers=auth)
    patient_id = patient.json()["id"]
    client.post(f"/api/patients/{patient_id}/unavailability", json=HOLIDAY, headers=auth)
    exported: dict[str, Any] = client.get(f"/api/patients/{patient_id}/export", headers=auth).json()
    assert exported["patient"]["language"] == "es"
    assert exported["unavailability"] == [HOLIDAY]


def test_erasure_removes_unavailable_days_and_waiting_messages(
    client: TestClient, site: Clinic
) -> None:
    """Nothing of the patient is left: periods and outbox messages go with them."""
    auth = token_for(site, "admin@alpha.test")
    patient_id = client.post("/api/patients", json={"name": "P"}, headers=auth).json()["id"]
    client.post(f"/api/patients/{patient_id}/unavailability", json=HOLIDAY, headers=auth)
    with session_factory(site.app.state.engine)() as db:
        clinic_id = db.scalar(select(Patient.clinic_id).where(Patient.id == patient_id))
        assert clinic_id is not None
        db.add(
            OutboxMessage(
                clinic_id=clinic_id,
                patient_id=patient_id,
                kind="reminder",
                channel="email",
                recipient="p@example.org",
                language="en",
                body="See you tomorrow.",
                send_after=datetime(2199, 1, 1, tzinfo=UTC),
            )
        )
        db.commit()
    assert client.delete(f"/api/patients/{patient_id}", headers=auth).status_code == 204
    with session_factory(site.app.state.engine)() as db:
        for table in (PatientUnavailability, OutboxMessage, Patient):
            left = db.scalar(select(func.count()).select_from(table))
            assert left == 0, table.__tablename__
