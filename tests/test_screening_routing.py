"""Routing a raw line to its patient without parsing it: the hint is the patient the parse would
find, or the line turns out to belong to no patient (and pass two sees that); never another
patient, however the JSON is written."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dorsum.fhir.reading import READERS, patient_id_of
from dorsum.screening.routing import has_owner, owner_hint

IDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
REFERENCES = st.one_of(
    IDS.map(lambda pid: f"Patient/{pid}"),
    IDS.map(lambda pid: f"https://ehr.example/fhir/Patient/{pid}/_history/2"),
    IDS,  # not a Patient reference at all
)
KINDS = st.sampled_from([*READERS, "Encounter", "Immunization"])
OWNER_KEYS = st.sampled_from(["subject", "patient"])


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    """A resource whose subject, patient or id may be top-level, nested, doubled or missing."""
    resource: dict[str, Any] = {"resourceType": draw(KINDS), "status": "final"}
    if draw(st.booleans()):
        resource["id"] = draw(IDS)
    for _ in range(draw(st.integers(0, 2))):
        owner = {"reference": draw(REFERENCES)}
        if draw(st.booleans()):
            owner["display"] = draw(IDS)
        where = draw(st.sampled_from(["top", "nested", "contained"]))
        key = draw(OWNER_KEYS)
        if where == "top":
            resource[key] = owner
        elif where == "nested":
            resource["extension"] = [{"url": "x", "valueReference": {key: owner, "id": "n"}}]
        else:
            resource["contained"] = [{"resourceType": "Patient", "id": draw(IDS), key: owner}]
    return resource


@given(resource=resources(), ascii_only=st.booleans(), compact=st.booleans())
def test_the_hint_is_the_owner_or_the_resource_has_none(
    resource: dict[str, Any], ascii_only: bool, compact: bool
) -> None:
    """A hinted line is the hinted patient's when pass two finds it has an owner, else nobody's."""
    separators = (",", ":") if compact else (", ", ": ")
    line = json.dumps(resource, ensure_ascii=ascii_only, separators=separators).encode() + b"\n"
    hint = owner_hint(line)
    if hint is None:
        return
    owner = patient_id_of(resource) if resource["resourceType"] in READERS else None
    assert resource["resourceType"] in READERS
    if has_owner(resource):
        assert owner == hint.decode()
    else:
        assert owner is None


def test_common_shapes_are_routed_without_a_parse() -> None:
    """Bulk-export Observations and Patients are routed from their bytes."""
    observation = b'{"resourceType":"Observation","subject":{"reference":"Patient/p7"}}\n'
    patient = b'{"resourceType":"Patient","id":"p7","birthDate":"2001-02-03"}\n'
    assert owner_hint(observation) == owner_hint(patient) == b"p7"


def test_lines_with_escapes_or_doubled_keys_are_left_to_the_parse() -> None:
    """A backslash, or two subject/patient tokens, mean only a parse can tell the owner."""
    escaped = b'{"resourceType":"Observation","subject":{"reference":"Patient\\/p7"}}'
    doubled = (
        b'{"resourceType":"Observation","subject":{"reference":"Patient/p7"},'
        b'"subject":{"reference":"Patient/p8"}}'
    )
    assert owner_hint(escaped) is None
    assert owner_hint(doubled) is None
