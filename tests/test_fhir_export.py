"""The assessment and the plan as FHIR R4: every resource validates, nothing is re-decided."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Plan
from dorsum.fhir.assessment_bundle import assessment_bundle
from dorsum.fhir.citations import CITES
from dorsum.fhir.entries import EXTENSION
from dorsum.fhir.errors import FhirError
from dorsum.fhir.plan_bundle import plan_bundle
from dorsum.fhir.r4b import validate_bundle, validate_resource
from dorsum.i18n import Localizer
from tests.conftest import EXAMPLES, TODAY
from tests.fhir_shapes import empty_paths
from tests.strategies import intakes

NAMES = [path.stem for path in EXAMPLES]
SNOMED = "http://snomed.info/sct"
# Stated here from the specification, independently of the writer's own tables:
# http://hl7.org/fhir/ValueSet/condition-severity and http://hl7.org/fhir/request-priority.
CONDITION_SEVERITY = {"mild": "255604002", "moderate": "6736007", "severe": "24484000"}
REQUEST_PRIORITY = {"routine": "routine", "urgent": "urgent", "same_day": "asap"}


def _assessment(name: str, language: str = "en") -> Assessment:
    intake = json.loads(next(p for p in EXAMPLES if p.stem == name).read_text())
    return dorsum.assess(intake, today=TODAY, language=language)


def _plan(name: str) -> Plan:
    intake = json.loads(next(p for p in EXAMPLES if p.stem == name).read_text())
    return dorsum.plan(intake, today=TODAY)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _by_url(bundle: dict[str, Any], reference: dict[str, str]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference["reference"])


@pytest.mark.parametrize("name", NAMES)
def test_every_resource_of_an_examples_assessment_validates(
    name: str, index: KnowledgeIndex
) -> None:
    """The Bundle and each resource in it validate with the fhir.resources R4B models."""
    bundle = assessment_bundle(_assessment(name), index=index)
    assert validate_bundle(bundle) == len(bundle["entry"]) > 0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_resource_of_an_examples_plan_validates(
    name: str, language: str, index: KnowledgeIndex
) -> None:
    """The plan's Bundle, its CarePlan and its assessment's resources all validate."""
    bundle = plan_bundle(_plan(name), index=index, localizer=Localizer(language))  # type: ignore[arg-type]
    validate_bundle(bundle)
    assert list(empty_paths(bundle)) == []
    assert len(_resources(bundle, "CarePlan")) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_every_resource_of_a_random_assessment_validates(intake: dict[str, Any]) -> None:
    """Whatever the intake, what dorsum writes is valid FHIR R4B."""
    assessment = dorsum.assess(intake, today=TODAY)
    bundle = assessment_bundle(assessment, index=dorsum.default_index())
    validate_bundle(bundle)
    assert list(empty_paths(bundle)) == []
    assert len(_resources(bundle, "Condition")) == len(assessment.conditions)
    assert len(_resources(bundle, "DetectedIssue")) >= len(assessment.excluded)


@pytest.mark.parametrize("name", NAMES)
def test_every_reference_resolves_inside_the_bundle(name: str, index: KnowledgeIndex) -> None:
    """A reference is the fullUrl of an entry, or the patient the bundle is about."""
    bundle = assessment_bundle(_assessment(name), index=index, patient_id="p1")
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for reference in _references(bundle):
        assert reference in urls or reference == "Patient/p1"


def test_the_same_assessment_gives_the_same_bytes(index: KnowledgeIndex) -> None:
    """Ids and fullUrls come from the content: no random uuids, no clock."""
    first = assessment_bundle(_assessment("severe-acne-scars"), index=index)
    again = assessment_bundle(_assessment("severe-acne-scars"), index=index)
    assert json.dumps(first) == json.dumps(again)


def test_two_patients_never_share_a_full_url(index: KnowledgeIndex) -> None:
    """The same findings for two patients give two sets of fullUrls."""
    assessment = _assessment("teen-back-acne")
    one = assessment_bundle(assessment, index=index, patient_id="a")
    two = assessment_bundle(assessment, index=index, patient_id="b")
    assert not {e["fullUrl"] for e in one["entry"]} & {e["fullUrl"] for e in two["entry"]}


@pytest.mark.parametrize("name", NAMES)
def test_conditions_carry_the_fhir_severity_and_the_knowledge_base_codes(
    name: str, index: KnowledgeIndex
) -> None:
    """Severity is the condition-severity SNOMED code; ICD-10 codes are the knowledge base's,
    L91.0 (hypertrophic scar) only for raised scars and L90.5 only for other scars."""
    assessment = _assessment(name)
    conditions = _resources(assessment_bundle(assessment, index=index), "Condition")
    for result, resource in zip(assessment.conditions, conditions, strict=True):
        severity = resource["severity"]["coding"][0]
        assert (severity["system"], severity["code"]) == (
            SNOMED,
            CONDITION_SEVERITY[result.severity],
        )
        written = {(c["code"]) for c in resource["code"]["coding"] if "icd-10" in c["system"]}
        expected = {c.code for c in result.codes}
        raised = {"hypertrophic", "keloid", "raised"}
        if not raised & set(result.features):
            expected.discard("L91.0")
        elif set(result.features) <= raised:
            expected.discard("L90.5")
        assert written == expected


@pytest.mark.parametrize("name", NAMES)
def test_each_grading_is_an_observation_about_its_condition(
    name: str, index: KnowledgeIndex
) -> None:
    """One Observation per reading: the reading's value and sources, about its Condition."""
    assessment = _assessment(name)
    bundle = assessment_bundle(assessment, index=index)
    observations = _resources(bundle, "Observation")
    readings = [(c, r) for c in assessment.conditions for r in c.grading]
    assert len(observations) == len(readings)
    for (condition, reading), observation in zip(readings, observations, strict=True):
        assert observation["valueString"] == reading.value
        cites = [x["valueRelatedArtifact"]["label"] for x in observation.get("extension", [])]
        assert cites == list(dict.fromkeys(reading.sources))
        assert all(x["url"] == CITES for x in observation.get("extension", []))
        focus = _by_url(bundle, observation["focus"][0])
        assert focus["code"]["coding"][-1]["code"] == condition.id


@pytest.mark.parametrize("name", NAMES)
def test_each_exclusion_is_a_detected_issue_with_every_reason_and_wait(
    name: str, index: KnowledgeIndex
) -> None:
    """Every reason is in the detail and the evidence; a wait carries its end date."""
    assessment = _assessment(name)
    bundle = assessment_bundle(assessment, index=index)
    issues = {i["id"]: i for i in _resources(bundle, "DetectedIssue")}
    for n, exclusion in enumerate(assessment.excluded, start=1):
        issue = issues[f"exclusion-{n}"]
        assert issue["code"]["coding"][0]["code"] == exclusion.treatment
        assert len(issue["evidence"]) == len(exclusion.reasons)
        for reason, evidence in zip(exclusion.reasons, issue["evidence"], strict=True):
            assert reason.text in issue["detail"]
            waits = [
                x["valueDate"]
                for x in evidence.get("extension", [])
                if x["url"] == EXTENSION + "wait-until"
            ]
            assert waits == ([reason.until.isoformat()] if reason.until else [])
        implicated = _by_url(bundle, issue["implicated"][0])
        assert implicated["code"]["coding"][-1]["code"] == exclusion.condition


def test_a_wait_is_dated_in_the_exclusion(index: KnowledgeIndex) -> None:
    """After isotretinoin, a deferred option says until when (the example has such a wait)."""
    assessment = _assessment("mild-scars-after-isotretinoin")
    waits = [r.until for e in assessment.excluded for r in e.reasons if r.until is not None]
    assert waits, "the example should defer something after isotretinoin"
    text = json.dumps(assessment_bundle(assessment, index=index))
    assert all(day.isoformat() in text for day in waits)


@pytest.mark.parametrize("name", NAMES)
def test_physician_only_therapies_are_referred_never_ordered(
    name: str, index: KnowledgeIndex
) -> None:
    """An option only a physician may give is a referral to a physician, for its condition."""
    assessment = _assessment(name)
    bundle = assessment_bundle(assessment, index=index)
    requests = {r["id"]: r for r in _resources(bundle, "ServiceRequest")}
    for item in assessment.recommendations:
        request = requests[f"option-{item.rank}"]
        assert request["intent"] == "proposal"
        referred = [c["text"] for c in request.get("category", [])] == ["Referral to a physician"]
        assert referred == item.physician_required
        reason = _by_url(bundle, request["reasonReference"][0])
        assert reason["code"]["coding"][-1]["code"] == item.condition


@pytest.mark.parametrize("name", NAMES)
def test_options_cite_their_sources_by_title(name: str, index: KnowledgeIndex) -> None:
    """Each option's action cites the recommendation's and its cautions' sources, titled."""
    assessment = _assessment(name)
    group = _resources(assessment_bundle(assessment, index=index), "RequestGroup")[0]
    options = next(a for a in group.get("action", []) if a["title"] == "Options, best first")
    for item, action in zip(assessment.recommendations, options["action"], strict=True):
        cited = [*item.sources, *(s for c in item.cautions for s in c.sources)]
        documentation = action.get("documentation", [])
        assert [d["label"] for d in documentation] == list(dict.fromkeys(cited))
        assert all(d["display"] == index.sources[d["label"]].title for d in documentation)
        assert action["description"] == item.rationale


@pytest.mark.parametrize("name", NAMES)
def test_the_referral_is_a_service_request_with_its_urgency(
    name: str, index: KnowledgeIndex
) -> None:
    """A referral becomes a ServiceRequest whose priority is the urgency; none, no request."""
    assessment = _assessment(name)
    requests = _resources(assessment_bundle(assessment, index=index), "ServiceRequest")
    referral = [r for r in requests if r["id"] == "referral"]
    if assessment.referral.urgency == "none":
        assert referral == []
    else:
        assert referral[0]["priority"] == REQUEST_PRIORITY[assessment.referral.urgency]
        assert len(referral[0]["reasonCode"]) == len(assessment.referral.reasons)


def test_a_referral_example_is_referred(index: KnowledgeIndex) -> None:
    """At least one example refers, so the referral mapping is exercised."""
    urgencies = {_assessment(name).referral.urgency for name in NAMES}
    assert urgencies - {"none"}


@pytest.mark.parametrize("name", NAMES)
def test_the_provenance_names_the_knowledge_base_and_the_rules_that_fired(
    name: str, index: KnowledgeIndex
) -> None:
    """The bundle explains itself: knowledge-base version and every trace line."""
    assessment = _assessment(name)
    provenance = _resources(assessment_bundle(assessment, index=index), "Provenance")[0]
    identifier = provenance["entity"][0]["what"]["identifier"]
    assert identifier["value"] == assessment.knowledge_base_version
    fired = [x["valueString"] for x in provenance.get("extension", [])]
    assert fired == list(assessment.trace)


def test_the_texts_are_the_assessments_own_language(index: KnowledgeIndex) -> None:
    """A Spanish assessment gives a Spanish bundle: the renderer words nothing itself."""
    spanish = _assessment("teen-back-acne", "es")
    group = _resources(assessment_bundle(spanish, index=index), "RequestGroup")[0]
    options = next(a for a in group["action"] if a["title"] == "Options, best first")
    assert options["action"][0]["description"] == spanish.recommendations[0].rationale
    assert (
        spanish.recommendations[0].rationale
        != _assessment("teen-back-acne").recommendations[0].rationale
    )


def test_the_patients_own_resources_can_travel_with_it(index: KnowledgeIndex) -> None:
    """Given resources are appended unchanged, with their own fullUrls."""
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "2010-01-01"}
    bundle = assessment_bundle(
        _assessment("teen-back-acne"), index=index, patient_id="p1", patient_resources=[patient]
    )
    assert bundle["entry"][-1]["resource"] == patient
    validate_bundle(bundle)


@pytest.mark.parametrize("name", NAMES)
def test_the_care_plan_dates_every_session_window_and_review(
    name: str, index: KnowledgeIndex
) -> None:
    """Each session and review is a dated activity; each window a period; nothing invented."""
    plan = _plan(name)
    care_plan = _resources(plan_bundle(plan, index=index, localizer=Localizer("en")), "CarePlan")[0]
    periods = [a["detail"]["scheduledPeriod"] for a in care_plan.get("activity", [])]
    expected = [(i.start.isoformat(), i.end.isoformat() if i.end else None) for i in plan.items]
    expected += [(s.date.isoformat(), s.date.isoformat()) for s in plan.sessions]
    expected += [(w.start.isoformat(), w.end.isoformat()) for w in plan.windows]
    expected += [(r.date.isoformat(), r.date.isoformat()) for r in plan.reviews]
    written = [(p["start"], p.get("end")) for p in periods]
    assert sorted(written, key=str) == sorted(expected, key=str)
    assert care_plan["period"]["start"] == plan.start.isoformat()


def test_the_target_date_is_a_goal_of_the_care_plan(index: KnowledgeIndex) -> None:
    """A patient's date becomes a Goal due on that date, referenced by the CarePlan."""
    plan = _plan("severe-acne-scars")
    assert plan.target is not None
    bundle = plan_bundle(plan, index=index, localizer=Localizer("en"))
    care_plan = _resources(bundle, "CarePlan")[0]
    goal = _by_url(bundle, care_plan["goal"][0])
    assert goal["target"][0]["dueDate"] == plan.target.date.isoformat()


def test_an_invalid_resource_is_named_with_its_path() -> None:
    """Validation failures name the resource and the element at fault."""
    with pytest.raises(FhirError, match=r"Condition/c1\.subject"):
        validate_resource({"resourceType": "Condition", "id": "c1"})
    with pytest.raises(FhirError, match="unknown resourceType"):
        validate_resource({"resourceType": "Nonsense", "id": "x"})


def _plannable(intake: dict[str, Any]) -> dict[str, Any]:
    """The intake without a target date a plan cannot aim at (past, or beyond 2199)."""
    day = (intake.get("goals") or {}).get("target_date")
    if day is not None and not TODAY.isoformat() < day < "2199-01-01":
        return {**intake, "goals": {**intake["goals"], "target_date": None}}
    return intake


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes.map(_plannable))
def test_every_resource_of_a_random_plan_validates(intake: dict[str, Any]) -> None:
    """Whatever the intake, the plan's Bundle is valid FHIR R4B with one CarePlan."""
    plan = dorsum.plan(intake, today=TODAY)
    bundle = plan_bundle(plan, index=dorsum.default_index(), localizer=Localizer("es"))
    validate_bundle(bundle)
    assert list(empty_paths(bundle)) == []
    assert len(_resources(bundle, "CarePlan")) == 1
