"""Shared fixtures: the shipped knowledge base, a fixed "today", and the example intakes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.knowledge import default_index

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="session")
def index() -> KnowledgeIndex:
    return default_index()


@pytest.fixture(scope="session")
def examples() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in EXAMPLES}


Assess = Callable[[dict[str, Any]], Assessment]


@pytest.fixture(scope="session")
def assess() -> Assess:
    """Assess an intake dict on the fixed test date."""

    def run(intake: dict[str, Any]) -> Assessment:
        return dorsum.assess(intake, today=TODAY)

    return run
