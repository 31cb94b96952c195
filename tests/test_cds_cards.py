"""CDS Hooks cards as renderers of the assessment: valid by the specification's schema for any
intake, in both languages, and saying only what the assessment says."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings

import dorsum
from dorsum.cds.cards import exclusion_card, indicator_for, summary_card
from dorsum.i18n import Localizer
from tests.strategies import intakes

TODAY = date(2026, 11, 30)
INDEX = dorsum.default_index()
CARDS = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).parent / "cds_schemas" / "cards.json").read_text()),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)
LINK = "https://dorsum.example/patients/new"


def _cards(data: dict[str, Any], language: str) -> list[dict[str, Any]]:
    assessment = dorsum.assess(data, today=TODAY, index=INDEX, language=language)
    loc = Localizer(language)  # type: ignore[arg-type]
    found = [summary_card(assessment, index=INDEX, loc=loc, uuid=str(uuid.uuid4()), link=LINK)]
    for exclusion in assessment.excluded:
        found.append(
            exclusion_card(
                [exclusion],
                order="ServiceRequest/o-1",
                assessment=assessment,
                index=INDEX,
                loc=loc,
                uuid=str(uuid.uuid4()),
                suggestion=str(uuid.uuid4()),
            )
        )
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_every_card_for_any_intake_is_valid_cds_hooks(data: dict[str, Any]) -> None:
    """Whatever the intake, every card validates against the CDS Hooks card schema."""
    for language in ("en", "es"):
        CARDS.validate({"cards": _cards(data, language)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_the_indicator_follows_the_referral_urgency(data: dict[str, Any]) -> None:
    """critical for a same-day referral, warning for an urgent one, info otherwise."""
    assessment = dorsum.assess(data, today=TODAY, index=INDEX)
    expected = {"same_day": "critical", "urgent": "warning"}.get(
        assessment.referral.urgency, "info"
    )
    assert indicator_for(assessment) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_the_card_carries_the_assessments_own_words(data: dict[str, Any]) -> None:
    """Referral reasons and exclusion reasons appear verbatim, as the wording module wrote them."""
    assessment = dorsum.assess(data, today=TODAY, index=INDEX, language="es")
    card = summary_card(assessment, index=INDEX, loc=Localizer("es"), uuid="u", link=LINK)
    for referral in assessment.referral.reasons:
        assert referral.text in card["detail"]
    for reason in (r for e in assessment.excluded for r in e.reasons):
        assert reason.text in card["detail"]
    for option in assessment.recommendations[:3]:
        assert option.rationale in card["detail"]


def test_a_card_cites_a_clinical_source_with_its_url() -> None:
    """The source is a guideline the assessment cites, never a lay page."""
    data = json.loads(
        (Path(dorsum.__file__).parent / "examples" / "teen-back-acne.json").read_text()
    )
    assessment = dorsum.assess(data, today=TODAY, index=INDEX)
    card = summary_card(assessment, index=INDEX, loc=Localizer("en"), uuid="u", link=LINK)
    cited = [INDEX.sources[s] for s in assessment.cited_sources()]
    assert card["source"]["label"] in {s.title for s in cited if s.clinical and s.url}


@pytest.mark.parametrize("language", ["en", "es"])
def test_card_words_are_translated(language: str) -> None:
    """Every message a card uses has a translation (strict localizer records misses)."""
    data = json.loads(
        (Path(dorsum.__file__).parent / "examples" / "pregnant-acne.json").read_text()
    )
    assessment = dorsum.assess(data, today=TODAY, index=INDEX, language=language)
    loc = Localizer(language, strict=True)  # type: ignore[arg-type]
    summary_card(assessment, index=INDEX, loc=loc, uuid="u", link=LINK)
    for exclusion in assessment.excluded:
        exclusion_card(
            [exclusion],
            order="ServiceRequest/1",
            assessment=assessment,
            index=INDEX,
            loc=loc,
            uuid="u",
            suggestion="s",
        )
    assert loc.missing == set()
