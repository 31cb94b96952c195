"""The knowledge base and the clock are the application's, passed in: one clock and one time
zone (the `timezone` setting) decide the clinic's "today" for the JSON API and the pages alike,
and every route uses the knowledge base `create_app` was given."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import dorsum
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.settings import Settings
from dorsum.web.app import create_app
from dorsum.web.deps import FixedClock
from tests.web.conftest import Clinic, _seed, sign_in
from tests.web.test_api import TEEN
from tests.web.test_pages import new_patient

# 23:30 in UTC on 1 March is already 00:30 on 2 March in Madrid
LATE_EVENING_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
CLINIC_TODAY = "2026-03-02"
VISIT_DATE = re.compile(r'name="visit_date" type="date"[^>]* value="([^"]*)"')


@pytest.fixture
def midnight(site: Clinic, client: TestClient) -> tuple[TestClient, str]:
    """The practitioner signed in to a Madrid clinic whose clock stands at 23:30 UTC."""
    app = site.app
    app.state.settings = app.state.settings.model_copy(update={"timezone": "Europe/Madrid"})
    app.state.clock = FixedClock(LATE_EVENING_UTC)
    return client, sign_in(client, "practitioner@alpha.test")


def test_the_api_assesses_as_of_the_clinics_today(midnight: tuple[TestClient, str]) -> None:
    """Without `?today=`, POST /api/assess dates the assessment by the clinic's time zone."""
    client, _ = midnight
    response = client.post("/api/assess", json=TEEN)
    assert response.status_code == 200
    assert response.json()["assessed_on"] == CLINIC_TODAY


def test_the_new_consultation_form_offers_the_clinics_today(
    midnight: tuple[TestClient, str],
) -> None:
    """The consultation form's default visit date is the day the API assesses on."""
    client, token = midnight
    patient_id = new_patient(client, token)
    page = client.get(f"/patients/{patient_id}/consultations/new")
    assert page.status_code == 200
    found = VISIT_DATE.search(page.text)
    assert found, "no visit date field"
    assert found.group(1) == CLINIC_TODAY


def test_the_api_plans_from_the_clinics_today(midnight: tuple[TestClient, str]) -> None:
    """Without a `today`, POST /api/plan assesses and starts on the clinic's today."""
    client, _ = midnight
    response = client.post("/api/plan", json={"intake": TEEN})
    assert response.status_code == 200
    assert response.json()["start"] == CLINIC_TODAY


def test_an_explicit_today_still_wins(midnight: tuple[TestClient, str]) -> None:
    """`?today=` overrides the clinic's today, as before."""
    client, _ = midnight
    response = client.post("/api/assess?today=2026-11-21", json=TEEN)
    assert response.json()["assessed_on"] == "2026-11-21"


@pytest.fixture
def own_index() -> KnowledgeIndex:
    """The shipped knowledge base under another version (another digest)."""
    kb = dorsum.default_index().kb
    return KnowledgeIndex(kb.model_copy(update={"digest": "x" * 64}))


@pytest.fixture
def own_app(tmp_path: Path, own_index: KnowledgeIndex) -> Iterator[FastAPI]:
    """An application created with its own knowledge base, seeded with the usual users."""
    url = f"sqlite:///{tmp_path / 'dorsum.sqlite3'}"
    app = create_app(
        Settings(database_url=url, public_clinic="alpha", auto_migrate=True), index=own_index
    )
    _seed(url)
    yield app
    app.state.engine.dispose()


def test_the_api_assesses_with_the_index_it_was_given(
    own_app: FastAPI, own_index: KnowledgeIndex
) -> None:
    """POST /api/assess reports the version of the index passed to `create_app`."""
    assert own_index.version != dorsum.default_index().version
    with TestClient(own_app, base_url="https://testserver") as client:
        response = client.post("/api/assess?today=2026-11-21", json=TEEN)
    assert own_index.version == response.json()["knowledge_base_version"]


def test_a_saved_consultation_is_assessed_with_the_index_it_was_given(
    own_app: FastAPI, own_index: KnowledgeIndex
) -> None:
    """The consultation service gets the application's index from the route."""
    with TestClient(own_app, base_url="https://testserver") as client:
        token = sign_in(client, "practitioner@alpha.test")
        patient_id = new_patient(client, token)
        saved = client.post(
            f"/api/patients/{patient_id}/consultations",
            json={"intake": TEEN, "visit_date": "2026-11-21"},
            headers={"X-CSRF-Token": token},
        )
    assert saved.status_code == 201, saved.text
    assert own_index.version == saved.json()["knowledge_base_version"]
