"""The per-patient function both engines run: for any valid intake written as FHIR, the row is
what `dorsum.assess` says; resources that make no intake give a row saying why, never a crash."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dorsum
from dorsum.core.engine import assess_intake
from dorsum.core.intake import Intake
from dorsum.fhir.writing import intake_resources
from dorsum.screening.changes import Outcome, changes_between
from dorsum.screening.patient import ScreenSpec, screen_counted, screen_patient
from dorsum.screening.row import COLUMNS
from tests.strategies import intakes
from tests.test_screening_local import expected_cells
from tests.test_screening_versions import changed_copy

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


SEVERE_SCARS = {"rolling": 25, "boxcar": 20, "visible_at_social_distance": True}
"""Severe atrophic scars: dermabrasion is an option, and waits 12 months after isotretinoin."""


@pytest.fixture(scope="module")
def since_longer_wait(tmp_path_factory: pytest.TempPathFactory) -> ScreenSpec:
    """The current knowledge base's longest wait after isotretinoin is 6 months, the earlier
    one's 9: from 6 to 8 months only the earlier version still reads the months, and both see
    the same flags (isotretinoin within 12 months)."""
    folder = tmp_path_factory.mktemp("kb")
    now = changed_copy(folder, "2099.1.0", "months: 12}", "months: 6}")
    before = changed_copy(folder, "2099.0.0", "months: 12}", "months: 9}")
    return ScreenSpec(today=TODAY, kb=str(now), since=str(before))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months=st.integers(min_value=0, max_value=14), age=st.integers(min_value=12, max_value=80))
def test_rows_are_shared_only_by_patients_both_versions_treat_alike(
    since_longer_wait: ScreenSpec, months: int, age: int
) -> None:
    """Rows are remembered across patients (one context serves every example), yet each row,
    changes included, is what assessing that patient under both versions says, whatever was
    screened before: a patient at 8 months, still waiting under the earlier version, never gets
    the row of one at 9, though the current version treats them alike. The age is each
    patient's own."""
    intake = {
        "patient": {"age": age, "fitzpatrick": 2},
        "history": {"isotretinoin_months_since_stop": months},
        "findings": {"acne_scars": SEVERE_SCARS},
    }
    context = since_longer_wait.context()
    row = screen_patient("p1", intake_resources(intake, today=TODAY, patient_id="p1"), context)
    assert context.since is not None
    parsed = Intake.model_validate(intake)
    before = assess_intake(parsed, index=context.since, today=TODAY)
    now = assess_intake(parsed, index=context.index, today=TODAY)
    assert row.changes == "; ".join(changes_between(Outcome.of(before), Outcome.of(now)))
    assert {name: getattr(row, name) for name in expected_cells(now)} == expected_cells(now)
    assert row.age == str(age)


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
