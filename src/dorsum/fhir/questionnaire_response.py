"""The intake as a QuestionnaireResponse to the intake Questionnaire, and back.

`questionnaire_response(intake)` answers every question the intake answers (absent optional
values stay unanswered); `intake_from_questionnaire_response(qr)` reads one back, so that
intake -> QuestionnaireResponse -> intake is the identity. An unknown linkId or an answer of
the wrong type is a FhirError naming the linkId; a value out of range is the intake's own
IntakeError naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dorsum.core.intake import Intake
from dorsum.core.validation import parse_intake
from dorsum.fhir.entries import digest
from dorsum.fhir.errors import FhirError
from dorsum.fhir.questionnaire import (
    RECORDED,
    URL,
    Question,
    answer_system,
    intake_questions,
    questions_by_link_id,
)

VALUE_KEYS = {
    "boolean": ("valueBoolean",),
    "integer": ("valueInteger",),
    "decimal": ("valueDecimal", "valueInteger"),
    "date": ("valueDate",),
    "choice": ("valueCoding", "valueString"),
}


def questionnaire_response(
    intake: Intake, *, today: date, patient_id: str = "patient"
) -> dict[str, Any]:
    """The intake as a completed QuestionnaireResponse, authored on `today`."""
    values = intake.model_dump(mode="json")
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"intake-{digest(intake.model_dump_json() + patient_id)[:16]}",
        "questionnaire": URL,
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authored": today.isoformat(),
        "item": _items(intake_questions(), values),
    }


def _items(questions: tuple[Question, ...], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for question in questions:
        value = values.get(question.name)
        if question.section:
            answer = {"valueBoolean": value is not None}
            items.append({"linkId": question.link_id + RECORDED, "answer": [answer]})
        if value is None or value in ([], ()):
            continue
        if question.kind == "group":
            groups = value if question.repeats else [value]
            items += [
                {"linkId": question.link_id, "item": _items(question.items, group)}
                for group in groups
            ]
        else:
            answers = value if question.repeats else [value]
            items.append(
                {"linkId": question.link_id, "answer": [_answer(question, a) for a in answers]}
            )
    return items


def _answer(question: Question, value: Any) -> dict[str, Any]:
    if question.kind == "choice":
        return {"valueCoding": {"system": answer_system(question), "code": value}}
    return {VALUE_KEYS[question.kind][0]: value}


def intake_from_questionnaire_response(qr: Mapping[str, Any], *, today: date) -> Intake:
    """The intake a QuestionnaireResponse answers.

    `today` counts the age when the response gives `patient.birthDate` instead of
    `patient.age` (both are accepted; the Questionnaire asks for the age).
    """
    if qr.get("resourceType") != "QuestionnaireResponse":
        raise FhirError("resourceType", "expected a QuestionnaireResponse")
    if qr.get("status") == "entered-in-error":
        raise FhirError("QuestionnaireResponse.status", "is entered-in-error; nothing to read")
    data = _read(qr.get("item") or [], "QuestionnaireResponse.item", questions_by_link_id())
    patient = data.setdefault("patient", {})
    born = patient.pop("birthDate", None)
    if born is not None and "age" not in patient:
        patient["age"] = _age(born, today)
    return parse_intake(data)


def _read(items: Any, where: str, known: dict[str, Question], prefix: str = "") -> dict[str, Any]:
    """The intake dict that `items` answer, relative to the group `prefix` names."""
    if not isinstance(items, list):
        raise FhirError(where, "expected a list of items")
    data: dict[str, Any] = {}
    opened: dict[str, bool] = {}
    for item in items:
        link_id = item.get("linkId") if isinstance(item, Mapping) else None
        if not isinstance(link_id, str) or not link_id.startswith(prefix):
            raise FhirError(f"{where}: item {link_id!r}", "unknown linkId in the dorsum intake")
        path = link_id.removeprefix(prefix)
        if link_id == "patient.birthDate":
            data["birthDate"] = _birth_date(item)
            continue
        question = known.get(link_id)
        if question is None:
            raise FhirError(f"item {link_id!r}", "unknown linkId in the dorsum intake")
        if link_id.endswith(RECORDED):
            opened[path.removesuffix(RECORDED)] = bool(_values(question, item)[0])
        elif question.kind == "group":
            value = _read(item.get("item") or [], f"item {link_id!r}", known, link_id + ".")
            _place(data, path, value, repeats=question.repeats)
        else:
            answers = _values(question, item)
            _place(data, path, answers if question.repeats else answers[0], repeats=False)
    for section, is_open in opened.items():
        if is_open:
            data.setdefault(section, {})
        elif section in data:
            raise FhirError(f"item {prefix + section!r}", f"answered although its {RECORDED} is no")
    return data


def _values(question: Question, item: Mapping[str, Any]) -> list[Any]:
    answers = item.get("answer") or []
    where = f"item {question.link_id!r}"
    if not isinstance(answers, list) or not answers:
        raise FhirError(where, "has no answer")
    if len(answers) > 1 and not question.repeats:
        raise FhirError(where, "takes one answer")
    return [_value(question, answer, where) for answer in answers]


def _value(question: Question, answer: Any, where: str) -> Any:
    keys = VALUE_KEYS[question.kind]
    given = [k for k in answer if k.startswith("value")] if isinstance(answer, Mapping) else []
    if len(given) != 1 or given[0] not in keys:
        found = ", ".join(given) or "no value"
        raise FhirError(where, f"expected {' or '.join(keys)}, got {found}")
    value = answer[given[0]]
    if given[0] == "valueCoding":
        code = value.get("code") if isinstance(value, Mapping) else None
        if not isinstance(code, str):
            raise FhirError(where, "valueCoding has no code")
        return code
    if question.kind == "decimal" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _place(data: dict[str, Any], name: str, value: Any, *, repeats: bool) -> None:
    if repeats:
        data.setdefault(name, []).append(value)
    else:
        data[name] = value


def _birth_date(item: Mapping[str, Any]) -> date:
    answers = item.get("answer")
    first = answers[0] if isinstance(answers, list) and answers else None
    text = first.get("valueDate") if isinstance(first, Mapping) else None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise FhirError("item 'patient.birthDate'", "expected valueDate") from None


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
