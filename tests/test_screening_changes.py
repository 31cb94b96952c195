"""What changed between two knowledge-base versions, for one patient: a longer isotretinoin wait
moves the dates of those still waiting, newly excludes those it now covers, and leaves the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dorsum.core.engine import assess_intake
from dorsum.core.intake import Intake
from dorsum.knowledge import default_index
from dorsum.knowledge.versions import load_version
from dorsum.screening.changes import Outcome, changes_between, exclusions_of
from tests.test_screening_versions import changed_copy

TODAY = date(2026, 11, 30)
OPTION = "chemical_peel:acne_scars"


def scars_after_isotretinoin(months: int) -> Intake:
    return Intake.model_validate(
        {
            "patient": {"age": 25, "fitzpatrick": 2},
            "history": {"isotretinoin_months_since_stop": months},
            "findings": {"acne_scars": {"rolling": 5, "boxcar": 3}},
        }
    )


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (2, [f"wait_changed:{OPTION}=isotretinoin_recent@2027-03-30->2027-06-30"]),
        (7, [f"newly_excluded:{OPTION}", f"new_wait:{OPTION}=isotretinoin_recent@2027-01-30"]),
        (10, []),
    ],
)
def test_a_longer_wait_changes_exactly_those_it_reaches(
    tmp_path: Path, months: int, expected: list[str]
) -> None:
    """Waiting 9 months instead of 6 after isotretinoin: dates move, or a new wait, or nothing."""
    longer = load_version(str(changed_copy(tmp_path, "2099.1.0", "months: 6}", "months: 9}")))
    intake = scars_after_isotretinoin(months)
    before = assess_intake(intake, index=default_index(), today=TODAY)
    after = assess_intake(intake, index=longer, today=TODAY)
    assert changes_between(Outcome.of(before), Outcome.of(after)) == expected


def test_the_same_version_changes_nothing() -> None:
    """Against itself, a knowledge base changes nothing."""
    intake = scars_after_isotretinoin(2)
    result = assess_intake(intake, index=default_index(), today=TODAY)
    assert changes_between(Outcome.of(result), Outcome.of(result)) == []


def test_going_back_reverses_the_change(tmp_path: Path) -> None:
    """From the longer wait back to the shorter, the option is no longer excluded."""
    longer = load_version(str(changed_copy(tmp_path, "2099.1.0", "months: 6}", "months: 9}")))
    intake = scars_after_isotretinoin(7)
    before = assess_intake(intake, index=longer, today=TODAY)
    after = assess_intake(intake, index=default_index(), today=TODAY)
    assert changes_between(Outcome.of(before), Outcome.of(after)) == [
        f"no_longer_excluded:{OPTION}"
    ]
    assert OPTION in exclusions_of(Outcome.of(before))
