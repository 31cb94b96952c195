"""From what a FHIR client sends (Bundle, resource, list, NDJSON) to a flat list of resources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dorsum.fhir import FhirError, intake_bundle, ndjson_resources, resources_in
from dorsum.fhir import read_tables as tables
from dorsum.fhir.codes import mapping_rows, mapping_table
from dorsum.fhir.documents import Malformed
from tests.conftest import TODAY

PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "2000-01-01"}
CONDITION = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}}


def bundle(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


@pytest.mark.parametrize("kind", ["transaction", "batch", "collection", "searchset", "document"])
def test_the_resources_of_a_bundle_are_its_entries(kind: str) -> None:
    """Transaction, batch, collection, searchset and document Bundles give their resources."""
    document = bundle(kind, {"resource": PATIENT}, {"resource": CONDITION})
    assert resources_in(document) == [PATIENT, CONDITION]


def test_entries_without_a_resource_are_left_out() -> None:
    """A transaction DELETE has no resource; it is not a resource of the patient."""
    delete = {"request": {"method": "DELETE", "url": "Condition/9"}}
    assert resources_in(bundle("transaction", {"resource": PATIENT}, delete)) == [PATIENT]


def test_a_single_resource_or_a_list_is_its_own_resources() -> None:
    """One resource gives itself; a list gives its items."""
    assert resources_in(PATIENT) == [PATIENT]
    assert resources_in([PATIENT, CONDITION]) == [PATIENT, CONDITION]


def test_references_to_urn_uuid_full_urls_become_relative() -> None:
    """A reference to an entry's urn:uuid fullUrl is rewritten to Type/id, the input untouched."""
    patient = {"resourceType": "Patient", "birthDate": "2000-01-01"}
    condition = {"resourceType": "Condition", "subject": {"reference": "urn:uuid:abc"}}
    document = bundle(
        "transaction",
        {"fullUrl": "urn:uuid:abc", "resource": patient},
        {"fullUrl": "urn:uuid:def", "resource": condition},
    )
    found = resources_in(document)
    assert found[0]["id"] == "abc"
    assert found[1]["subject"] == {"reference": "Patient/abc"}
    assert condition["subject"] == {"reference": "urn:uuid:abc"}


def test_a_bundle_dorsum_writes_reads_back_unchanged() -> None:
    """resources_in(intake_bundle(...)) gives exactly the resources written."""
    written = intake_bundle({"patient": {"age": 30}, "history": {"recent_tan": True}}, today=TODAY)
    assert resources_in(written) == [entry["resource"] for entry in written["entry"]]


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"resourceType": "Bundle", "type": "history", "entry": []}, "Bundle.type"),
        ({"resourceType": "Bundle", "type": "batch", "entry": {}}, "Bundle.entry"),
        (bundle("batch", {"resource": {"id": "x"}}), "Bundle.entry[0].resource"),
        ({"patient": {"age": 3}}, "document"),
        ("Patient", "document"),
        ([PATIENT, 3], "item 1"),
    ],
)
def test_what_is_not_fhir_is_an_error_naming_where(document: Any, where: str) -> None:
    """Unsupported Bundle types and things that are not resources are FhirErrors saying where."""
    with pytest.raises(FhirError) as raised:
        resources_in(document)
    assert raised.value.where == where


def test_ndjson_lines_give_resources_and_bad_lines_with_their_numbers() -> None:
    """Blank lines are ignored; lines that are not JSON or not resources are listed, not fatal."""
    lines = ['{"resourceType": "Patient", "id": "p1"}\n', "\n", "{not json\n", "[1, 2]\n", "{}"]
    read = ndjson_resources(lines, source="Patient.ndjson")
    assert read.resources == [{"resourceType": "Patient", "id": "p1"}]
    assert [(bad.line, bad.reason.split(" ")[0]) for bad in read.malformed] == [
        (3, "not"),
        (4, "not"),
        (5, "not"),
    ]
    assert read.malformed[1] == Malformed("Patient.ndjson", 4, "not a FHIR resource")


def test_a_malformed_line_is_reported_without_its_content() -> None:
    """The reason for a bad line never repeats what the line said (it may be patient data)."""
    read = ndjson_resources(['{"name": "Ana Secret"'], source="x.ndjson")
    assert "Secret" not in read.malformed[0].reason


def test_the_mapping_table_in_the_docs_is_the_one_codes_py_generates() -> None:
    """docs/fhir.md carries exactly the table `mapping_table()` renders from the code tables."""
    docs = (Path(__file__).parent.parent / "docs" / "fhir.md").read_text()
    start = docs.index("<!-- mapping-table:start -->\n") + len("<!-- mapping-table:start -->\n")
    end = docs.index("<!-- mapping-table:end -->")
    assert docs[start:end] == mapping_table()


def test_every_code_dorsum_reads_is_in_the_mapping_table() -> None:
    """Each reading table entry (system and code) appears as a row of the mapping table."""
    rows = {(row[1], row[2]) for row in mapping_rows()}
    keys = [*tables.MEASURES, *tables.CONDITIONS, *tables.MEDICATIONS, *tables.ALLERGENS]
    keys += list(tables.GOALS)
    missing = [key for key in keys if key not in rows and (key[0], _dotted(key[1])) not in rows]
    assert missing == []


def _dotted(icd10: str) -> str:
    """L700 -> L70.0 (the reading tables keep ICD-10 codes without the dot)."""
    return icd10 if len(icd10) <= 3 else f"{icd10[:3]}.{icd10[3:]}"


def test_a_byte_order_mark_does_not_cost_the_first_resource() -> None:
    """A file that starts with a BOM still gives its first line's resource."""
    read = ndjson_resources(['\ufeff{"resourceType": "Patient", "id": "p1"}\n'], source="x")
    assert read.resources == [{"resourceType": "Patient", "id": "p1"}]
    assert read.malformed == []
