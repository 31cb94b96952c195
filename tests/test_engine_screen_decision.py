"""The decision as a population screen reports it: for any valid intake, what `screen_decision`
excludes and whom it refers is exactly what the whole decision says, reasons, dates and
cautions included (it runs the same steps and collects exclusions and referral the same way)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings

from dorsum.core.engine import decide, graded_facts, screen_decision
from dorsum.core.intake import Intake
from dorsum.knowledge import default_index
from tests.strategies import intakes

TODAY = date(2026, 11, 30)
INDEX = default_index()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=intakes)
def test_the_screen_sees_what_the_whole_decision_excludes_and_refers(
    intake: dict[str, Any],
) -> None:
    facts = graded_facts(Intake.model_validate(intake), index=INDEX, today=TODAY)[1]
    whole = decide(facts, INDEX)
    screened = screen_decision(facts, INDEX)
    assert screened.excluded == whole.excluded
    assert screened.referral == whole.referral
