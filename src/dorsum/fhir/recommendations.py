"""The recommendations as FHIR: a RequestGroup of proposals, the referral, and cautions.

Each option is a proposal ServiceRequest with its reason (the Condition) and its rationale;
its action in the RequestGroup cites its sources. An option only a physician may give is
written as a referral to a physician, never as an order. Each caution is a low-severity
DetectedIssue implicating the option it is about.
"""

from __future__ import annotations

from typing import Any

from dorsum.core.assessment import Advice, Assessment, Caution, Recommendation, Referral
from dorsum.fhir.citations import citation_extensions, related_artifacts
from dorsum.fhir.entries import Scope, concept, local_coding
from dorsum.i18n import N_
from dorsum.reports import wording

# dorsum's urgency as FHIR request-priority (http://hl7.org/fhir/request-priority).
PRIORITY = {"routine": "routine", "urgent": "urgent", "same_day": "asap"}
REFERRAL = N_("Referral to a physician")


def add_request_group(scope: Scope, assessment: Assessment) -> None:
    """The RequestGroup: the referral, the options best first, and the advice."""
    actions: list[dict[str, Any]] = []
    if assessment.referral.urgency != "none":
        actions.append(_referral(scope, assessment.referral))
    if assessment.recommendations:
        options = [_option(scope, r) for r in assessment.recommendations]
        actions.append(
            {
                "title": scope.words.gettext(N_("Options, best first")),
                "selectionBehavior": "any",
                "action": options,
            }
        )
    if assessment.advice:
        advice = [_advice(scope, item) for item in assessment.advice]
        actions.append({"title": scope.words.gettext(N_("Advice")), "action": advice})
    resource: dict[str, Any] = {
        "resourceType": "RequestGroup",
        "id": "recommendations",
        "status": "active",
        "intent": "proposal",
        "subject": scope.subject,
        "authoredOn": scope.day,
    }
    if assessment.conditions:
        resource["reasonReference"] = [scope.condition_ref(c.id) for c in assessment.conditions]
    if actions:
        resource["action"] = actions
    scope.builder.add(resource)


def _advice(scope: Scope, item: Advice) -> dict[str, Any]:
    """A piece of advice as an action: its sentence (already worded), its code and its sources."""
    action: dict[str, Any] = {
        "textEquivalent": item.text,
        "code": [concept(item.text, local_coding("advice", item.code))],
    }
    if item.sources:
        action["documentation"] = related_artifacts(item.sources, scope.index)
    return action


def _referral(scope: Scope, referral: Referral) -> dict[str, Any]:
    """The referral as a ServiceRequest whose priority is its urgency, and its action."""
    priority = PRIORITY[referral.urgency]
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": "referral",
        "status": "active",
        "intent": "proposal",
        "priority": priority,
        "category": [concept(scope.words.gettext(REFERRAL), local_coding("request", "referral"))],
        "code": concept(scope.words.gettext(REFERRAL), local_coding("request", "referral")),
        "subject": scope.subject,
        "authoredOn": scope.day,
        "reasonCode": [
            concept(r.text, local_coding("referral-reason", r.code)) for r in referral.reasons
        ],
        "note": [{"text": r.text} for r in referral.reasons],  # the urgency is `priority`
    }
    sources = [s for r in referral.reasons for s in r.sources]
    if sources:
        resource["extension"] = citation_extensions(sources, scope.index)
    return {
        "title": scope.words.gettext(N_("Refer to a physician")),
        "priority": priority,
        "description": " ".join(r.text for r in referral.reasons),
        "documentation": related_artifacts(sources, scope.index),
        "resource": scope.builder.add(resource),
    }


def _option(scope: Scope, item: Recommendation) -> dict[str, Any]:
    """A recommendation as a proposal (a referral when only a physician may give it)."""
    request_id = f"option-{item.rank}"
    name = wording.name(item.treatment, scope.index, scope.words)
    treatment = local_coding("treatment", item.treatment, item.name or None)
    if item.physician_required:  # referred to a physician, never ordered
        code = concept(
            scope.words.gettext(N_("Referral to a physician for %(name)s"), name=name), treatment
        )
        category = [concept(scope.words.gettext(REFERRAL), local_coding("request", "referral"))]
    else:
        code, category = concept(name, treatment), []
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": request_id,
        "status": "draft",
        "intent": "proposal",
        "code": code,
        "subject": scope.subject,
        "authoredOn": scope.day,
        "reasonReference": [scope.condition_ref(item.condition)],
        "note": [{"text": item.rationale}] + [{"text": c.text} for c in item.cautions],
    }
    if category:
        resource["category"] = category
        resource["performerType"] = concept(scope.words.gettext(N_("Physician")))
    reference = scope.builder.add(resource)
    for n, caution in enumerate(item.cautions, start=1):
        add_caution(scope, f"{request_id}-caution-{n}", caution, reference)
    action: dict[str, Any] = {
        "id": request_id,
        "prefix": str(item.rank),
        "title": code["text"],
        "description": item.rationale,
        "code": [code],
        "resource": reference,
    }
    sources = [*item.sources, *(s for c in item.cautions for s in c.sources)]
    if sources:
        action["documentation"] = related_artifacts(sources, scope.index)
    return action


def add_caution(scope: Scope, issue_id: str, caution: Caution, implicated: dict[str, str]) -> None:
    """A caution as a low-severity DetectedIssue about what it implicates."""
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": issue_id,
        "status": "final",
        "severity": "low",
        "code": concept(caution.text, local_coding("caution", caution.code)),
        "patient": scope.subject,
        "identifiedDateTime": scope.day,
        "implicated": [implicated],
        "detail": caution.text,
    }
    if caution.sources:
        resource["extension"] = citation_extensions(caution.sources, scope.index)
    scope.builder.add(resource)
