"""Assessment contract 1: the stable shape other programs rely on."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

import dorsum
from dorsum.core.errors import IntakeError
from dorsum.core.intake import Intake
from tests.conftest import EXAMPLES, TODAY

CONTRACT_KEYS = {
    "contract",
    "knowledge_base_version",
    "conditions",
    "recommendations",
    "excluded",
    "referral",
    "advice",
    "trace",
}
CONDITIONS = {"acne", "acne_scars", "stretch_marks", "localized_fat", "scars"}


def contract_json(intake: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = dorsum.assess(intake, today=TODAY).model_dump(mode="json")
    return result


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_result_has_the_contract_shape(example: Any) -> None:
    """Every contract field is present with its documented type and values."""
    result = contract_json(json.loads(example.read_text()))
    assert set(result) >= CONTRACT_KEYS
    assert result["contract"] == 1
    assert result["knowledge_base_version"]
    for condition in result["conditions"]:
        assert condition["id"] in CONDITIONS
        assert condition["severity"] in {"mild", "moderate", "severe"}
    for rank, item in enumerate(result["recommendations"], start=1):
        assert item["rank"] == rank
        assert {"treatment", "condition", "rationale", "cautions", "requires", "sources"} <= set(
            item
        )
        assert item["rationale"]
        for caution in item["cautions"]:
            assert {"code", "text"} <= set(caution)
    for item in result["excluded"]:
        for reason in item["reasons"]:
            assert {"code", "text", "until"} <= set(reason)
            assert reason["until"] is None or date.fromisoformat(reason["until"])
    assert result["referral"]["urgency"] in {"none", "routine", "urgent", "same_day"}
    for advice in result["advice"]:
        assert {"code", "text", "sources"} <= set(advice)
    assert all(isinstance(line, str) for line in result["trace"])


def test_assess_accepts_a_model_as_well_as_a_dict() -> None:
    """`dorsum.assess` takes a dict or an `Intake`, with the same result."""
    data = json.loads(EXAMPLES[0].read_text())
    assert dorsum.assess(data, today=TODAY) == dorsum.assess(
        Intake.model_validate(data), today=TODAY
    )


def test_invalid_intake_raises_one_error_listing_every_path() -> None:
    """All bad fields are reported together, by dotted path."""
    with pytest.raises(IntakeError) as caught:
        dorsum.assess(
            {
                "patient": {"age": -1, "bmi": 5},
                "findings": {"scars": [{"cause": "burn", "kind": "wavy"}]},
                "goals": {"target_date": "next summer"},
            }
        )
    assert set(caught.value.paths) == {
        "patient.age",
        "patient.bmi",
        "findings.scars.0.kind",
        "goals.target_date",
    }


def test_the_result_names_the_knowledge_base_version() -> None:
    """Results cite the knowledge base they were decided with."""
    result = dorsum.assess({"patient": {"age": 30}}, today=TODAY)
    assert result.knowledge_base_version == dorsum.default_index().version


def test_the_trace_starts_with_grading_and_flags() -> None:
    """The explanation starts from what was found."""
    result = dorsum.assess(
        {"patient": {"age": 30}, "findings": {"acne": {"papules": 3}}}, today=TODAY
    )
    assert result.trace[0].startswith("grade.acne: acne mild")
    assert result.trace[1].startswith("flags: ")
