"""Writing an intake as FHIR and reading it back gives the same intake and the same assessment."""

from __future__ import annotations

import json
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dorsum
from dorsum.core.validation import parse_intake
from dorsum.fhir import intake_bundle, intake_from_resources, intake_resources, resources_in
from tests.conftest import EXAMPLES, TODAY
from tests.strategies import intakes

ROUND_TRIPS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _model(resource_type: str) -> Any:
    """The fhir.resources R4B model class for a resource type."""
    module = import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


def _example(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reads_back_as_itself(path: Path) -> None:
    """An example intake written as a Bundle and read back is the same intake."""
    intake = parse_intake(_example(path))
    read = intake_from_resources(resources_in(intake_bundle(intake, today=TODAY)), today=TODAY)
    assert read.intake == intake
    assert read.skipped == {}
    assert read.patient_id == "patient"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_bundle_of_each_example_gives_the_same_assessment(path: Path) -> None:
    """The assessment of the FHIR Bundle equals the assessment of the contract intake."""
    data = _example(path)
    bundle = json.loads(json.dumps(intake_bundle(data, today=TODAY)))  # as sent over the wire
    read = intake_from_resources(resources_in(bundle), today=TODAY)
    expected = dorsum.assess(data, today=TODAY, cache=None).model_dump(mode="json")
    actual = dorsum.assess(read.intake, today=TODAY, cache=None).model_dump(mode="json")
    assert expected == actual


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_written_resource_validates_with_the_r4b_models(path: Path) -> None:
    """Each resource dorsum writes, and the Bundle, validate with fhir.resources R4B."""
    bundle = intake_bundle(_example(path), today=TODAY)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        _model(resource["resourceType"]).model_validate(resource)
    _model("Bundle").model_validate(bundle)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_written_resource_refers_to_the_patient(path: Path) -> None:
    """Everything but the Patient refers to Patient/<id> as its subject (or patient)."""
    resources = intake_resources(_example(path), today=TODAY, patient_id="p-7")
    assert resources[0] == {**resources[0], "resourceType": "Patient", "id": "p-7"}
    for resource in resources[1:]:
        reference = resource.get("subject") or resource.get("patient")
        assert reference == {"reference": "Patient/p-7"}


@ROUND_TRIPS
@given(intakes, st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)))
def test_random_intakes_read_back_as_themselves(data: dict[str, Any], today: date) -> None:
    """For any valid intake and any day, intake -> FHIR -> intake is the identity."""
    intake = parse_intake(data)
    read = intake_from_resources(intake_resources(intake, today=today), today=today)
    assert read.intake == intake
    assert read.skipped == {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_random_intakes_write_valid_r4b_resources(data: dict[str, Any]) -> None:
    """Whatever the intake, every resource written validates with the R4B models."""
    for resource in intake_resources(data, today=TODAY):
        _model(resource["resourceType"]).model_validate(resource)


def test_writing_is_deterministic_and_ids_differ_between_patients() -> None:
    """The same intake writes the same ids; another patient id gives other resource ids."""
    data = _example(EXAMPLES[0])
    first = intake_resources(data, today=TODAY, patient_id="a")
    again = intake_resources(data, today=TODAY, patient_id="a")
    other = intake_resources(data, today=TODAY, patient_id="b")
    assert first == again
    assert {r["id"] for r in first[1:]}.isdisjoint({r["id"] for r in other[1:]})
