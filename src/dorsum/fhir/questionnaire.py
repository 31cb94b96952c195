"""The intake as a FHIR R4 Questionnaire, SDC style, derived from the intake model itself.

The questions are read off `dorsum.core.intake.Intake` (its fields, types, bounds and
defaults), so the Questionnaire cannot drift from the contract: one linkId per intake field
(its dotted path, e.g. `findings.acne.papules`), item types from the field types, answer
options for the enumerations, initial values for the defaults, SDC units and min/max values,
and `enableWhen` that opens an optional section (acne, acne scars, stretch marks, localized
fat) only when its `<section>.recorded` question is answered yes.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from dorsum.core.intake import Intake
from dorsum.fhir.entries import LOCAL
from dorsum.i18n import N_, Language, Localizer

URL = "https://dorsum.dev/fhir/Questionnaire/intake"
GENDER = "http://hl7.org/fhir/administrative-gender"  # FHIR's own codes: female, male, other
UCUM = "http://unitsofmeasure.org"
SDC_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
RECORDED = ".recorded"  # the suffix of an optional section's yes/no question
UNITS = {  # UCUM codes
    "patient.age": ("a", "years"),
    "patient.bmi": ("kg/m2", "kg/m²"),
    "history.isotretinoin_months_since_stop": ("mo", "months"),
    "findings.localized_fat.pinch_cm": ("cm", "cm"),
    "findings.scars.months_old": ("mo", "months"),
}
# Where the consultation form already words a field, the same words (and so its translation).
LABELS = {
    "patient": N_("Patient"),
    "history": N_("History"),
    "findings": N_("Lesions and scars on the whole back"),
    "goals": N_("Goals"),
    "patient.planning_pregnancy": N_("Planning a pregnancy"),
    "patient.fitzpatrick": N_("Skin phototype"),
    "patient.bmi": N_("BMI"),
    "history.isotretinoin_months_since_stop": N_("Months since isotretinoin was stopped"),
    "history.keloid_tendency": N_("Tendency to keloids"),
    "history.anticoagulants": N_("Takes blood thinners"),
    "history.herpes_history": N_("Past cold sores"),
    "history.active_infection_at_site": N_("Infection at the site"),
    "history.hernia_near_site": N_("Hernia near the site"),
    "history.photosensitising_medication": N_("Photosensitising medicine"),
    "history.suspicious_pigmented_lesion": N_("Mole with warning signs"),
    "history.koebnerising_disease": N_("Psoriasis, vitiligo or lichen planus"),
    "history.acne_inducing_drugs": N_("Medicines that can cause acne"),
    "history.androgen_excess_signs": N_("Signs of excess androgen"),
    "history.hidradenitis_suspected": N_("Possible hidradenitis suppurativa"),
    "findings.acne": N_("Acne lesions"),
    "findings.acne.itchy_monomorphic_without_comedones": N_("Itchy uniform spots, no blackheads"),
    "findings.acne.rapid_worsening_with_systemic_symptoms": N_(
        "Rapid worsening with fever or joint pain"
    ),
    "findings.acne_scars": N_("Acne scars"),
    "findings.acne_scars.hypertrophic": N_("Raised"),
    "findings.acne_scars.macular": N_("Flat marks"),
    "findings.acne_scars.visible_at_social_distance": N_("Scars obvious at 50 cm"),
    "findings.acne_scars.flatten_on_stretch": N_("Scars flatten when stretched"),
    "findings.stretch_marks.count": N_("How many"),
    "findings.stretch_marks.stage": N_("Stage"),
    "findings.localized_fat": N_("Localized fat"),
    "findings.localized_fat.pinch_cm": N_("Fat fold pinch (cm)"),
    "findings.localized_fat.areas": N_("Areas with fat"),
    "findings.scars": N_("Other scars (burns, cuts, bites, surgery)"),
    "goals.prefer_non_invasive": N_("Prefers non-invasive options"),
}
# Answer options the consultation form words differently from their code (and so translates).
OPTION_LABELS = {
    "cryoglobulinemia": N_("cryoglobulinaemia"),
    "paroxysmal_cold_hemoglobinuria": N_("paroxysmal cold haemoglobinuria"),
    "raynaud": N_("Raynaud's"),
    "systemic_corticosteroids": N_("corticosteroid tablets or injections"),
    "rubra": N_("rubra (early, red)"),
    "alba": N_("alba (late, white)"),
}
# A section's yes/no question: its label asked (Spanish opens a question with "¿").
GATE = N_("%(section)s?")
Kind = Literal["group", "boolean", "integer", "decimal", "date", "choice"]


@dataclass(frozen=True)
class Question:
    """One intake field as a Questionnaire item."""

    link_id: str
    kind: Kind
    required: bool = False
    repeats: bool = False
    options: tuple[str, ...] = ()
    default: Any = None
    bounds: tuple[float | None, float | None] = (None, None)
    section: bool = False  # an optional group, opened by its `.recorded` question
    items: tuple[Question, ...] = ()

    @property
    def name(self) -> str:
        return self.link_id.rsplit(".", 1)[-1]


@lru_cache(maxsize=1)
def intake_questions() -> tuple[Question, ...]:
    """The intake's top-level groups, each with its questions (derived from `Intake`)."""
    return _questions(Intake, "")


def questions_by_link_id() -> dict[str, Question]:
    """Every question and group, by linkId (the `.recorded` gates included)."""
    found: dict[str, Question] = {}

    def walk(questions: tuple[Question, ...]) -> None:
        for question in questions:
            found[question.link_id] = question
            if question.section:
                gate = question.link_id + RECORDED
                found[gate] = Question(gate, "boolean")
            walk(question.items)

    walk(intake_questions())
    return found


def _questions(model: type[BaseModel], prefix: str) -> tuple[Question, ...]:
    return tuple(_question(f"{prefix}{name}", info) for name, info in model.model_fields.items())


def _question(link_id: str, info: FieldInfo) -> Question:
    kind, optional, metadata = _unwrap(info.annotation)
    metadata = [*metadata, *info.metadata]
    repeats = get_origin(kind) is tuple
    if repeats:
        kind, _, inner = _unwrap(get_args(kind)[0])
        metadata += inner
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return Question(
            link_id,
            "group",
            required=info.is_required(),
            repeats=repeats,
            section=optional,
            items=_questions(kind, link_id + "."),
        )
    default = None if info.is_required() or repeats else info.default
    return Question(
        link_id,
        _kind(kind),
        required=info.is_required(),
        repeats=repeats,
        options=tuple(get_args(kind)) if get_origin(kind) is Literal else (),
        default=default,
        bounds=_bounds(metadata),
    )


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(the type, whether None is allowed, constraint metadata) of a field annotation."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional, annotation = True, args[0]
    metadata: list[Any] = []
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, optional, metadata


def _kind(annotation: Any) -> Kind:
    if get_origin(annotation) is Literal:
        return "choice"
    kinds: dict[Any, Kind] = {bool: "boolean", int: "integer", float: "decimal", date: "date"}
    return kinds[annotation]


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for item in metadata:
        if isinstance(item, Ge | Gt):
            low = float(item.ge if isinstance(item, Ge) else item.gt)  # type: ignore[arg-type]
        elif isinstance(item, Le):
            high = float(item.le)  # type: ignore[arg-type]
    return low, high


def answer_system(question: Question) -> str:
    """The code system of a choice question's answers (dorsum's own, except sex)."""
    if question.link_id == "patient.sex":
        return GENDER
    return f"{LOCAL}intake-{question.name.replace('_', '-')}"


def questionnaire(*, language: Language = "en") -> dict[str, Any]:
    """The intake Questionnaire in `language` ("en" or "es")."""
    loc = Localizer(language)
    return {
        "resourceType": "Questionnaire",
        "id": "dorsum-intake",
        "url": URL,
        "version": "1",
        "name": "DorsumIntake",
        "title": f"dorsum: {loc.gettext('New consultation')}",
        "status": "active",
        "language": language,
        "subjectType": ["Patient"],
        "item": [_item(q, loc) for q in intake_questions()],
    }


def label(link_id: str) -> str:
    """A question's English text (the field name when no better label is set)."""
    found = LABELS.get(link_id)
    if found is not None:
        return found
    words = link_id.rsplit(".", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


def _item(question: Question, loc: Localizer) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.link_id,
        "text": loc.gettext(label(question.link_id)),
        "type": question.kind,
    }
    if question.required:
        item["required"] = True
    if question.repeats:
        item["repeats"] = True
    if question.kind == "group":
        children = [_item(q, loc) for q in question.items]
        for child in question.items:
            if child.section:  # the yes/no question goes before the section it opens
                position = next(i for i, c in enumerate(children) if c["linkId"] == child.link_id)
                children.insert(position, _gate(child, loc))
        item["item"] = children
        if question.section:
            item["enableWhen"] = [
                {"question": question.link_id + RECORDED, "operator": "=", "answerBoolean": True}
            ]
        return item
    if question.options:
        system = answer_system(question)
        item["answerOption"] = [
            {"valueCoding": {"system": system, "code": o, "display": _display(o, loc)}}
            for o in question.options
        ]
    if question.default is not None:
        item["initial"] = [{_VALUE[question.kind]: question.default}]
    item.update(_extensions(question))
    return item


def _display(option: str, loc: Localizer) -> str:
    return loc.gettext(OPTION_LABELS.get(option) or option.replace("_", " "))


def _gate(section: Question, loc: Localizer) -> dict[str, Any]:
    return {
        "linkId": section.link_id + RECORDED,
        "text": loc.gettext(GATE, section=loc.gettext(label(section.link_id))),
        "type": "boolean",
        "initial": [{"valueBoolean": False}],
    }


_VALUE = {
    "boolean": "valueBoolean",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "date": "valueDate",
    "choice": "valueCoding",
}


def _extensions(question: Question) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = []
    unit = UNITS.get(question.link_id)
    if unit is not None:
        coding = {"system": UCUM, "code": unit[0], "display": unit[1]}
        extensions.append({"url": SDC_UNIT, "valueCoding": coding})
    key = "valueInteger" if question.kind == "integer" else "valueDecimal"
    if question.kind in ("integer", "decimal"):
        low, high = question.bounds
        if low is not None:
            extensions.append({"url": MIN_VALUE, key: _number(low, question.kind)})
        if high is not None:
            extensions.append({"url": MAX_VALUE, key: _number(high, question.kind)})
    return {"extension": extensions} if extensions else {}


def _number(value: float, kind: str) -> float | int:
    return int(value) if kind == "integer" else value
