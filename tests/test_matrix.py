"""The contraindication matrix: every factor against every treatment is decided, a rule about a
factor reaches every treatment with the property it is about, and over random intakes no
recommendation ever breaks a rule that applies to it."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

import dorsum
from dorsum.cli import app
from dorsum.core.flags import derived_flags, patient_flags
from dorsum.core.grading import grade_findings
from dorsum.core.knowledge import KnowledgeIndex, check_knowledge_base
from dorsum.core.knowledge.matrix import build_matrix
from dorsum.core.knowledge.models import KnowledgeBase, Treatment
from dorsum.core.validation import parse_intake
from dorsum.knowledge import load_knowledge_base
from tests.conftest import TODAY
from tests.strategies import intakes

KB = load_knowledge_base()
INDEX = KnowledgeIndex(KB)


def with_treatment(kb: KnowledgeBase, treatment_id: str, properties: list[str]) -> KnowledgeBase:
    """The knowledge base plus a copy of the non-ablative laser under a new id and properties."""
    model = next(t for t in kb.treatments if t.id == "nonablative_laser")
    data = model.model_dump()
    data.update(id=treatment_id, properties=properties)
    data["indications"] = [
        {**i, "id": f"{treatment_id}.{n}"} for n, i in enumerate(data["indications"])
    ]
    return kb.model_copy(update={"treatments": (*kb.treatments, Treatment.model_validate(data))})


def test_kb_matrix_shows_no_undecided_pair() -> None:
    """`dorsum kb matrix` exits 0, and every cell of the shipped matrix is decided."""
    done = CliRunner().invoke(app, ["kb", "matrix"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "no undecided pair" in done.output
    assert "?" not in done.output
    assert all(cell.decided and not cell.contradictory for cell in build_matrix(KB))


def test_a_treatment_no_rule_or_entry_reaches_fails_the_check() -> None:
    """A new treatment whose properties nobody has decided for a factor is a named gap."""
    kb = with_treatment(KB, "light_device", ["energy"])
    problems = [p for p in check_knowledge_base(kb).problems if "light_device" in p]
    assert any("pih_risk x light_device is undecided" in p for p in problems), problems


def test_a_new_resurfacing_treatment_gets_the_resurfacing_rules_without_being_named() -> None:
    """Safety is derived: a new resurfacing laser is deferred for a recent tan at once."""
    kb = with_treatment(KB, "new_laser", ["procedure", "resurfacing", "nonablative", "energy"])
    problems = check_knowledge_base(kb).problems
    assert not [p for p in problems if "new_laser" in p and "contract treatment" not in p]
    result = dorsum.assess(
        {
            "patient": {"age": 30, "fitzpatrick": 2},
            "history": {"recent_tan": True},
            "findings": {
                "acne_scars": {"rolling": 6, "boxcar": 4, "visible_at_social_distance": True}
            },
        },
        today=TODAY,
        index=KnowledgeIndex(kb),
        cache=None,
    )
    codes = {r.code for e in result.excluded if e.treatment == "new_laser" for r in e.reasons}
    assert "recent_tan" in codes


def test_a_rule_and_a_no_interaction_entry_may_not_claim_the_same_pair() -> None:
    entry = KB.no_interactions[0].model_copy(
        update={"factor": "recent_tan", "id": "none.clash", "properties": ("resurfacing",)}
    )
    kb = KB.model_copy(update={"no_interactions": (*KB.no_interactions, entry)})
    assert any("both decided" in p for p in check_knowledge_base(kb).problems)


def _flags(intake: dict[str, Any], result: Any) -> set[str]:
    """The patient's flags, derived from the intake (not read from the result), and checked
    against what the result says it used."""
    parsed = parse_intake(intake)
    graded = grade_findings(parsed)
    flags = derived_flags(patient_flags(parsed).union(*(c.flags for c in graded)))
    first = result.findings[0]
    assert first["rule"] == "flags"
    assert set(str(first["params"]["flags"]).split(",")) == flags
    return set(flags)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_every_recommendation_satisfies_every_rule_that_applies_to_it(
    intake: dict[str, Any],
) -> None:
    """For random valid intakes: no option a rule excludes is recommended, and every caution a
    rule requires is on the recommendation."""
    result = dorsum.assess(intake, today=TODAY)
    flags = _flags(intake, result)
    months = intake.get("history", {}).get("isotretinoin_months_since_stop")
    for item in result.recommendations:
        cautions = {c.rule for c in item.cautions}
        for rule in KB.rules:
            if rule.when not in flags or item.treatment not in INDEX.rule_targets[rule.id]:
                continue
            if rule.conditions and item.condition not in rule.conditions:
                continue
            if rule.wait is not None and (months is None or months >= rule.wait.months):
                continue
            assert rule.effect == "caution", (rule.id, item.treatment, item.condition)
            assert rule.id in cautions, (rule.id, item.treatment)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_every_exclusion_reports_every_reason_that_applies(intake: dict[str, Any]) -> None:
    """An excluded option lists every exclusion rule that fired on it, not just the first."""
    result = dorsum.assess(intake, today=TODAY)
    flags = _flags(intake, result)
    for item in result.excluded:
        rules = {r.rule for r in item.reasons}
        for rule in KB.rules:
            if rule.effect != "exclude" or rule.wait is not None or rule.when not in flags:
                continue
            if item.treatment in INDEX.rule_targets[rule.id] and (
                not rule.conditions or item.condition in rule.conditions
            ):
                assert rule.id in rules, (rule.id, item.treatment)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_every_recommendation_cites_a_source_that_can_carry_it(intake: dict[str, Any]) -> None:
    result = dorsum.assess(intake, today=TODAY)
    for item in result.recommendations:
        assert any(INDEX.sources[s].clinical for s in item.sources), item.indication
        for caution in item.cautions:
            assert any(INDEX.sources[s].clinical for s in caution.sources), caution.rule
    for advice in result.advice:
        assert any(INDEX.sources[s].clinical for s in advice.sources), advice.rule
