"""What is saved stays saved: a failed commit is never reported as success, versions and plans
cannot be changed even by direct SQL, two editors at once get a 409 rather than a 500, the visit
date belongs to the visit, a plan is made from the version on screen, and dates far outside a
lifetime are a 422 naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dorsum.services import consultations
from dorsum.storage.database import session_factory
from tests.web.conftest import PASSWORD, Clinic, csrf_of, sign_in
from tests.web.test_api import TEEN, token_for


def _consultation(site: Clinic, client: TestClient) -> tuple[dict[str, str], dict[str, Any]]:
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Saved Test"}, headers=auth).json()
    created = client.post(
        f"/api/patients/{patient['id']}/consultations",
        json={"intake": TEEN, "visit_date": "2026-11-01"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    return auth, created.json()


def test_a_failed_commit_is_never_reported_as_saved(
    site: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction commits before the response leaves: if it fails, no 201 is sent."""
    auth = token_for(site, "practitioner@alpha.test")

    def disk_full(_session: Session) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Session, "commit", disk_full)
    with TestClient(
        site.app, base_url="https://testserver", raise_server_exceptions=False
    ) as client:
        response = client.post("/api/patients", json={"name": "Never Stored"}, headers=auth)
    assert response.status_code == 500


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consultation_versions SET note = 'changed'",
        "UPDATE consultations SET visit_date = '2020-01-01'",
        "UPDATE treatment_plans SET plan = plan",
    ],
)
def test_saved_records_cannot_be_changed_even_by_sql(
    site: Clinic, client: TestClient, statement: str
) -> None:
    auth, consultation = _consultation(site, client)
    planned = client.post(f"/api/consultations/{consultation['id']}/plans", json={}, headers=auth)
    assert planned.status_code == 201, planned.text
    with session_factory(site.app.state.engine)() as db:
        with pytest.raises(DBAPIError, match="never changed"):
            db.execute(text(statement))
        db.rollback()


def test_two_editors_at_once_get_a_conflict_not_an_error(
    site: Clinic, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second editor computed the same next version number as the first: 409."""
    auth, consultation = _consultation(site, client)
    monkeypatch.setattr(consultations, "next_version", lambda _db, _id: 1)
    response = client.put(
        f"/api/consultations/{consultation['id']}", json={"intake": TEEN}, headers=auth
    )
    assert response.status_code == 409
    assert "Reload" in response.json()["detail"]


def test_an_edit_cannot_move_the_visit_to_another_day(site: Clinic, client: TestClient) -> None:
    auth, consultation = _consultation(site, client)
    moved = client.put(
        f"/api/consultations/{consultation['id']}",
        json={"intake": TEEN, "visit_date": "2026-10-01"},
        headers=auth,
    )
    assert moved.status_code == 422
    same_day = client.put(
        f"/api/consultations/{consultation['id']}",
        json={"intake": TEEN, "visit_date": "2026-11-01"},
        headers=auth,
    )
    assert same_day.status_code == 200
    assert same_day.json()["visit_date"] == "2026-11-01"


def test_a_plan_is_made_from_the_version_asked_for(site: Clinic, client: TestClient) -> None:
    auth, consultation = _consultation(site, client)
    milder = {**TEEN, "findings": {"acne": {"comedones": 3}}}
    client.put(f"/api/consultations/{consultation['id']}", json={"intake": milder}, headers=auth)
    path = f"/api/consultations/{consultation['id']}/plans"
    first = client.post(path, json={"version": 1}, headers=auth).json()
    latest = client.post(path, json={}, headers=auth).json()
    assert (first["consultation_version"], latest["consultation_version"]) == (1, 2)
    assert client.post(path, json={"version": 9}, headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/assess?today=9999-12-30", TEEN, "today"),
        ("post", "/api/plan", {"intake": TEEN, "today": "9999-12-30"}, "today"),
        ("post", "/api/plan", {"intake": TEEN, "start": "0001-01-01"}, "start"),
        (
            "post",
            "/api/plan",
            {"intake": {**TEEN, "goals": {"target_date": "9999-12-31"}}},
            "target",
        ),
    ],
)
def test_dates_far_outside_a_lifetime_are_a_422_naming_the_field(
    client: TestClient, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


def test_a_far_future_visit_or_plan_start_is_refused(site: Clinic, client: TestClient) -> None:
    auth, consultation = _consultation(site, client)
    visit = client.post(
        f"/api/patients/{consultation['patient_id']}/consultations",
        json={"intake": TEEN, "visit_date": "9999-12-31"},
        headers=auth,
    )
    assert visit.status_code == 422
    assert [e["field"] for e in visit.json()["errors"]] == ["visit_date"]
    plan = client.post(
        f"/api/consultations/{consultation['id']}/plans",
        json={"start": "9999-12-30"},
        headers=auth,
    )
    assert plan.status_code == 422
    assert [e["field"] for e in plan.json()["errors"]] == ["start"]


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example"]
)
def test_sign_in_never_redirects_to_another_site(client: TestClient, target: str) -> None:
    response = client.post(
        "/login",
        data={
            "email": "practitioner@alpha.test",
            "password": PASSWORD,
            "csrf_token": csrf_of(client, "/login"),
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_an_unknown_language_is_a_422(client: TestClient) -> None:
    sign_in(client, "practitioner@alpha.test")
    response = client.post("/language", data={"language": "xx", "csrf_token": csrf_of(client)})
    assert response.status_code == 422
