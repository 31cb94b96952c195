"""The JSON API speaks FHIR R4 too: `application/fhir+json` in, out, and as OperationOutcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import dorsum
from dorsum.core.validation import parse_intake
from dorsum.fhir.media import FHIR_JSON, accepts_fhir_json, is_fhir_json
from dorsum.fhir.questionnaire_response import questionnaire_response
from dorsum.fhir.r4b import validate_bundle, validate_resource
from dorsum.fhir.writing import intake_bundle
from dorsum.settings import Settings
from dorsum.web.app import create_app
from tests.conftest import EXAMPLES, TODAY
from tests.web.conftest import _seed

DAY = TODAY.isoformat()
NAMES = [p.stem for p in EXAMPLES]
SEND = {"content-type": FHIR_JSON}
BOTH = {"content-type": FHIR_JSON, "accept": FHIR_JSON}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One application for the module: these endpoints compute and store nothing."""
    folder = tmp_path_factory.mktemp("fhir-api")
    url = f"sqlite:///{folder / 'dorsum.sqlite3'}"
    settings = Settings(
        database_url=url, public_clinic="alpha", auto_migrate=True, photo_dir=str(folder)
    )
    app = create_app(settings)
    _seed(url)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
    app.state.engine.dispose()


def _intake(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(next(p for p in EXAMPLES if p.stem == name).read_text())
    return loaded


def _fhir_body(name: str) -> bytes:
    return json.dumps(intake_bundle(_intake(name), today=TODAY)).encode()


def _outcome(response: Any) -> list[str]:
    """The diagnostics of a FHIR error response, after checking its shape."""
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(FHIR_JSON)
    outcome = response.json()
    validate_resource(outcome)
    return [issue["diagnostics"] for issue in outcome["issue"]]


def test_a_fhir_bundle_gives_the_same_assessment_as_its_intake(client: TestClient) -> None:
    """Each example sent as FHIR resources is assessed exactly as its contract intake."""
    for name in NAMES:
        fhir = client.post(f"/api/assess?today={DAY}", content=_fhir_body(name), headers=SEND)
        plain = client.post(f"/api/assess?today={DAY}", json=_intake(name))
        assert fhir.status_code == 200, (name, fhir.text)
        assert fhir.json() == plain.json(), name


def test_accept_fhir_returns_the_assessment_bundle(client: TestClient) -> None:
    """`Accept: application/fhir+json` answers with a valid Bundle of the same assessment."""
    response = client.post(
        f"/api/assess?today={DAY}", content=_fhir_body("teen-back-acne"), headers=BOTH
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    bundle = response.json()
    validate_bundle(bundle)
    expected = dorsum.assess(_intake("teen-back-acne"), today=TODAY)
    conditions = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    assert len(conditions) == len(expected.conditions)


def test_the_answer_is_about_the_ehrs_own_patient(client: TestClient) -> None:
    """The Bundle's resources refer to the Patient id the request's resources carried."""
    body = json.dumps(intake_bundle(_intake("teen-back-acne"), today=TODAY, patient_id="ehr-42"))
    for path in ("/api/assess", "/api/plan"):
        response = client.post(f"{path}?today={DAY}", content=body, headers=BOTH)
        assert response.status_code == 200, response.text
        subjects = {
            e["resource"]["subject"]["reference"]
            for e in response.json()["entry"]
            if "subject" in e["resource"]
        }
        assert subjects == {"Patient/ehr-42"}


def test_a_contract_intake_can_ask_for_a_fhir_answer(client: TestClient) -> None:
    """A plain JSON intake with `Accept: application/fhir+json` also gets the Bundle."""
    response = client.post(
        f"/api/assess?today={DAY}", json=_intake("pregnant-acne"), headers={"accept": FHIR_JSON}
    )
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"


def test_the_fhir_answer_speaks_the_asked_language(client: TestClient) -> None:
    """`?language=es` words the Bundle's texts in Spanish, as it does the JSON."""
    spanish = client.post(
        f"/api/assess?today={DAY}&language=es", content=_fhir_body("teen-back-acne"), headers=BOTH
    ).json()
    expected = dorsum.assess(_intake("teen-back-acne"), today=TODAY, language="es")
    assert expected.recommendations[0].rationale in json.dumps(spanish, ensure_ascii=False)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"{not json", "body"),
        (b'{"resourceType": "Bundle", "type": "history", "entry": []}', "Bundle.type"),
        (b'{"hello": "world"}', "document"),
    ],
)
def test_unreadable_fhir_is_an_operation_outcome_naming_the_fault(
    client: TestClient, body: bytes, named: str
) -> None:
    """Not JSON, a wrong Bundle type, not a resource: a 4xx OperationOutcome, never a 500."""
    response = client.post(f"/api/assess?today={DAY}", content=body, headers=BOTH)
    assert any(named in d for d in _outcome(response))


def test_a_bundle_without_an_age_names_the_missing_field(client: TestClient) -> None:
    """Resources that do not make a valid intake give an OperationOutcome naming the field."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    response = client.post(f"/api/assess?today={DAY}", json=bundle, headers=BOTH)
    assert _outcome(response)


def test_a_bad_contract_intake_asking_for_fhir_gets_an_operation_outcome(
    client: TestClient,
) -> None:
    """In FHIR mode even a bad JSON intake is answered as FHIR: each bad field named."""
    response = client.post(
        f"/api/assess?today={DAY}", json={"patient": {"age": -1}}, headers={"accept": FHIR_JSON}
    )
    assert any("patient.age" in d for d in _outcome(response))


def test_a_bad_today_in_fhir_mode_is_an_operation_outcome(client: TestClient) -> None:
    """Query parameters are named too."""
    response = client.post(
        "/api/assess?today=21/11/2026", content=_fhir_body("bra-fat"), headers=BOTH
    )
    assert any("today" in d for d in _outcome(response))


def test_the_plan_endpoint_takes_fhir_and_returns_a_care_plan(client: TestClient) -> None:
    """FHIR resources in, options in the query string, a CarePlan Bundle out."""
    response = client.post(
        f"/api/plan?today={DAY}&start=2026-12-01",
        content=_fhir_body("teen-back-acne"),
        headers=BOTH,
    )
    assert response.status_code == 200, response.text
    bundle = response.json()
    validate_bundle(bundle)
    care_plan = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"
    )
    assert care_plan["period"]["start"] == "2026-12-01"


def test_the_plan_endpoint_reads_fhir_into_the_same_plan(client: TestClient) -> None:
    """The same intake as FHIR or as contract JSON gives the same plan JSON."""
    query = f"today={DAY}&start=2026-12-01&choose=benzoyl_peroxide"
    fhir = client.post(f"/api/plan?{query}", content=_fhir_body("teen-back-acne"), headers=SEND)
    plain = client.post(
        "/api/plan",
        json={
            "intake": _intake("teen-back-acne"),
            "today": DAY,
            "start": "2026-12-01",
            "choose": ["benzoyl_peroxide"],
        },
    )
    assert fhir.status_code == plain.status_code == 200, fhir.text
    assert fhir.json() == plain.json()


def test_a_plan_that_cannot_be_built_is_an_operation_outcome(client: TestClient) -> None:
    """Choosing an unknown treatment in FHIR mode is a 4xx OperationOutcome."""
    response = client.post(
        f"/api/plan?today={DAY}&choose=no_such_treatment",
        content=_fhir_body("teen-back-acne"),
        headers=BOTH,
    )
    assert _outcome(response)


def test_the_openapi_documents_the_fhir_bodies(client: TestClient) -> None:
    """Both endpoints list `application/fhir+json`; every schema reference resolves."""
    document = client.get("/openapi.json").json()
    for path in ("/api/assess", "/api/plan"):
        content = document["paths"][path]["post"]["requestBody"]["content"]
        assert set(content) == {"application/json", FHIR_JSON}
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for reference in {
        part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]
    }:
        assert reference in schemas


def test_the_older_fhir_mime_type_is_read_as_fhir(client: TestClient) -> None:
    """A body sent as `application/json+fhir` (FHIR DSTU2's type) is assessed as FHIR."""
    old = {"content-type": "application/json+fhir"}
    name = NAMES[0]
    fhir = client.post(f"/api/assess?today={DAY}", content=_fhir_body(name), headers=old)
    plain = client.post(f"/api/assess?today={DAY}", json=_intake(name))
    assert fhir.status_code == 200, fhir.text
    assert fhir.json() == plain.json()


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        ("application/fhir+json", True),
        ("application/json, application/fhir+json;q=0.9", True),
        ("APPLICATION/FHIR+JSON; fhirVersion=4.0", True),
        ("application/json+fhir", True),
        ("application/fhir+json;q=0", False),
        ("application/json", False),
        ("*/*", False),
        (None, False),
    ],
)
def test_which_accept_headers_ask_for_fhir(accept: str | None, wanted: bool) -> None:
    """FHIR JSON is sent only when named with a quality above zero (`*/*` keeps plain JSON)."""
    assert accepts_fhir_json(accept) is wanted


@pytest.mark.parametrize(
    ("content_type", "fhir"),
    [
        ("application/fhir+json", True),
        ("application/fhir+json; charset=utf-8", True),
        ("application/json+fhir", True),
        ("Application/JSON+FHIR; charset=UTF-8", True),
        ("application/json", False),
        (None, False),
    ],
)
def test_which_bodies_are_read_as_fhir(content_type: str | None, fhir: bool) -> None:
    """A body is FHIR when its Content-Type says so, whatever its parameters."""
    assert is_fhir_json(content_type) is fhir


def test_an_answered_intake_questionnaire_is_assessed_like_its_intake(client: TestClient) -> None:
    """A QuestionnaireResponse to dorsum's intake Questionnaire is read as the intake it answers."""
    for name in NAMES:
        answers = questionnaire_response(
            parse_intake(_intake(name)), today=TODAY, patient_id="ehr-7"
        )
        fhir = client.post(f"/api/assess?today={DAY}", json=answers, headers=SEND)
        plain = client.post(f"/api/assess?today={DAY}", json=_intake(name))
        assert fhir.status_code == 200, (name, fhir.text)
        assert fhir.json() == plain.json(), name


def test_a_questionnaire_response_with_an_unknown_question_is_an_operation_outcome(
    client: TestClient,
) -> None:
    """An answer dorsum's Questionnaire does not ask is a 4xx naming the linkId, never a 500."""
    answers = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [{"linkId": "patient.shoe_size", "answer": [{"valueInteger": 42}]}],
    }
    response = client.post(f"/api/assess?today={DAY}", json=answers, headers=BOTH)
    assert any("patient.shoe_size" in d for d in _outcome(response))
