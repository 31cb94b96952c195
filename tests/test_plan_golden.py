"""Golden plans for two example patients: any change to the scheduled JSON must be deliberate.

Regenerate with `UPDATE_GOLDEN=1 make test` after checking the difference is intended.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import dorsum
from tests.conftest import ROOT

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = {
    "severe-acne-scars": {"choose": ["punch_excision", "laser_resurfacing", "home_care"]},
    "teen-back-acne": {},
}


def plan_json(name: str, options: dict[str, Any]) -> dict[str, Any]:
    intake = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    plan = dorsum.plan(intake, today=date(2026, 11, 21), start=date(2026, 12, 1), **options)
    data: dict[str, Any] = plan.model_dump(mode="json")
    data.pop("assessment")  # the assessment has its own tests; the plan is what is pinned here
    data["knowledge_base_version"] = "<knowledge base>"
    return data


@pytest.mark.parametrize("name", CASES)
def test_plan_json_matches_the_golden_file(name: str) -> None:
    """The plan for this example is exactly the reviewed one."""
    actual = plan_json(name, CASES[name])
    path = GOLDEN / f"plan-{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(path.read_text())
    assert actual == expected
