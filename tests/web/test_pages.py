"""The practitioner's pages and the public ones, through the browser's forms."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import dorsum
from dorsum.storage.database import session_factory
from dorsum.storage.tables import BookingRequest, Consultation, Patient
from tests.web.conftest import Clinic, csrf_of, sign_in
from tests.web.test_api import TEEN, token_for

FORM = {
    "age": "16",
    "sex": "male",
    "fitzpatrick": "3",
    "isotretinoin": "never",
    "visit_date": "2026-11-21",
    "body_map": json.dumps(
        {"zones": {"upper_left": {"comedones": 25, "papules": 14}, "upper_right": {"pustules": 6}}}
    ),
}


def new_patient(client: TestClient, token: str, name: str = "Pat Page") -> int:
    response = client.post(
        "/patients", data={"name": name, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_sign_in_leads_to_the_patient_list(doctor: tuple[TestClient, str]) -> None:
    """After signing in the practitioner sees the searchable patient list."""
    client, _ = doctor
    page = client.get("/patients")
    assert page.status_code == 200
    assert 'hx-get="/patients"' in page.text


def test_the_patient_search_returns_matching_rows(doctor: tuple[TestClient, str]) -> None:
    """htmx asks for rows only; the search filters by name."""
    client, token = doctor
    new_patient(client, token, "Findable Person")
    new_patient(client, token, "Someone Else")
    rows = client.get("/patients?q=findable", headers={"HX-Request": "true"}).text
    assert "Findable Person" in rows
    assert "Someone Else" not in rows
    assert "<html" not in rows


def test_the_live_panel_assesses_the_form_as_it_stands(doctor: tuple[TestClient, str]) -> None:
    """The preview returns the result panel from the body map and form, storing nothing."""
    client, token = doctor
    panel = client.post("/consultations/preview", data={**FORM, "csrf_token": token}).text
    assert "Benzoyl peroxide" in panel
    assert "moderate" in panel
    bad = client.post(
        "/consultations/preview", data={**FORM, "age": "300", "csrf_token": token}
    ).text
    assert re.search(r'id="err-age"[^>]*>Must be 120 or less\.<', bad)
    assert "patient.age" not in bad


def test_a_consultation_is_saved_versioned_and_planned(
    site: Clinic, doctor: tuple[TestClient, str]
) -> None:
    """Save, edit (a new version), create a plan, and download its PDF report."""
    client, token = doctor
    patient_id = new_patient(client, token)
    saved = client.post(
        f"/patients/{patient_id}/consultations",
        data={**FORM, "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page_url = saved.headers["location"]
    consultation_id = int(page_url.rsplit("/", 1)[1])
    page = client.get(page_url).text
    assert "Benzoyl peroxide" in page
    edited = client.post(
        page_url,
        data={**FORM, "pregnant": "on", "sex": "female", "age": "29", "csrf_token": token},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert "version 2" in client.get(page_url).text
    assert "version 1" in client.get(f"{page_url}?version=1").text
    planned = client.post(
        f"/consultations/{consultation_id}/plans",
        data={"choose": "benzoyl_peroxide", "csrf_token": token},
        follow_redirects=False,
    )
    assert planned.status_code == 303, planned.text
    plan_url = planned.headers["location"]
    assert "<svg" in client.get(plan_url).text
    pdf = client.get(f"{plan_url}/report.pdf?lang=es")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    with session_factory(site.app.state.engine)() as db:
        assert db.scalar(select(func.count()).select_from(Consultation)) == 1


def test_an_invalid_form_is_shown_again_with_its_errors(doctor: tuple[TestClient, str]) -> None:
    """Nothing is lost: the form comes back with what was typed and the bad field named."""
    client, token = doctor
    patient_id = new_patient(client, token)
    response = client.post(
        f"/patients/{patient_id}/consultations", data={**FORM, "bmi": "5", "csrf_token": token}
    )
    assert response.status_code == 422
    assert re.search(r'id="err-bmi"[^>]*>Must be 10 or more\.<', response.text)
    assert 'value="16"' in response.text


def test_the_patient_page_charts_progress(site: Clinic, doctor: tuple[TestClient, str]) -> None:
    """Two visits or more draw the progress chart."""
    client, token = doctor
    auth = token_for(site, "practitioner@alpha.test")
    patient_id = new_patient(client, token)
    for day, papules in (("2026-01-10", 20), ("2026-04-10", 5)):
        intake = {**TEEN, "findings": {"acne": {"papules": papules}}}
        client.post(
            f"/api/patients/{patient_id}/consultations",
            json={"intake": intake, "visit_date": day},
            headers=auth,
        )
    page = client.get(f"/patients/{patient_id}").text
    assert "Progress over time" in page
    assert 'class="chart"' in page


def test_gdpr_export_holds_everything_and_erasure_removes_it(
    site: Clinic, client: TestClient
) -> None:
    """Export returns the whole record; erasure leaves nothing but the audit trail."""
    doctor = token_for(site, "practitioner@alpha.test")
    admin = token_for(site, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "Gdpr Person"}, headers=doctor).json()
    client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=doctor
    )
    export = client.get(f"/api/patients/{patient['id']}/export", headers=doctor).json()
    assert export["patient"]["name"] == "Gdpr Person"
    assert export["consultations"][0]["versions"][0]["intake"]["patient"]["age"] == 16
    assert client.delete(f"/api/patients/{patient['id']}", headers=admin).status_code == 204
    with session_factory(site.app.state.engine)() as db:
        assert db.scalar(select(func.count()).select_from(Patient)) == 0
        assert db.scalar(select(func.count()).select_from(Consultation)) == 0
    trail = client.get(f"/api/audit?patient_id={patient['id']}", headers=admin).json()
    assert "erase" in {e["action"] for e in trail}


@pytest.mark.parametrize("kind", ["conditions", "treatments"])
def test_every_education_page_exists_with_sources(client: TestClient, kind: str) -> None:
    """Public pages are generated from the knowledge base, one per entry, with sources."""
    kb = dorsum.default_index().kb
    entries = kb.conditions if kind == "conditions" else kb.treatments
    for entry in entries:
        page = client.get(f"/learn/{kind}/{entry.id}")
        assert page.status_code == 200, entry.id
        assert "Sources" in page.text
    assert client.get(f"/learn/{kind}/nothing").status_code == 404


def test_public_pages_follow_the_browsers_language(client: TestClient) -> None:
    """A Spanish browser gets Spanish pages."""
    page = client.get("/learn/conditions/acne", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert "Acné en la espalda" in page.text
    assert 'lang="es"' in page.text


def test_the_self_check_stores_nothing_without_consent(site: Clinic, client: TestClient) -> None:
    """Answers give guidance and triage; only a consented request is kept."""
    token = csrf_of(client, "/self-check")
    result = client.post(
        "/self-check", data={"age": "19", "spots": "10_to_34", "lumps": "on", "csrf_token": token}
    )
    assert result.status_code == 200
    assert "Book a visit with a doctor" in result.text
    refused = client.post(
        "/self-check/book", data={"name": "Ana", "contact": "600000000", "csrf_token": token}
    )
    assert refused.status_code == 422
    with session_factory(site.app.state.engine)() as db:
        assert db.scalar(select(func.count()).select_from(BookingRequest)) == 0
        assert db.scalar(select(func.count()).select_from(Patient)) == 0
    agreed = client.post(
        "/self-check/book",
        data={"name": "Ana", "contact": "600000000", "consent": "true", "csrf_token": token},
    )
    assert agreed.status_code == 200
    with session_factory(site.app.state.engine)() as db:
        assert db.scalar(select(func.count()).select_from(BookingRequest)) == 1


def test_the_self_check_triage_says_today_for_acne_fulminans(client: TestClient) -> None:
    """Explosive acne with fever: get help today."""
    token = csrf_of(client, "/self-check")
    result = client.post(
        "/self-check",
        data={
            "age": "17",
            "spots": "35_or_more",
            "worse_fast_with_fever": "on",
            "csrf_token": token,
        },
    )
    assert "Get medical help today." in result.text


def test_a_bad_self_check_answer_is_explained(client: TestClient) -> None:
    """An impossible age comes back with the field named."""
    token = csrf_of(client, "/self-check")
    result = client.post("/self-check", data={"age": "4", "csrf_token": token})
    assert result.status_code == 422
    assert "age" in result.text


def test_the_user_language_is_kept(doctor: tuple[TestClient, str]) -> None:
    """A practitioner who switches to Spanish sees the application in Spanish."""
    client, token = doctor
    client.post(
        "/language",
        data={"language": "es", "csrf_token": token},
        headers={"referer": "https://testserver/patients"},
    )
    assert "Pacientes" in client.get("/patients").text


def test_pages_never_fail_on_unknown_ids(doctor: tuple[TestClient, str]) -> None:
    """Missing records are 404 pages, not errors."""
    client, _ = doctor
    for path in ("/patients/999", "/consultations/999", "/plans/999"):
        assert client.get(path).status_code == 404, path
    assert re.search(r"Not found", client.get("/patients/999").text)


def test_reception_sees_booking_requests(client: TestClient) -> None:
    """Reception's pages work: appointments and requests."""
    sign_in(client, "reception@alpha.test")
    assert client.get("/appointments").status_code == 200
    assert client.get("/requests").status_code == 200


def test_reception_marks_a_booking_request_handled(site: Clinic, client: TestClient) -> None:
    """A handled request moves down the list and says so; another clinic's is not found."""
    token = csrf_of(client, "/self-check")
    booked = {"name": "Ana", "contact": "600000000", "consent": "true", "csrf_token": token}
    assert client.post("/self-check/book", data=booked).status_code == 200
    with session_factory(site.app.state.engine)() as db:
        request_id = db.scalar(select(BookingRequest.id))
    sign_in(client, "reception@alpha.test")
    token = csrf_of(client, "/requests")
    assert "Mark as handled" in client.get("/requests").text
    done = client.post(f"/requests/{request_id}/handled", data={"csrf_token": token})
    assert done.status_code == 200
    assert "Mark as handled" not in done.text
    assert "Handled" in done.text
    sign_in(client, "reception@beta.test")
    token = csrf_of(client, "/requests")
    refused = client.post(f"/requests/{request_id}/handled", data={"csrf_token": token})
    assert refused.status_code == 404
