"""Every date and date-time a clinic stores is held to the supported years, 1900 to 2199, with
a 422 that names the field and says so."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import TEEN, token_for

TOO_EARLY, TOO_LATE = "1899-12-31", "2200-01-01"


def _world(site: Clinic, client: TestClient) -> tuple[dict[str, str], int, int, int]:
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Dated"}, headers=auth).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": TEEN}, headers=auth
    ).json()
    from tests.web.test_appointment_book import weekday

    appointment = client.post(
        "/api/appointments",
        json={"patient_id": patient["id"], "starts_at": weekday(10).isoformat()},
        headers=auth,
    ).json()
    return auth, patient["id"], consultation["id"], appointment["id"]


CASES: dict[str, tuple[str, str, Any, str]] = {
    "birth date": ("post", "/api/patients", lambda d: {"name": "X", "birth_date": d}, "birth_date"),
    "visit date": (
        "post",
        "/api/patients/{patient}/consultations",
        lambda d: {"intake": TEEN, "visit_date": d},
        "visit_date",
    ),
    "target date": (
        "post",
        "/api/patients/{patient}/consultations",
        lambda d: {"intake": {**TEEN, "goals": {"target_date": d}}},
        "intake.goals.target_date",
    ),
    "plan start": (
        "post",
        "/api/consultations/{consultation}/plans",
        lambda d: {"start": d},
        "start",
    ),
    "plan target": (
        "post",
        "/api/consultations/{consultation}/plans",
        lambda d: {"target": d},
        "target",
    ),
    "appointment": (
        "post",
        "/api/appointments",
        lambda d: {"patient_id": 0, "starts_at": f"{d}T10:00:00"},
        "starts_at",
    ),
    "new time": (
        "put",
        "/api/appointments/{appointment}",
        lambda d: {"starts_at": f"{d}T10:00:00+01:00"},
        "starts_at",
    ),
}


@pytest.mark.parametrize("day", [TOO_EARLY, TOO_LATE])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_date_outside_the_supported_years_is_a_422_naming_the_field(
    site: Clinic, client: TestClient, case: str, day: str
) -> None:
    auth, patient, consultation, appointment = _world(site, client)
    method, path, body, field = CASES[case]
    payload = body(day)
    if "patient_id" in payload:
        payload["patient_id"] = patient
    url = path.format(patient=patient, consultation=consultation, appointment=appointment)
    response = getattr(client, method)(url, json=payload, headers=auth)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors[0]["field"] == field
    assert re.search(r"1900|2199", errors[0]["message"])


@pytest.mark.parametrize(
    ("field", "typed"), [("visit_date", "1899-12-31"), ("target_date", "2500-01-01")]
)
def test_the_form_says_which_years_are_supported_next_to_the_field(
    site: Clinic, client: TestClient, field: str, typed: str
) -> None:
    token = sign_in(client, "practitioner@alpha.test")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Form Dates"}, headers=auth).json()
    form = {"age": "30", "isotretinoin": "never", "visit_date": "2026-11-21", field: typed}
    response = client.post(
        f"/patients/{patient['id']}/consultations", data={**form, "csrf_token": token}
    )
    assert response.status_code == 422
    message = re.search(rf'id="err-{field}"[^>]*>([^<]+)<', response.text)
    assert message is not None
    assert "1900" in message.group(1)
    assert f'value="{typed}"' in response.text
