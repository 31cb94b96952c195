"""Prefetch templates and the discovery document."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from dorsum.cds.errors import BadRequest, PreconditionFailed, UnknownService
from dorsum.cds.fetching import FhirReader
from dorsum.cds.prefetch import resolve
from dorsum.cds.services import PREFETCH, SERVICES, discovery, service_named
from tests.fhir_server import FhirServer, serving


def test_a_template_is_filled_from_the_context() -> None:
    """{{context.patientId}} becomes the patient's id, URL-quoted."""
    assert resolve("Condition?patient={{context.patientId}}", {"patientId": "a b"}) == (
        "Condition?patient=a%20b"
    )


def test_a_template_needs_its_context_value() -> None:
    """A token without a value is a BadRequest naming the context field."""
    with pytest.raises(BadRequest, match=r"context\.patientId"):
        resolve("Patient/{{context.patientId}}", {})


def test_every_service_offers_every_prefetch_template() -> None:
    """The templates in discovery are the ones the service fetches when prefetch is missing."""
    for service in discovery()["services"]:
        assert service["prefetch"] == PREFETCH


def test_every_prefetch_template_is_about_this_patient() -> None:
    """Each template reads the context's patient and nothing wider."""
    for template in PREFETCH.values():
        assert "{{context.patientId}}" in template


def test_an_unknown_service_is_named_in_its_refusal() -> None:
    """Asking for a service that does not exist names it."""
    with pytest.raises(UnknownService, match="dorsum-x"):
        service_named("dorsum-x")
    assert set(SERVICES) == {"dorsum-patient-view", "dorsum-order-select", "dorsum-order-sign"}


def test_a_reader_past_its_deadline_asks_nothing_more() -> None:
    """The whole call's reading has a time limit: past it, a 412 before any request is sent."""
    with serving(FhirServer()) as server, httpx.Client() as client:
        reader = FhirReader(client=client, server=server.fhir, token="t", deadline=0)
        with pytest.raises(PreconditionFailed, match="in time"):
            reader.read("Condition?patient=p1")
        assert server.requests == []
