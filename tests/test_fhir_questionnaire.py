"""The intake as a FHIR Questionnaire, and QuestionnaireResponse -> intake as a round trip."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel

from dorsum.core.errors import IntakeError
from dorsum.core.intake import Intake, ScarCause
from dorsum.core.validation import parse_intake
from dorsum.fhir.errors import FhirError
from dorsum.fhir.questionnaire import (
    GENDER,
    RECORDED,
    SDC_UNIT,
    questionnaire,
    questions_by_link_id,
)
from dorsum.fhir.questionnaire_response import (
    intake_from_questionnaire_response,
    questionnaire_response,
)
from dorsum.fhir.r4b import validate_resource
from tests.conftest import EXAMPLES, TODAY
from tests.fhir_shapes import empty_paths
from tests.strategies import intakes

NAMES = [path.stem for path in EXAMPLES]


def _example(name: str) -> Intake:
    return parse_intake(json.loads(next(p for p in EXAMPLES if p.stem == name).read_text()))


def _field_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every intake field's dotted path, read from the models independently of the writer."""
    paths = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.add(path)
        for kind in (info.annotation, *get_args(info.annotation)):
            for inner in (kind, *get_args(kind)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    paths |= _field_paths(inner, path + ".")
    return paths


def _items(questionnaire_items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in questionnaire_items:
        found[item["linkId"]] = item
        found.update(_items(item.get("item", [])))
    return found


ITEMS = _items(questionnaire()["item"])


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_questionnaire_validates(language: str) -> None:
    """The Questionnaire is valid FHIR R4B in each language."""
    validate_resource(questionnaire(language=language))  # type: ignore[arg-type]


def test_every_intake_field_has_a_link_id() -> None:
    """One linkId per intake field, its dotted path, and no question that is not a field."""
    gates = {link for link in ITEMS if link.endswith(RECORDED)}
    assert set(ITEMS) - gates == _field_paths(Intake)
    assert set(questions_by_link_id()) == set(ITEMS)


def test_enumerations_offer_exactly_their_values() -> None:
    """A choice question offers the contract's values; sex uses FHIR's administrative-gender."""
    causes = [o["valueCoding"]["code"] for o in ITEMS["findings.scars.cause"]["answerOption"]]
    assert causes == list(get_args(ScarCause))
    sex = ITEMS["patient.sex"]["answerOption"]
    assert {o["valueCoding"]["system"] for o in sex} == {GENDER}
    assert ITEMS["history.allergies"]["repeats"] is True


def test_optional_sections_open_on_their_yes_no_question() -> None:
    """Acne, acne scars, stretch marks and localized fat are enabled by `<section>.recorded`."""
    sections = [link for link, item in ITEMS.items() if "enableWhen" in item]
    assert sorted(sections) == sorted(
        f"findings.{s}" for s in ("acne", "acne_scars", "stretch_marks", "localized_fat")
    )
    for link in sections:
        condition = ITEMS[link]["enableWhen"][0]
        assert condition == {"question": link + RECORDED, "operator": "=", "answerBoolean": True}


@pytest.mark.parametrize(
    ("link_id", "initial"),
    [
        ("findings.acne_scars.flatten_on_stretch", {"valueBoolean": True}),
        ("history.keloid_tendency", {"valueBoolean": False}),
        ("findings.acne.papules", {"valueInteger": 0}),
    ],
)
def test_defaults_are_initial_values(link_id: str, initial: dict[str, Any]) -> None:
    """A field's default is the question's initial answer."""
    assert ITEMS[link_id]["initial"] == [initial]


def test_required_fields_are_required_and_measures_carry_units() -> None:
    """Age is required; the pinch is in centimetres (UCUM), as the contract defines it."""
    assert ITEMS["patient.age"]["required"] is True
    unit = next(
        x for x in ITEMS["findings.localized_fat.pinch_cm"]["extension"] if x["url"] == SDC_UNIT
    )
    assert unit["valueCoding"]["code"] == "cm"


@pytest.mark.parametrize("name", NAMES)
def test_an_examples_response_validates_and_reads_back(name: str) -> None:
    """intake -> QuestionnaireResponse -> intake is the identity for every example."""
    intake = _example(name)
    response = questionnaire_response(intake, today=TODAY)
    validate_resource(response)
    assert intake_from_questionnaire_response(response, today=TODAY) == intake


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_a_random_intakes_response_reads_back(data: dict[str, Any]) -> None:
    """The round trip is the identity for any valid intake."""
    intake = parse_intake(data)
    response = questionnaire_response(intake, today=TODAY)
    assert intake_from_questionnaire_response(response, today=TODAY) == intake
    assert list(empty_paths(response)) == []


def _response_with(link_id: str, answer: list[dict[str, Any]]) -> dict[str, Any]:
    response = questionnaire_response(_example("teen-back-acne"), today=TODAY)
    for group in response["item"]:
        for item in group.get("item", []):
            if item["linkId"] == link_id:
                item["answer"] = answer
    return response


def test_an_answer_of_the_wrong_type_names_the_link_id() -> None:
    """A string where an integer belongs is refused, naming the question."""
    response = _response_with("patient.age", [{"valueString": "sixteen"}])
    with pytest.raises(FhirError, match=r"patient\.age.*valueInteger"):
        intake_from_questionnaire_response(response, today=TODAY)


def test_an_unknown_link_id_is_named() -> None:
    """A question the intake does not have is an error, never silently dropped."""
    response = questionnaire_response(_example("teen-back-acne"), today=TODAY)
    response["item"][0]["item"].append(
        {"linkId": "patient.pregant", "answer": [{"valueBoolean": True}]}
    )
    with pytest.raises(FhirError, match=r"patient\.pregant"):
        intake_from_questionnaire_response(response, today=TODAY)


def test_two_answers_to_a_single_question_are_refused() -> None:
    """Only repeating questions take several answers."""
    response = _response_with("patient.age", [{"valueInteger": 16}, {"valueInteger": 17}])
    with pytest.raises(FhirError, match=r"patient\.age.*one answer"):
        intake_from_questionnaire_response(response, today=TODAY)


def test_a_section_answered_no_must_not_be_filled_in() -> None:
    """Answering `findings.acne.recorded` no while giving acne counts is contradictory."""
    response = _response_with("findings.acne.recorded", [{"valueBoolean": False}])
    with pytest.raises(FhirError, match=r"findings\.acne"):
        intake_from_questionnaire_response(response, today=TODAY)


def test_a_value_out_of_range_is_the_intakes_own_error() -> None:
    """Bounds are the contract's: the IntakeError names the field."""
    response = _response_with("patient.age", [{"valueInteger": 130}])
    with pytest.raises(IntakeError) as caught:
        intake_from_questionnaire_response(response, today=TODAY)
    assert [p.path for p in caught.value.problems] == ["patient.age"]


def test_a_birth_date_gives_the_age_on_today() -> None:
    """A response may give the birth date instead of the age; the age is counted on `today`."""
    response = questionnaire_response(_example("teen-back-acne"), today=TODAY)
    patient = response["item"][0]
    patient["item"] = [i for i in patient["item"] if i["linkId"] != "patient.age"]
    patient["item"].append({"linkId": "patient.birthDate", "answer": [{"valueDate": "2010-11-22"}]})
    intake = intake_from_questionnaire_response(response, today=date(2026, 11, 21))
    assert intake.patient.age == 15


def test_only_a_questionnaire_response_is_read() -> None:
    """Another resource is refused with a clear error."""
    with pytest.raises(FhirError, match="QuestionnaireResponse"):
        intake_from_questionnaire_response({"resourceType": "Patient"}, today=TODAY)


def test_the_response_is_deterministic() -> None:
    """The same intake on the same day gives the same response, id included."""
    intake = _example("bra-fat")
    one = questionnaire_response(intake, today=TODAY)
    assert one == questionnaire_response(copy.deepcopy(intake), today=TODAY)


def test_a_response_entered_in_error_is_refused() -> None:
    """A QuestionnaireResponse marked entered-in-error is not read as anyone's intake."""
    answers = questionnaire_response(_example("teen-back-acne"), today=TODAY)
    with pytest.raises(FhirError, match="entered-in-error"):
        intake_from_questionnaire_response({**answers, "status": "entered-in-error"}, today=TODAY)


@pytest.mark.parametrize("answer", [{"valueDate": "x"}, "2000-01-01", [], None])
def test_a_malformed_birth_date_answer_names_the_question(answer: Any) -> None:
    """Whatever shape the birthDate answer has, the error names the question, never a crash."""
    item = {"linkId": "patient.birthDate", "answer": answer}
    response = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [item]}
    with pytest.raises(FhirError, match=r"patient\.birthDate"):
        intake_from_questionnaire_response(response, today=TODAY)
