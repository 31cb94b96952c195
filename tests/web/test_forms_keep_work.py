"""Forms that keep work and speak the user's language: every refusal next to its field, in
plain words, in English or Spanish, with everything typed kept; error pages that keep the
signed-in header and the language."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Clinic, csrf_of, sign_in
from tests.web.test_api import token_for

FORM = {"age": "34", "sex": "female", "isotretinoin": "never", "visit_date": "2026-11-21"}


def _spanish(client: TestClient, email: str) -> str:
    token = sign_in(client, email)
    client.post("/language", data={"language": "es", "csrf_token": token})
    return csrf_of(client, "/patients" if not email.startswith("reception") else "/appointments")


def _patient(site: Clinic, client: TestClient) -> int:
    auth = token_for(site, "practitioner@alpha.test")
    return int(client.post("/api/patients", json={"name": "Typed Kept"}, headers=auth).json()["id"])


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', html)
    assert found is not None, f"no error slot for {field}"
    return found.group(1)


def test_a_refused_consultation_speaks_spanish_next_to_the_field(
    site: Clinic, client: TestClient
) -> None:
    """No dotted paths, no Python reprs; the note and the other fields come back."""
    token = _spanish(client, "practitioner@alpha.test")
    patient = _patient(site, client)
    response = client.post(
        f"/patients/{patient}/consultations",
        data={**FORM, "age": "300", "bmi": "7,5", "note": "nota escrita", "csrf_token": token},
    )
    assert response.status_code == 422
    assert _error_of(response.text, "age") == "Debe ser 120 o menos."
    assert _error_of(response.text, "bmi") == "Debe ser 10 o más."
    assert "No se ha guardado nada." in response.text
    assert "nota escrita" in response.text
    assert 'value="300"' in response.text
    assert "patient.age" not in response.text
    assert "datetime.date" not in response.text


def test_the_live_result_marks_fields_in_the_users_language(
    site: Clinic, client: TestClient
) -> None:
    """The preview fills each field's slot out of band, and clears the others."""
    token = _spanish(client, "practitioner@alpha.test")
    panel = client.post(
        "/consultations/preview",
        data={**FORM, "acne_papules": "-5", "csrf_token": token},
    ).text
    assert 'id="err-acne_papules" role="status" hx-swap-oob="true">Debe ser 0 o más.<' in panel
    assert 'id="err-age" role="status" hx-swap-oob="true"><' in panel
    assert "Aún no hay resultado" in panel


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("acne_papules", "-5", "Must be 0 or more."),
        ("acne_comedones", "12.5", "Enter a whole number."),
        ("scars_rolling", "10001", "Must be 10,000 or less."),
        ("scar_0_months", "-1", "Must be 0 or more."),
        ("isotretinoin_months", "4", "Choose “stopped” to record months since stopping."),
        ("striae_count", "12", "Choose whether the stretch marks are red or white."),
    ],
)
def test_negative_and_absurd_values_are_refused_where_typed(
    site: Clinic, client: TestClient, field: str, typed: str, message: str
) -> None:
    """On main a count of -5 was silently ignored; now it is refused next to the field."""
    token = sign_in(client, "practitioner@alpha.test")
    patient = _patient(site, client)
    response = client.post(
        f"/patients/{patient}/consultations", data={**FORM, field: typed, "csrf_token": token}
    )
    assert response.status_code == 422
    shown = _error_of(
        response.text,
        "striae_stage"
        if field == "striae_count"
        else "isotretinoin"
        if field == "isotretinoin_months"
        else field,
    )
    assert shown == message
    assert f'value="{typed}"' in response.text


def test_a_body_map_count_over_10000_keeps_the_form(site: Clinic, client: TestClient) -> None:
    """On main this said "reload the page", and reloading lost the form."""
    token = sign_in(client, "practitioner@alpha.test")
    patient = _patient(site, client)
    body_map = json.dumps({"zones": {"upper_left": {"papules": 10001}}})
    response = client.post(
        f"/patients/{patient}/consultations",
        data={**FORM, "body_map": body_map, "note": "keep me", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "whole numbers from 0 to 10,000" in _error_of(response.text, "body_map")
    assert "reload" not in response.text.lower()
    assert "keep me" in response.text


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/patients/999999", 404, "No encontrado"),
        ("/admin", 403, "No permitido"),
        ("/appointments/999999", 404, "No encontrado"),
    ],
)
def test_error_pages_keep_the_signed_in_header_and_language(
    client: TestClient, path: str, status: int, heading: str
) -> None:
    """A 403 or 404 never looks like being signed out, and stays in Spanish."""
    _spanish(client, "reception@alpha.test")
    response = client.get(path)
    assert response.status_code == status
    assert heading in response.text
    assert "alpha reception" in response.text
    assert "Cerrar sesión" in response.text


def test_a_422_page_keeps_the_header_and_language(client: TestClient) -> None:
    """An unknown language choice (a form that could only be forged) gets the page too."""
    token = _spanish(client, "practitioner@alpha.test")
    response = client.post("/language", data={"language": "fr", "csrf_token": token})
    assert response.status_code == 422
    assert "alpha practitioner" in response.text
    assert "Revise lo que se escribió" in response.text


def test_the_live_result_follows_typing_quickly(client: TestClient) -> None:
    """The debounce is short (60 ms) and a newer request replaces an older one in flight."""
    sign_in(client, "practitioner@alpha.test")
    page = client.get("/patients/new")
    assert page.status_code == 200
    token = sign_in(client, "practitioner@alpha.test")
    created = client.post(
        "/patients", data={"name": "Quick", "csrf_token": token}, follow_redirects=False
    )
    form = client.get(created.headers["location"] + "/consultations/new").text
    assert "input from:#consultation delay:60ms" in form
    assert 'hx-sync="this:replace"' in form


def test_the_public_booking_form_keeps_what_was_typed(client: TestClient) -> None:
    """Without consent nothing is stored, and the form comes back filled in."""
    token = csrf_of(client, "/self-check")
    response = client.post(
        "/self-check/book",
        data={
            "name": "Paula Public",
            "contact": "600 111 222",
            "message": "llamar",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'value="Paula Public"' in response.text
    assert "llamar" in response.text
    assert "tick the box" in _error_of(response.text, "consent")
