"""Reception keeps a patient's details current: name, birth date, sex and contact, corrected
on the page or through the API, refused next to the field when wrong, found by the new name."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import token_for


def test_reception_corrects_a_patients_contact_details(site: Clinic, client: TestClient) -> None:
    token = sign_in(client, "reception@alpha.test")
    auth = token_for(site, "reception@alpha.test")
    patient = client.post(
        "/api/patients", json={"name": "Ana Ruiz", "phone": "600"}, headers=auth
    ).json()
    page = client.get(f"/patients/{patient['id']}/edit")
    assert 'value="Ana Ruiz"' in page.text
    saved = client.post(
        f"/patients/{patient['id']}/edit",
        data={"name": "Ana Ruiz Núñez", "phone": "611 222 333", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    found = client.get("/api/patients", params={"q": "nunez"}, headers=auth).json()["patients"]
    assert [(p["name"], p["phone"]) for p in found] == [("Ana Ruiz Núñez", "611 222 333")]


def test_a_wrong_correction_keeps_what_was_typed(site: Clinic, client: TestClient) -> None:
    token = sign_in(client, "reception@alpha.test")
    auth = token_for(site, "reception@alpha.test")
    patient = client.post("/api/patients", json={"name": "Bea"}, headers=auth).json()
    refused = client.post(
        f"/patients/{patient['id']}/edit",
        data={"name": "Bea Typed", "birth_date": "2999-01-01", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert 'value="Bea Typed"' in refused.text
    assert re.search(r'id="err-birth_date"[^>]*>[^<]+', refused.text)
    assert client.get(f"/api/patients/{patient['id']}", headers=auth).json()["name"] == "Bea"


def test_the_api_replaces_a_patients_details(site: Clinic, client: TestClient) -> None:
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Carla"}, headers=auth).json()
    updated = client.put(
        f"/api/patients/{patient['id']}",
        json={"name": "Carla Gómez", "email": "carla@example.org"},
        headers=auth,
    )
    assert updated.status_code == 200
    assert updated.json()["email"] == "carla@example.org"
    other = token_for(site, "practitioner@beta.test")
    assert (
        client.put(f"/api/patients/{patient['id']}", json={"name": "X"}, headers=other).status_code
        == 404
    )


def test_an_e_mail_that_is_not_one_is_refused(site: Clinic, client: TestClient) -> None:
    token = sign_in(client, "reception@alpha.test")
    refused = client.post(
        "/patients", data={"name": "Dani", "email": "not-an-email", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert re.search(r'id="err-email"[^>]*>Enter an e-mail address such as', refused.text)
    assert 'value="not-an-email"' in refused.text
