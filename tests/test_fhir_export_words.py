"""The FHIR renderers speak the reader's language: no English words of their own, no raw codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

import dorsum
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.assessment_bundle import BACK, assessment_bundle
from dorsum.i18n import Localizer
from tests.conftest import EXAMPLES, TODAY

NAMES = [path.stem for path in EXAMPLES]
SPANISH_SEVERITY = {"mild": "leve", "moderate": "moderado", "severe": "grave"}


def _spanish_bundle(name: str, index: KnowledgeIndex) -> tuple[Any, dict[str, Any]]:
    intake = json.loads(next(p for p in EXAMPLES if p.stem == name).read_text())
    assessment = dorsum.assess(intake, today=TODAY, language="es")
    return assessment, assessment_bundle(assessment, index=index, language="es")


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("name", NAMES)
def test_a_conditions_severity_and_body_site_are_worded_in_the_readers_language(
    name: str, index: KnowledgeIndex
) -> None:
    """Severity text is the wording module's Spanish word; the body site is the catalog's."""
    assessment, bundle = _spanish_bundle(name, index)
    conditions = _resources(bundle, "Condition")
    for result, resource in zip(assessment.conditions, conditions, strict=True):
        assert resource["severity"]["text"] == SPANISH_SEVERITY[result.severity]
        assert resource["bodySite"] == [{"text": Localizer("es").gettext(BACK)}]
        assert "text" not in resource["clinicalStatus"]
        assert "text" not in resource["verificationStatus"]


@pytest.mark.parametrize("name", NAMES)
def test_advice_actions_carry_the_worded_sentence_not_a_code(
    name: str, index: KnowledgeIndex
) -> None:
    """Advice is shown by its worded sentence; its code stays a coding, never a title."""
    assessment, bundle = _spanish_bundle(name, index)
    group = _resources(bundle, "RequestGroup")[0]
    codes = {item.code.replace("_", " ") for item in assessment.advice}
    for action in group.get("action", []):
        for inner in action.get("action", []):
            assert inner.get("title") not in codes


@pytest.mark.parametrize("name", NAMES)
def test_referral_notes_are_the_worded_reasons_only(name: str, index: KnowledgeIndex) -> None:
    """A referral's notes are its reasons' sentences; the urgency is `priority`, not '[routine]'."""
    assessment, bundle = _spanish_bundle(name, index)
    for request in _resources(bundle, "ServiceRequest"):
        if request["id"] == "referral":
            expected = [{"text": r.text} for r in assessment.referral.reasons]
            assert request["note"] == expected


@pytest.mark.parametrize("name", NAMES)
def test_a_readings_band_is_a_code_with_a_worded_text(name: str, index: KnowledgeIndex) -> None:
    """A band is dorsum's coding; its text is the Spanish severity word, or words, never a code."""
    _, bundle = _spanish_bundle(name, index)
    for reading in _resources(bundle, "Observation"):
        for interpretation in reading.get("interpretation", []):
            band = interpretation["coding"][0]
            assert band["system"].endswith("/CodeSystem/grading-band")
            if band["code"] in SPANISH_SEVERITY:
                assert interpretation["text"] == SPANISH_SEVERITY[band["code"]]
            else:
                assert interpretation["text"] != band["code"]
                assert "_" not in interpretation["text"]
