"""The decision as a population screen reports it: for any valid intake, what `screen_decision`
excludes and whom it refers is exactly what the whole decision says, reasons, dates and
cautions included (it runs the same steps and collects exclusions and referral the same way)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsum.core.engine import decide, graded_facts, screen_decision
from dorsum.core.intake import Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.knowledge import default_index
from dorsum.knowledge.versions import load_version
from tests.strategies import intakes
from tests.test_screening_versions import changed_copy

TODAY = date(2026, 11, 30)
SHORTER_WAITS = load_version(
    str(changed_copy(Path(tempfile.mkdtemp()), "2099.1.0", "months: 12}", "months: 6}"))
)
INDEXES = st.sampled_from([default_index(), SHORTER_WAITS])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=intakes, index=INDEXES)
def test_the_screen_sees_what_the_whole_decision_excludes_and_refers(
    intake: dict[str, Any], index: KnowledgeIndex
) -> None:
    """Under the shipped knowledge base and under one with other waits."""
    facts = graded_facts(Intake.model_validate(intake), index=index, today=TODAY)[1]
    whole = decide(facts, index)
    screened = screen_decision(facts, index)
    assert screened.excluded == whole.excluded
    assert screened.referral == whole.referral
