"""The JSON API: contract endpoints, patients and consultations, and 422 naming each field."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

import dorsum
from tests.conftest import EXAMPLES
from tests.web.conftest import PASSWORD, Clinic

TEEN = json.loads(next(p for p in EXAMPLES if p.stem == "teen-back-acne").read_text())


def token_for(site: Clinic, email: str) -> dict[str, str]:
    """A bearer token header for a user."""
    from sqlalchemy import select

    from dorsum.services.auth import issue_api_token
    from dorsum.storage.database import session_factory
    from dorsum.storage.tables import User

    with session_factory(site.app.state.engine)() as db:
        user_id = db.scalar(select(User.id).where(User.email == email))
        assert user_id is not None
        token = issue_api_token(db, user_id=user_id, label="test")
        db.commit()
    return {"Authorization": f"Bearer {token}"}


def test_assess_returns_the_contract(client: TestClient) -> None:
    """POST /api/assess is contract 1."""
    response = client.post("/api/assess?today=2026-11-21", json=TEEN)
    assert response.status_code == 200
    body = response.json()
    assert body["contract"] == 1
    assert body["recommendations"][0]["treatment"] == "benzoyl_peroxide"


def test_assess_speaks_spanish_when_asked(client: TestClient) -> None:
    """`?language=es` words every text of the same result in Spanish; codes do not change."""
    english = client.post("/api/assess?today=2026-11-21", json=TEEN).json()
    spanish = client.post("/api/assess?today=2026-11-21&language=es", json=TEEN).json()
    assert [r["treatment"] for r in spanish["recommendations"]] == [
        r["treatment"] for r in english["recommendations"]
    ]
    first, primero = english["recommendations"][0], spanish["recommendations"][0]
    assert primero["rationale"]
    assert primero["rationale"] != first["rationale"]


def test_a_bad_intake_is_a_422_naming_each_field(client: TestClient) -> None:
    """Each bad field is named by its dotted path; no 500."""
    response = client.post(
        "/api/assess",
        json={"patient": {"age": -1, "fitzpatrick": 7}, "findings": {"acne": {"papules": "x"}}},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"patient.age", "patient.fitzpatrick", "findings.acne.papules"}


def test_malformed_json_is_a_422_not_a_500(client: TestClient) -> None:
    """A body that is not JSON gets a clear 422."""
    response = client.post(
        "/api/assess", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_plan_endpoint_builds_a_plan(client: TestClient) -> None:
    """POST /api/plan assesses and schedules."""
    response = client.post(
        "/api/plan", json={"intake": TEEN, "today": "2026-11-21", "start": "2026-12-01"}
    )
    assert response.status_code == 200
    plan = response.json()
    assert plan["items"][0]["treatment"] == "benzoyl_peroxide"
    assert plan["target"]["met"] is True


def test_planning_a_contraindicated_option_is_a_422(client: TestClient) -> None:
    """The API refuses a plan built around a contraindication."""
    pregnant = {"patient": {"age": 29, "pregnant": True}, "findings": {"acne": {"papules": 9}}}
    response = client.post("/api/plan", json={"intake": pregnant, "choose": ["topical_retinoid"]})
    assert response.status_code == 422
    assert "pregnancy" in response.json()["detail"]


def test_patients_need_authentication(client: TestClient) -> None:
    """Patient data is never served to an anonymous caller."""
    assert client.get("/api/patients").status_code == 401
    assert client.post("/api/patients", json={"name": "X"}).status_code == 401


def test_patients_and_consultations_round_trip(site: Clinic, client: TestClient) -> None:
    """Create a patient and a consultation, read them back, revise and keep every version."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post(
        "/api/patients", json={"name": "Eva Test", "birth_date": "2001-02-03"}, headers=auth
    ).json()
    created = client.post(
        f"/api/patients/{patient['id']}/consultations",
        json={"intake": TEEN, "visit_date": "2026-11-01"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    consultation: dict[str, Any] = created.json()
    assert consultation["version"] == 1
    assert consultation["assessment"]["conditions"][0]["severity"] == "moderate"
    edited_intake = {**TEEN, "findings": {"acne": {"comedones": 3}}}
    revised = client.put(
        f"/api/consultations/{consultation['id']}", json={"intake": edited_intake}, headers=auth
    ).json()
    assert revised["version"] == 2
    assert revised["assessment"]["conditions"][0]["severity"] == "mild"
    first = client.get(f"/api/consultations/{consultation['id']}?version=1", headers=auth).json()
    assert first["intake"] == consultation["intake"]
    assert first["assessment"] == consultation["assessment"]
    listed = client.get(f"/api/patients/{patient['id']}/consultations", headers=auth).json()
    assert [c["version"] for c in listed] == [2]


def test_the_body_map_feeds_the_intake(site: Clinic, client: TestClient) -> None:
    """Zone counts are summed into the intake's acne counts."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Map Test"}, headers=auth).json()
    body_map = {
        "zones": {"upper_left": {"papules": 20, "nodules": 1}, "lower_right": {"papules": 20}}
    }
    saved = client.post(
        f"/api/patients/{patient['id']}/consultations",
        json={"intake": {"patient": {"age": 30}}, "body_map": body_map},
        headers=auth,
    ).json()
    assert saved["intake"]["findings"]["acne"]["papules"] == 40
    assert saved["assessment"]["referral"]["urgency"] == "routine"


def test_a_plan_is_stored_with_its_consultation(site: Clinic, client: TestClient) -> None:
    """A plan built from a consultation can be read back."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Plan Test"}, headers=auth).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    created = client.post(
        f"/api/consultations/{consultation['id']}/plans",
        json={"choose": ["benzoyl_peroxide"]},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    again = client.get(f"/api/plans/{plan_id}", headers=auth).json()
    assert again["plan"]["items"][0]["treatment"] == "benzoyl_peroxide"


def test_out_of_range_ids_are_422_not_500(site: Clinic, client: TestClient) -> None:
    """Ids beyond a 32-bit column are refused before the database sees them."""
    auth = token_for(site, "practitioner@alpha.test")
    assert client.get("/api/patients/99999999999", headers=auth).status_code == 422
    assert client.get("/api/patients/5", headers=auth).status_code == 404


def test_cookie_sessions_need_the_csrf_header_for_api_writes(client: TestClient) -> None:
    """A browser session cannot be used to write through the API without its CSRF token."""
    from tests.web.conftest import sign_in

    token = sign_in(client, "practitioner@alpha.test")
    assert client.post("/api/patients", json={"name": "No CSRF"}).status_code == 403
    ok = client.post("/api/patients", json={"name": "With CSRF"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    assert PASSWORD


def test_health_says_the_database_is_reachable_without_sign_in(client: TestClient) -> None:
    """Monitoring needs no account, and the answer carries no patient data."""
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": dorsum.__version__,
        "database": "reachable",
    }


def test_every_response_says_how_long_the_server_took(client: TestClient) -> None:
    """A Server-Timing header separates the server's time from the network's."""
    response = client.post("/api/assess?today=2026-11-21", json=TEEN)
    name, duration = response.headers["server-timing"].split(";dur=")
    assert name == "app"
    assert 0 <= float(duration) < 60_000


def test_a_bad_today_is_a_422_naming_the_query_parameter(client: TestClient) -> None:
    """`today` must be an ISO date; the error says which parameter is wrong."""
    response = client.post("/api/assess?today=21/11/2026", json=TEEN)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["today"]


def test_the_assess_endpoint_documents_its_body_and_date(client: TestClient) -> None:
    """The fast path keeps its OpenAPI description: the Intake body and the `today` date."""
    operation = client.get("/openapi.json").json()["paths"]["/api/assess"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Intake"}
    assert [p["name"] for p in operation["parameters"]] == ["today", "language"]
