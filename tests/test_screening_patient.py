"""The per-patient function both engines run: for any valid intake written as FHIR, the row is
what `dorsum.assess` says; resources that make no intake give a row saying why, never a crash."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import dorsum
from dorsum.fhir.writing import intake_resources
from dorsum.screening.patient import ScreenSpec, screen_counted, screen_patient
from dorsum.screening.row import COLUMNS
from tests.strategies import intakes
from tests.test_screening_local import expected_cells

TODAY = date(2026, 11, 30)
CONTEXT = ScreenSpec(today=TODAY).context()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=intakes)
def test_the_row_is_what_assess_says(intake: dict[str, Any]) -> None:
    """Any valid intake, written as FHIR resources and screened, gives the assessment's cells."""
    row = screen_patient("p1", intake_resources(intake, today=TODAY, patient_id="p1"), CONTEXT)
    assessment = dorsum.assess(intake, today=TODAY)
    assert {name: getattr(row, name) for name in expected_cells(assessment)} == expected_cells(
        assessment
    )
    assert (row.patient_id, row.changes, row.error) == ("p1", "", "")


def test_a_spec_is_picklable_and_its_context_loaded_once() -> None:
    """Engines send the spec to workers; each process loads its context once."""
    import pickle

    spec = ScreenSpec(today=TODAY, since="2026.11.0")
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert spec.context() is spec.context()


@pytest.mark.parametrize(
    ("resources", "why"),
    [
        ([{"resourceType": "Observation", "subject": {"reference": "Patient/p1"}}], "Patient"),
        ([{"resourceType": "Patient", "id": "p1", "birthDate": "1990-13-45"}], "birthDate"),
        ([{"resourceType": "Patient", "id": "p1", "birthDate": 1990}], "birthDate"),
    ],
)
def test_resources_that_make_no_intake_give_a_row_saying_why(
    resources: list[dict[str, Any]], why: str
) -> None:
    """No Patient or an impossible birth date: the error column says so; all is skipped."""
    screened = screen_counted("p1", resources, CONTEXT)
    assert screened.row.error.startswith("no valid intake")
    assert why in screened.row.error
    assert sum(screened.skipped.values()) == len(resources)
    assert len(screened.row.cells()) == len(COLUMNS)
