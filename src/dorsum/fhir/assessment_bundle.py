"""The assessment as a FHIR R4 collection Bundle: one more renderer of `Assessment`.

It re-decides nothing: every severity, option, exclusion, referral and sentence is the
assessment's own, already worded in the reader's language. What it writes (see
docs/fhir-export.md):

- a Condition per assessed condition (severity from the FHIR condition-severity SNOMED codes,
  ICD-10 codes from the knowledge base) and an Observation per grading reading;
- a RequestGroup whose actions are the referral, the options best first (each a proposal
  ServiceRequest with its reason and citations; a physician-only therapy is a referral to a
  physician, never an order) and the advice;
- a DetectedIssue per exclusion (every reason, the date a wait ends, what it implicates) and
  per caution;
- a Provenance naming the knowledge-base version and the rules that fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dorsum.core.assessment import Assessment, ConditionResult, Exclusion, ScaleReading
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.citations import citation_extensions
from dorsum.fhir.entries import (
    EXTENSION,
    ICD10_SYSTEMS,
    BundleBuilder,
    Scope,
    concept,
    digest,
    local_coding,
    slug,
)
from dorsum.fhir.recommendations import add_caution, add_request_group
from dorsum.i18n import N_, Language, Localizer
from dorsum.reports import wording
from dorsum.reports.wording import severity_word

SNOMED = "http://snomed.info/sct"
# The FHIR R4 condition-severity value set (http://hl7.org/fhir/ValueSet/condition-severity).
SEVERITY = {
    "mild": ("255604002", "Mild"),
    "moderate": ("6736007", "Moderate"),
    "severe": ("24484000", "Severe"),
}
BACK = N_("Back")  # the body site of every condition dorsum assesses
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def assessment_bundle(
    assessment: Assessment,
    *,
    index: KnowledgeIndex,
    patient_id: str = "patient",
    patient_resources: Sequence[Mapping[str, Any]] = (),
    language: Language = "en",
) -> dict[str, Any]:
    """The assessment as a collection Bundle (optionally with the patient's own resources).

    `assessment` is already worded in `language`; the few headings the bundle adds follow it.
    """
    builder = BundleBuilder(digest(assessment.model_dump_json() + patient_id + language))
    add_assessment(
        builder, assessment, index=index, patient_id=patient_id, words=Localizer(language)
    )
    for n, resource in enumerate(patient_resources, start=1):
        builder.entries.append(
            {"fullUrl": builder.url("input", str(n)), "resource": dict(resource)}
        )
    return builder.bundle(f"assessment-{builder.key[:16]}")


def add_assessment(
    builder: BundleBuilder,
    assessment: Assessment,
    *,
    index: KnowledgeIndex,
    patient_id: str,
    words: Localizer,
) -> None:
    """Add the assessment's resources to `builder` (the plan's bundle holds them too)."""
    subject = {"reference": f"Patient/{patient_id}"}
    scope = Scope(builder, index, subject, assessment.assessed_on.isoformat(), words)
    for condition in assessment.conditions:
        _condition(scope, condition)
    add_request_group(scope, assessment)
    for n, exclusion in enumerate(assessment.excluded, start=1):
        _exclusion(scope, n, exclusion)
    _provenance(scope, assessment)


def _condition(scope: Scope, condition: ConditionResult) -> dict[str, str]:
    """A Condition with its severity and codes; its readings follow it."""
    code, display = SEVERITY[condition.severity]
    codings = [
        {"system": ICD10_SYSTEMS[c.system], "code": c.code, "display": c.display}
        for c in condition.codes
        if c.system in ICD10_SYSTEMS and c.code in _scar_codes(condition)
    ]
    codings.append(local_coding("condition", condition.id, condition.name or None))
    readings = [
        scope.builder.ref("Observation", f"reading-{slug(condition.id)}-{n}")
        for n in range(1, len(condition.grading) + 1)
    ]
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"condition-{slug(condition.id)}",
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "provisional"}]},
        "severity": concept(
            severity_word(condition.severity, scope.words),
            {"system": SNOMED, "code": code, "display": display},
        ),
        "code": concept(wording.condition_name(condition.id, scope.index, scope.words), *codings),
        "bodySite": [concept(scope.words.gettext(BACK))],
        "subject": scope.subject,
        "recordedDate": scope.day,
    }
    if readings:
        resource["evidence"] = [{"detail": readings}]
    if condition.basis:
        resource["note"] = [{"text": condition.basis}]
    reference = scope.builder.add(resource)
    for n, reading in enumerate(condition.grading, start=1):
        _reading(scope, condition, n, reading)
    return reference


RAISED = frozenset({"hypertrophic", "keloid", "raised"})
HYPERTROPHIC_SCAR = "L91.0"  # hypertrophic scar and keloid
OTHER_SCAR = "L90.5"  # scar conditions and fibrosis of skin


def _scar_codes(condition: ConditionResult) -> frozenset[str]:
    """The codes that fit the scars found: L91.0 only for raised (hypertrophic or keloid) scars,
    L90.5 for any other scar; every other code as the knowledge base gives it."""
    given = frozenset(c.code for c in condition.codes)
    features = set(condition.features)
    raised = bool(features & RAISED)
    dropped: set[str] = set()
    if not raised:
        dropped.add(HYPERTROPHIC_SCAR)
    elif not features - RAISED and HYPERTROPHIC_SCAR in given:
        dropped.add(OTHER_SCAR)
    return given - dropped


def _reading(scope: Scope, condition: ConditionResult, n: int, reading: ScaleReading) -> None:
    """A grading reading as an Observation about its Condition."""
    code = local_coding("grading", reading.code) if reading.code else None
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"reading-{slug(condition.id)}-{n}",
        "status": "final",
        "code": concept(reading.scale, *([code] if code else [])),
        "subject": scope.subject,
        "focus": [scope.condition_ref(condition.id)],
        "effectiveDateTime": scope.day,
        "valueString": reading.value,
    }
    if reading.band:
        resource["interpretation"] = [_band(reading.band, scope.words)]
    if reading.note:
        resource["note"] = [{"text": reading.note}]
    if reading.sources:
        resource["extension"] = citation_extensions(reading.sources, scope.index)
    scope.builder.add(resource)


def _band(band: str, words: Localizer) -> dict[str, Any]:
    """A reading's band as dorsum's code and words in the reader's language, never the code."""
    interpretation: dict[str, Any] = {"coding": [local_coding("grading-band", band)]}
    text = wording.band_word(band, words)
    if text is not None:
        interpretation["text"] = text
    return interpretation


def _exclusion(scope: Scope, n: int, item: Exclusion) -> None:
    """An excluded or deferred option as a DetectedIssue with every reason and wait."""
    name = wording.name(item.treatment, scope.index, scope.words)
    evidence = []
    for reason in item.reasons:
        extensions = citation_extensions(reason.sources, scope.index)
        if reason.until is not None:
            extensions.insert(
                0, {"url": EXTENSION + "wait-until", "valueDate": reason.until.isoformat()}
            )
        entry: dict[str, Any] = {
            "code": [concept(reason.text, local_coding("exclusion-reason", reason.code))]
        }
        if extensions:
            entry["extension"] = extensions
        evidence.append(entry)
    only_waits = all(r.until is not None for r in item.reasons)  # deferred, not ruled out
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": f"exclusion-{n}",
        "status": "final",
        "severity": "moderate" if only_waits else "high",
        "code": concept(name, local_coding("treatment", item.treatment, name)),
        "patient": scope.subject,
        "identifiedDateTime": scope.day,
        "implicated": [scope.condition_ref(item.condition)],
        "evidence": evidence,
        "detail": " ".join(r.text for r in item.reasons),  # a wait's text says its date
    }
    scope.builder.add(resource)
    for m, caution in enumerate(item.cautions, start=1):
        about = scope.condition_ref(item.condition)
        add_caution(scope, f"exclusion-{n}-caution-{m}", caution, about)


def _provenance(scope: Scope, assessment: Assessment) -> None:
    """What the assessment rests on: the knowledge-base version and the rules that fired."""
    targets = [{"reference": e["fullUrl"]} for e in scope.builder.entries]
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": "provenance",
        "target": targets or [scope.subject],
        "recorded": f"{scope.day}T00:00:00Z",  # the given today, never the clock
        "agent": [{"who": {"display": "dorsum"}}],  # the product's name, in every language
        "entity": [
            {
                "role": "source",
                "what": {
                    "identifier": {
                        "system": "https://dorsum.dev/fhir/knowledge-base",
                        "value": assessment.knowledge_base_version,
                    },
                },
            }
        ],
        "extension": [
            {"url": EXTENSION + "rule-fired", "valueString": line} for line in assessment.trace
        ],
    }
    if not resource["extension"]:
        del resource["extension"]
    scope.builder.add(resource)
