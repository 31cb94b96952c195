"""Limits on what a request may carry, on both databases: a body size limit (413), a nesting
limit, NUL characters refused with 422, numbers that do not fit refused with 422, and 405
answers that say which methods are allowed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import TEEN, token_for

LIMIT = 1_000_000


def test_a_body_over_the_limit_is_refused_with_413(site: Clinic, client: TestClient) -> None:
    """10 MB is refused without being read; so is a body that does not declare its size."""
    auth = token_for(site, "practitioner@alpha.test")
    big = b'{"name": "' + b"a" * 10_000_000 + b'"}'
    declared = client.post(
        "/api/patients", content=big, headers={**auth, "content-type": "application/json"}
    )
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"a" * 100_000

    streamed = client.post(
        "/api/assess", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_json_nested_1000_deep_is_refused_with_422(site: Clinic, client: TestClient) -> None:
    """A 1,000-deep body map (on main: 500) is refused before any parser recurses into it."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Deep"}, headers=auth).json()
    body = '{"intake": {"patient": {"age": 20}}, "body_map": ' + '{"a":' * 1000 + "1" + "}" * 1001
    response = client.post(
        f"/api/patients/{patient['id']}/consultations",
        content=body,
        headers={**auth, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(client: TestClient) -> None:
    """A note full of brackets is text, not depth."""
    intake = {**TEEN}
    response = client.post("/api/assess?today=2026-11-21", json=intake)
    assert response.status_code == 200
    from dorsum.web.limits import json_depth_exceeds

    assert not json_depth_exceeds(json.dumps({"note": "[[[{{{" * 100}).encode(), 32)
    assert json_depth_exceeds(b"[" * 40 + b"]" * 40, 32)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/patients?q=a%00b", None),
        ("post", "/api/patients", {"name": "Nul\u0000Name"}),
        ("post", "/api/assess", {**TEEN, "patient": {"age": 16, "sex": "male\u0000"}}),
    ],
)
def test_nul_characters_are_refused_with_422(
    site: Clinic, client: TestClient, method: str, path: str, body: object
) -> None:
    """On PostgreSQL a NUL in the search answered 500; now it is a 422 on both databases."""
    auth = token_for(site, "practitioner@alpha.test")
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(path, headers=auth, **kwargs)
    assert response.status_code == 422


def test_a_nul_in_a_form_is_refused_next_to_nothing_lost(client: TestClient) -> None:
    """A form carrying NUL gets a 422 page in the user's header, not a 500."""
    token = sign_in(client, "practitioner@alpha.test")
    response = client.post("/patients", data={"name": "A\u0000B", "csrf_token": token})
    assert response.status_code == 422
    assert "alpha practitioner" in response.text


def test_an_escaped_backslash_before_u0000_is_not_a_nul(client: TestClient) -> None:
    """`\\\\u0000` in JSON is a backslash and the text u0000, which is allowed."""
    from dorsum.web.limits import carries_nul

    assert not carries_nul(b'{"note": "C:\\\\u0000"}', "application/json")
    assert carries_nul(b'{"note": "\\u0000"}', "application/json")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/consultations/1", {"version": "9" * 5000}),
        ("/api/patients", {"offset": "9" * 5000}),
        ("/api/assess", {"today": "9" * 5000}),
    ],
)
def test_numbers_that_do_not_fit_are_refused_with_422(
    site: Clinic, client: TestClient, path: str, query: dict[str, str]
) -> None:
    """A 5,000-digit number is a 422, never a 500."""
    auth = token_for(site, "practitioner@alpha.test")
    method = client.post if path == "/api/assess" else client.get
    kwargs = {"json": TEEN} if path == "/api/assess" else {}
    response = method(path, params=query, headers=auth, **kwargs)
    assert response.status_code == 422


def test_a_5000_digit_number_in_a_json_body_is_refused_with_422(
    site: Clinic, client: TestClient
) -> None:
    """Python refuses to parse such an integer; the client is told, not the log."""
    auth = token_for(site, "practitioner@alpha.test")
    body = '{"name": "Big", "phone": ' + "9" * 5000 + "}"
    response = client.post(
        "/api/patients", content=body, headers={**auth, "content-type": "application/json"}
    )
    assert response.status_code == 422
    digits = '{"patient": {"age": ' + "9" * 5000 + "}}"
    assessed = client.post(
        "/api/assess", content=digits, headers={"content-type": "application/json"}
    )
    assert assessed.status_code == 422


def test_405_answers_say_which_methods_are_allowed(client: TestClient) -> None:
    """RFC 9110: a 405 carries Allow."""
    response = client.delete("/api/assess")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
