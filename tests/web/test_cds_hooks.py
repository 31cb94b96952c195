"""The CDS Hooks 2.0 service over HTTP: discovery, patient-view, order-select and order-sign,
prefetch and fetching from a real local FHIR server, and every refusal a 4xx with a reason.
Requests carry real ES384/RS384 JWTs signed by a test EHR whose key set is served over HTTP.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import dorsum
from dorsum.cds.cards import summary_card
from dorsum.cds.fetching import MAX_PAGES
from dorsum.core.intake import Intake
from dorsum.fhir.writing import intake_resources
from dorsum.i18n import Localizer
from dorsum.settings import Settings
from dorsum.storage.database import session_factory
from dorsum.storage.migrate import upgrade
from dorsum.storage.tables import CdsCard
from dorsum.web.app import create_app
from dorsum.web.deps import FixedClock
from tests.fhir_server import EHR_FOR_TESTS as EHR
from tests.fhir_server import Ehr, FhirServer, serving
from tests.web.conftest import _seed as seed

SCHEMAS = Path(__file__).parent.parent / "cds_schemas"
EXAMPLES = Path(dorsum.__file__).parent / "examples"
BASE = "https://testserver/cds-services"
NOW = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)  # the clinic's day (Europe/Madrid) at NOW
PATIENT = "p1"


def schema(name: str) -> jsonschema.Validator:
    document = json.loads((SCHEMAS / f"{name}.json").read_text())
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return jsonschema.Draft202012Validator(document, format_checker=checker)


CARDS, DISCOVERY, ERROR = schema("cards"), schema("discovery"), schema("error")


def intake(example: str, **history: Any) -> Intake:
    data = json.loads((EXAMPLES / f"{example}.json").read_text())
    if history:
        data.setdefault("history", {}).update(history)
    return Intake.model_validate(data)


def resources(of: Intake) -> list[dict[str, Any]]:
    return intake_resources(of, today=TODAY, patient_id=PATIENT)


def prefetch(of: Intake) -> dict[str, Any]:
    """The prefetch an EHR would send: each template's search as a searchset Bundle."""
    found = resources(of)

    def bundle(kind: str) -> dict[str, Any]:
        entries = [{"resource": r} for r in found if r["resourceType"] == kind]
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    return {
        "patient": next(r for r in found if r["resourceType"] == "Patient"),
        "conditions": bundle("Condition"),
        "observations": bundle("Observation"),
        "medicationStatements": bundle("MedicationStatement"),
        "medicationRequests": bundle("MedicationRequest"),
        "allergies": bundle("AllergyIntolerance"),
    }


@dataclass
class Cds:
    client: TestClient
    server: FhirServer
    url: str

    def token(self, service: str = "dorsum-patient-view", **options: Any) -> str:
        return EHR.token(f"{BASE}/{service}", now=NOW.timestamp(), **options)

    def call(
        self,
        service: str,
        body: Any,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"Authorization": f"Bearer {token or self.token(service)}", **(headers or {})}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(f"/cds-services/{service}", content=content, headers=sent)

    def cards_issued(self) -> int:
        with session_factory(self.client.app.state.engine)() as db:  # type: ignore[attr-defined]
            return db.scalar(select(func.count()).select_from(CdsCard)) or 0


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, seeded database, copied for each test (migrating takes most of a second)."""
    path = tmp_path_factory.mktemp("cds") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    seed(f"sqlite:///{path}")
    return path


def make_app(tmp_path: Path, server: FhirServer, template: Path, **settings: Any) -> Any:
    database = tmp_path / "cds.sqlite3"
    shutil.copyfile(template, database)
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{database}",
        "auto_migrate": False,
        "public_clinic": "alpha",
        "photo_dir": str(tmp_path / "photos"),
        "cds_issuers": {EHR.issuer: server.url + "/jwks.json"},
        "cds_service_url": BASE,
        "cds_fhir_connect_timeout": 0.5,
        "cds_fhir_read_timeout": 0.5,
    }
    values.update(settings)
    return create_app(Settings(**values), clock=FixedClock(NOW))


@pytest.fixture
def cds(tmp_path: Path, migrated: Path) -> Iterator[Cds]:
    with serving(FhirServer(key_sets={"/jwks.json": EHR.jwks()})) as server:
        app = make_app(tmp_path, server, migrated)
        with TestClient(app, base_url="https://testserver") as client:
            yield Cds(client=client, server=server, url=app.state.settings.database_url)
        app.state.engine.dispose()


def hook_request(hook: str, of: Intake | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/9", "patientId": PATIENT},
    }
    if of is not None:
        body["prefetch"] = prefetch(of)
    body.update(extra)
    return body


def draft(order_id: str, *, text: str = "", code: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text} if text else {}
    if code:
        concept["coding"] = [
            {"system": "https://dorsum.dev/fhir/CodeSystem/treatment", "code": code}
        ]
    return {
        "resourceType": "ServiceRequest",
        "id": order_id,
        "status": "draft",
        "intent": "proposal",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "code": concept,
    }


def orders(*drafts: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": d} for d in drafts],
    }


# ---- discovery --------------------------------------------------------------------------------


def test_discovery_lists_the_three_services_with_prefetch_templates(cds: Cds) -> None:
    """GET /cds-services describes patient-view, order-select and order-sign, schema-valid."""
    response = cds.client.get("/cds-services")
    assert response.status_code == 200
    DISCOVERY.validate(response.json())
    services = {s["id"]: s for s in response.json()["services"]}
    assert {s: services[s]["hook"] for s in services} == {
        "dorsum-patient-view": "patient-view",
        "dorsum-order-select": "order-select",
        "dorsum-order-sign": "order-sign",
    }
    for service in services.values():
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"


# ---- patient-view -----------------------------------------------------------------------------


def test_patient_view_renders_the_assessment_of_the_prefetched_record(cds: Cds) -> None:
    """The card is the summary renderer of the very assessment dorsum.assess gives the intake."""
    patient = intake("pregnant-acne")
    response = cds.call("dorsum-patient-view", hook_request("patient-view", patient))
    assert response.status_code == 200, response.text
    CARDS.validate(response.json())
    [card] = response.json()["cards"]
    assessment = dorsum.assess(patient, today=TODAY, index=cds.client.app.state.index)  # type: ignore[attr-defined]
    expected = summary_card(
        assessment,
        index=cds.client.app.state.index,  # type: ignore[attr-defined]
        loc=Localizer("en"),
        uuid=card["uuid"],
        link="https://testserver/patients/new",
    )
    assert card == expected
    assert card["indicator"] == "info"
    assert card["source"]["url"].startswith("http")
    assert cds.cards_issued() == 1


def test_patient_view_speaks_the_language_the_request_asks(cds: Cds) -> None:
    """Accept-Language: es gives the same card in Spanish."""
    patient = intake("teen-back-acne")
    body = hook_request("patient-view", patient)
    english = cds.call("dorsum-patient-view", body).json()["cards"][0]
    spanish = cds.call("dorsum-patient-view", body, headers={"Accept-Language": "es-ES"})
    card = spanish.json()["cards"][0]
    CARDS.validate(spanish.json())
    assert card["summary"] != english["summary"]
    assert card["links"][0]["label"] == Localizer("es").gettext("Open in dorsum")


def test_an_urgent_referral_makes_the_card_a_warning(cds: Cds) -> None:
    """A suspicious mole (urgent referral) raises the indicator to warning."""
    patient = intake("teen-back-acne", suspicious_pigmented_lesion=True)
    response = cds.call("dorsum-patient-view", hook_request("patient-view", patient))
    assert response.json()["cards"][0]["indicator"] == "warning"


def test_each_issued_card_has_its_own_uuid(cds: Cds) -> None:
    """Two calls, two cards, two uuids, both remembered for feedback."""
    body = hook_request("patient-view", intake("stretch-marks"))
    first = cds.call("dorsum-patient-view", body).json()["cards"][0]["uuid"]
    second = cds.call("dorsum-patient-view", body).json()["cards"][0]["uuid"]
    assert first != second
    assert cds.cards_issued() == 2


# ---- fetching what was not prefetched ---------------------------------------------------------


def fetching_request(cds: Cds, **extra: Any) -> dict[str, Any]:
    body = hook_request(
        "patient-view",
        None,
        fhirServer=cds.server.fhir,
        fhirAuthorization={
            "access_token": "ehr-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Observation.read",
            "subject": "cds-service",
        },
    )
    return {**body, **extra}


def test_without_prefetch_the_record_is_read_from_the_fhir_server(cds: Cds) -> None:
    """The service searches the EHR's FHIR server itself, with the lent token as Bearer."""
    patient = intake("pregnant-acne")
    cds.server.resources = resources(patient)
    response = cds.call("dorsum-patient-view", fetching_request(cds))
    assert response.status_code == 200, response.text
    with_prefetch = cds.call("dorsum-patient-view", hook_request("patient-view", patient))
    assert response.json()["cards"][0]["summary"] == with_prefetch.json()["cards"][0]["summary"]
    seen = zip(cds.server.authorizations, cds.server.requests, strict=True)
    fhir_calls = [a for a, path in seen if path.startswith("/fhir")]
    assert len(fhir_calls) == 6  # one search per prefetch template
    assert set(fhir_calls) == {"Bearer ehr-access-token"}


def test_an_absent_prefetch_key_is_fetched_and_the_rest_is_used(cds: Cds) -> None:
    """A key the EHR did not send is read from the server; the others are not."""
    patient = intake("teen-back-acne")
    cds.server.resources = resources(patient)
    sent = {k: v for k, v in prefetch(patient).items() if k != "observations"}
    response = cds.call("dorsum-patient-view", fetching_request(cds, prefetch=sent))
    assert response.status_code == 200, response.text
    fetched = [p for p in cds.server.requests if p.startswith("/fhir")]
    assert fetched == [f"/fhir/Observation?patient={PATIENT}"]


def test_a_null_prefetch_key_means_no_data_and_is_not_fetched(cds: Cds) -> None:
    """null is the EHR saying it has nothing for that template (the specification's MUST)."""
    patient = intake("teen-back-acne")
    sent = {**prefetch(patient), "allergies": None, "medicationRequests": None}
    response = cds.call("dorsum-patient-view", fetching_request(cds, prefetch=sent))
    assert response.status_code == 200, response.text
    assert [p for p in cds.server.requests if p.startswith("/fhir")] == []


ERROR_OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "timeout", "diagnostics": "search timed out"}],
}


@pytest.mark.parametrize("where", ["alone", "in the bundle"])
def test_a_prefetch_the_ehr_failed_to_fill_is_fetched(cds: Cds, where: str) -> None:
    """An OperationOutcome error in place of the data: dorsum reads that template itself."""
    patient = intake("mild-scars-after-isotretinoin")
    cds.server.resources = resources(patient)
    failed: dict[str, Any] = ERROR_OUTCOME
    if where == "in the bundle":
        failed = {**prefetch(patient)["medicationStatements"]}
        failed["entry"] = [*failed["entry"], {"resource": ERROR_OUTCOME}]
    sent = {**prefetch(patient), "medicationStatements": failed}
    response = cds.call("dorsum-patient-view", fetching_request(cds, prefetch=sent))
    full = cds.call("dorsum-patient-view", hook_request("patient-view", patient))
    assert response.status_code == 200, response.text
    assert [p for p in cds.server.requests if p.startswith("/fhir")] == [
        f"/fhir/MedicationStatement?patient={PATIENT}&_include=MedicationStatement:medication"
    ]
    assert response.json()["cards"][0]["detail"] == full.json()["cards"][0]["detail"]


def test_a_failed_prefetch_without_a_server_is_a_412(cds: Cds) -> None:
    """The EHR could not read it and dorsum cannot either: never an assessment without it."""
    patient = intake("mild-scars-after-isotretinoin")
    body = hook_request("patient-view", patient)
    body["prefetch"]["medicationStatements"] = ERROR_OUTCOME
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 412
    assert "prefetch.medicationStatements" in response.json()["reason"]


def test_a_paginated_prefetch_is_read_to_its_last_page(cds: Cds) -> None:
    """The EHR MAY page a prefetch: dorsum follows the next links on the FHIR server."""
    patient = intake("mild-scars-after-isotretinoin")
    cds.server.resources = resources(patient)
    cds.server.page_size = 1
    first_page = cds.server.answer("/fhir/Observation", {"patient": [PATIENT]})[1]
    assert "link" in first_page
    sent = {**prefetch(patient), "observations": first_page}
    response = cds.call("dorsum-patient-view", fetching_request(cds, prefetch=sent))
    full = cds.call("dorsum-patient-view", hook_request("patient-view", patient))
    assert response.status_code == 200, response.text
    assert response.json()["cards"][0]["detail"] == full.json()["cards"][0]["detail"]
    assert all("_offset" in p for p in cds.server.requests if p.startswith("/fhir"))


def test_a_paginated_prefetch_without_a_server_is_a_412(cds: Cds) -> None:
    """Pages dorsum cannot read: 412, not an assessment on the first page alone."""
    patient = intake("mild-scars-after-isotretinoin")
    cds.server.resources = resources(patient)
    cds.server.page_size = 1
    body = hook_request("patient-view", patient)
    body["prefetch"]["observations"] = cds.server.answer(
        "/fhir/Observation", {"patient": [PATIENT]}
    )[1]
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 412
    assert "prefetch.observations" in response.json()["reason"]


def test_searches_are_read_page_by_page(cds: Cds) -> None:
    """A paged search on the FHIR server is read to its end: the same card as one page."""
    patient = intake("mild-scars-after-isotretinoin")
    cds.server.resources = resources(patient)
    whole = cds.call("dorsum-patient-view", fetching_request(cds)).json()
    cds.server.page_size = 1
    paged = cds.call("dorsum-patient-view", fetching_request(cds)).json()
    assert paged["cards"][0]["detail"] == whole["cards"][0]["detail"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"page_size": 1, "next_base": "http://elsewhere.example/fhir"}, "another server"),
        ({"padding": 6_000_000}, "too large"),
    ],
)
def test_what_cannot_be_read_safely_is_a_412(cds: Cds, change: dict[str, Any], words: str) -> None:
    """A next page on another server (the token stays home) or a huge answer: 412."""
    cds.server.resources = resources(intake("mild-scars-after-isotretinoin"))
    for name, value in change.items():
        setattr(cds.server, name, value)
    response = cds.call("dorsum-patient-view", fetching_request(cds))
    assert response.status_code == 412, response.text
    ERROR.validate(response.json())
    assert words in response.json()["reason"]
    assert not any("elsewhere" in p for p in cds.server.requests)


def test_more_pages_than_dorsum_reads_is_a_412(cds: Cds) -> None:
    """A search longer than MAX_PAGES pages is refused rather than cut short."""
    patient = intake("mild-scars-after-isotretinoin")
    observations = [r for r in resources(patient) if r["resourceType"] == "Observation"]
    cds.server.resources = resources(patient) + [
        {**observations[0], "id": f"extra-{n}"} for n in range(MAX_PAGES)
    ]
    cds.server.page_size = 1
    response = cds.call("dorsum-patient-view", fetching_request(cds))
    assert response.status_code == 412
    assert "pages" in response.json()["reason"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"fhirServer": "http://[::1"}, "fhirServer"),
        ({"fhirServer": "http://ehr.example:port/fhir"}, "fhirServer"),
        ({"fhirServer": "file:///etc/passwd"}, "fhirServer"),
        ({"fhirServer": None}, "fhirServer is required"),
        ({"fhirAuthorization": {"access_token": "t"}}, "fhirAuthorization.scope"),
    ],
)
def test_a_bad_fhir_server_or_authorization_is_a_400(
    cds: Cds, change: dict[str, Any], words: str
) -> None:
    """fhirServer must be an http(s) base URL, and comes with fhirAuthorization: else 400."""
    body = _with(fetching_request(cds), **change)
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 400, response.text
    assert words in response.json()["reason"]
    assert not [p for p in cds.server.requests if p.startswith("/fhir")]


def test_a_condition_about_another_patient_is_refused(cds: Cds) -> None:
    """A prefetched resource whose subject is someone else is a 400, not their data mixed in."""
    body = hook_request("patient-view", intake("pregnant-acne"))
    entry = body["prefetch"]["conditions"]["entry"][0]
    entry["resource"] = {**entry["resource"], "subject": {"reference": "Patient/someone-else"}}
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 400
    assert "another patient" in response.json()["reason"]


def test_absolute_references_to_the_patient_are_the_patient(cds: Cds) -> None:
    """https://ehr.example/fhir/Patient/p1 names the same patient as Patient/p1."""
    body = hook_request("patient-view", intake("pregnant-acne"))
    entry = body["prefetch"]["conditions"]["entry"][0]
    absolute = {"reference": f"https://ehr.example/fhir/Patient/{PATIENT}"}
    entry["resource"] = {**entry["resource"], "subject": absolute}
    assert cds.call("dorsum-patient-view", body).status_code == 200


def test_a_prefetched_patient_must_be_the_context_patient(cds: Cds) -> None:
    """Another patient's record in the prefetch is refused, never mixed in."""
    body = hook_request("patient-view", intake("teen-back-acne"))
    body["prefetch"]["patient"] = {**body["prefetch"]["patient"], "id": "someone-else"}
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 400
    assert "context.patientId" in response.json()["reason"]


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ({"status": 503}, "answered 503"),
        ({"status": 401}, "answered 401"),
        ({"delay": 1.0}, "in time"),
    ],
)
def test_a_fhir_server_that_fails_or_is_slow_is_a_412(
    cds: Cds, failure: dict[str, Any], words: str
) -> None:
    """Down, refusing or slower than the read timeout: 412 Precondition Failed with a reason."""
    cds.server.resources = resources(intake("teen-back-acne"))
    for name, value in failure.items():
        setattr(cds.server, name, value)
    response = cds.call("dorsum-patient-view", fetching_request(cds))
    assert response.status_code == 412
    ERROR.validate(response.json())
    assert words in response.json()["reason"]


def test_an_unreachable_fhir_server_is_a_412(cds: Cds) -> None:
    """Nobody listening: 412, not a 500."""
    body = fetching_request(cds, fhirServer="http://127.0.0.1:9/fhir")
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 412
    assert "could not be reached" in response.json()["reason"]


def test_missing_prefetch_and_no_fhir_server_is_a_412(cds: Cds) -> None:
    """With neither the data nor a server to read it from, the service cannot answer."""
    response = cds.call("dorsum-patient-view", hook_request("patient-view", None))
    assert response.status_code == 412
    assert "prefetch.patient" in response.json()["reason"]


# ---- bad requests -----------------------------------------------------------------------------


def _with(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = {**body, **changes}
    return {k: v for k, v in changed.items() if v is not None}


BAD_REQUESTS: list[tuple[str, Any, str]] = [
    ("not JSON", b"{not json", "not valid JSON"),
    ("no hook", {"hook": None}, "hook"),
    ("no hookInstance", {"hookInstance": None}, "hookInstance"),
    ("no context", {"context": None}, "context"),
    ("wrong hook", {"hook": "order-sign"}, "patient-view"),
    ("no patient", {"context": {"userId": "Practitioner/9"}}, "context.patientId"),
    ("bad patient id", {"context": {"patientId": "../../x"}}, "context.patientId"),
    ("prefetch not FHIR", {"prefetch": {"patient": "nonsense"}}, "prefetch.patient"),
    (
        "odd bundle",
        {"prefetch": {"patient": {"resourceType": "Bundle", "type": "weird"}}},
        "prefetch.patient",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "words"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS]
)
def test_a_bad_request_is_a_400_naming_the_field(
    cds: Cds, case: str, change: Any, words: str
) -> None:
    """Whatever is wrong with the body, the answer is 400 with a reason that names it."""
    base = hook_request("patient-view", intake("teen-back-acne"))
    body: Any = change if isinstance(change, bytes) else _with(base, **change)
    if case in {"prefetch not FHIR", "odd bundle"}:
        body["prefetch"] = {**base["prefetch"], **change["prefetch"]}
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 400, response.text
    ERROR.validate(response.json())
    assert words in response.json()["reason"]


def test_an_unknown_service_is_a_404(cds: Cds) -> None:
    """No such service id: 404 with a reason."""
    response = cds.call("dorsum-nothing", hook_request("patient-view", None))
    assert response.status_code == 404
    ERROR.validate(response.json())


# ---- JWT --------------------------------------------------------------------------------------

AUD = f"{BASE}/dorsum-patient-view"
FORGED = Ehr(issuer=EHR.issuer, ec=Ehr().ec, rsa=EHR.rsa)  # same kid, different key
BAD_TOKENS: dict[str, Any] = {
    "forged signature": lambda: FORGED.token(AUD, now=NOW.timestamp()),
    "expired": lambda: EHR.token(AUD, now=NOW.timestamp() - 3000),
    "wrong audience": lambda: EHR.token(
        "https://elsewhere.example/cds-services", now=NOW.timestamp()
    ),
    "unknown issuer": lambda: Ehr(issuer="https://x.example", ec=EHR.ec, rsa=EHR.rsa).token(
        AUD, now=NOW.timestamp()
    ),
    "jku not allowlisted": lambda: EHR.token(
        AUD, now=NOW.timestamp(), header={"jku": "https://evil.example/jwks.json"}
    ),
    "wrong alg": lambda: EHR.token(AUD, now=NOW.timestamp(), alg="RS256", key=EHR.rsa),
    "no jti": lambda: EHR.token(AUD, now=NOW.timestamp(), jti=None),
    "not a JWT": lambda: "abc.def",
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_an_untrusted_token_is_a_401(cds: Cds, case: str) -> None:
    """Forged, expired, wrong-audience, unknown-issuer, bad jku, bad alg: 401 with a reason."""
    body = hook_request("patient-view", intake("teen-back-acne"))
    response = cds.call("dorsum-patient-view", body, token=BAD_TOKENS[case]())
    assert response.status_code == 401, response.text
    ERROR.validate(response.json())
    assert cds.cards_issued() == 0


def test_no_authorization_header_is_a_401(cds: Cds) -> None:
    """Every call must carry the EHR's JWT."""
    body = json.dumps(hook_request("patient-view", intake("teen-back-acne")))
    response = cds.client.post("/cds-services/dorsum-patient-view", content=body)
    assert response.status_code == 401


def test_a_replayed_token_is_a_401(cds: Cds) -> None:
    """The same jti twice: the second call is refused."""
    body = hook_request("patient-view", intake("teen-back-acne"))
    token = cds.token()
    assert cds.call("dorsum-patient-view", body, token=token).status_code == 200
    replay = cds.call("dorsum-patient-view", body, token=token)
    assert replay.status_code == 401
    assert "jti" in replay.json()["reason"]


def test_a_token_whose_call_is_refused_is_still_spent(cds: Cds) -> None:
    """A token used for a refused call (412) cannot be replayed later."""
    token = cds.token()
    first = cds.call("dorsum-patient-view", hook_request("patient-view", None), token=token)
    assert first.status_code == 412
    body = hook_request("patient-view", intake("teen-back-acne"))
    assert cds.call("dorsum-patient-view", body, token=token).status_code == 401


def test_rs384_tokens_are_accepted_too(cds: Cds) -> None:
    """The EHR may sign with RS384."""
    body = hook_request("patient-view", intake("teen-back-acne"))
    assert cds.call("dorsum-patient-view", body, token=cds.token(alg="RS384")).status_code == 200


def test_the_discovery_url_is_not_an_audience_for_a_service(cds: Cds) -> None:
    """aud MUST be the endpoint being called: a token for discovery cannot call a service."""
    body = hook_request("patient-view", intake("teen-back-acne"))
    token = EHR.token(BASE, now=NOW.timestamp())
    response = cds.call("dorsum-patient-view", body, token=token)
    assert response.status_code == 401
    assert "aud" in response.json()["reason"]


def test_the_host_header_cannot_choose_the_audience(cds: Cds) -> None:
    """A token minted for another CDS service stays refused whatever Host the caller claims."""
    body = hook_request("patient-view", intake("teen-back-acne"))
    token = EHR.token("https://other.example/cds-services/dorsum-patient-view", now=NOW.timestamp())
    response = cds.call("dorsum-patient-view", body, token=token, headers={"Host": "other.example"})
    assert response.status_code == 401
    assert "aud" in response.json()["reason"]


def test_without_the_service_url_every_verified_call_is_refused(
    tmp_path: Path, migrated: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No DORSUM_CDS_SERVICE_URL, no audience to check: 401 naming the setting, not a guess;
    and the server says so at start-up."""
    with (
        serving(FhirServer(key_sets={"/jwks.json": EHR.jwks()})) as server,
        caplog.at_level(logging.WARNING, "dorsum.cds"),
    ):
        app = make_app(tmp_path, server, migrated, cds_service_url="")
        with TestClient(app, base_url="https://testserver") as client:
            cds = Cds(client=client, server=server, url="")
            body = hook_request("patient-view", intake("teen-back-acne"))
            response = cds.call("dorsum-patient-view", body)
        app.state.engine.dispose()
    assert response.status_code == 401
    assert "DORSUM_CDS_SERVICE_URL" in response.json()["reason"]
    assert any("DORSUM_CDS_SERVICE_URL" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/cds-services/dorsum-patient-view", 405),
        ("GET", "/cds-services/dorsum-order-sign/feedback", 405),
        ("POST", "/cds-services/dorsum-patient-view/other", 404),
        ("DELETE", "/cds-services/nothing", 404),
    ],
)
def test_other_addresses_and_methods_answer_in_the_cds_error_shape(
    cds: Cds, method: str, path: str, status: int
) -> None:
    """Not only the hooks: every 4xx under /cds-services is {"error", "reason"}."""
    response = cds.client.request(method, path, content=b"{}")
    assert response.status_code == status
    ERROR.validate(response.json())


def test_verification_off_accepts_unsigned_calls_and_says_so_loudly(
    tmp_path: Path, migrated: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """DORSUM_CDS_VERIFY_JWT=false is for development: it works, and the log shouts."""
    with serving(FhirServer()) as server, caplog.at_level(logging.WARNING, "dorsum.cds"):
        app = make_app(tmp_path, server, migrated, cds_verify_jwt=False)
        with TestClient(app, base_url="https://testserver") as client:
            body = json.dumps(hook_request("patient-view", intake("teen-back-acne")))
            response = client.post("/cds-services/dorsum-patient-view", content=body)
        app.state.engine.dispose()
    assert response.status_code == 200
    assert any("NOT authenticated" in r.getMessage() for r in caplog.records)


# ---- order-select and order-sign --------------------------------------------------------------


def order_request(
    hook: str, patient: Intake, drafts: dict[str, Any], **context: Any
) -> dict[str, Any]:
    body = hook_request(hook, patient)
    body["context"] = {**body["context"], "draftOrders": drafts, **context}
    return body


def test_an_order_for_an_excluded_treatment_gets_a_warning_that_deletes_it(cds: Cds) -> None:
    """Pregnant: a chemical peel order draws a warning, the reason, and a delete suggestion."""
    patient = intake("pregnant-acne")
    body = order_request("order-sign", patient, orders(draft("sr-1", code="chemical_peel")))
    response = cds.call("dorsum-order-sign", body)
    assert response.status_code == 200, response.text
    CARDS.validate(response.json())
    [card] = response.json()["cards"]
    assessment = dorsum.assess(patient, today=TODAY)
    [excluded] = [e for e in assessment.excluded if e.treatment == "chemical_peel"]
    assert card["indicator"] == "warning"
    assert all(reason.text in card["detail"] for reason in excluded.reasons)
    [action] = card["suggestions"][0]["actions"]
    assert action == {
        "type": "delete",
        "description": action["description"],
        "resourceId": "ServiceRequest/sr-1",
    }
    assert card["overrideReasons"]


def test_a_deferred_treatment_names_the_date_it_may_start(cds: Cds) -> None:
    """After isotretinoin, a peel is deferred: the card says until when."""
    patient = intake("mild-scars-after-isotretinoin")
    body = order_request("order-sign", patient, orders(draft("sr-2", text="Chemical peel")))
    [card] = cds.call("dorsum-order-sign", body).json()["cards"]
    assessment = dorsum.assess(patient, today=TODAY)
    [excluded] = [e for e in assessment.excluded if e.treatment == "chemical_peel"]
    until = excluded.reasons[0].until
    assert until is not None
    assert Localizer("en").date(until) in card["summary"]


@pytest.mark.parametrize(
    "drafted",
    [
        draft("sr-3", code="benzoyl_peroxide"),  # recommended, not excluded
        draft("sr-4", text="Chest X-ray"),  # not a dorsum treatment
        draft("sr-5"),  # no code at all
    ],
)
def test_nothing_is_said_when_all_is_well(cds: Cds, drafted: dict[str, Any]) -> None:
    """Orders for allowed or unrelated treatments: an empty list of cards."""
    body = order_request("order-sign", intake("pregnant-acne"), orders(drafted))
    response = cds.call("dorsum-order-sign", body)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_an_order_card_gives_every_reason_from_every_condition(cds: Cds) -> None:
    """A peel excluded for acne and for acne scars: the one card gives each condition's reasons."""
    patient = Intake.model_validate(
        {
            "patient": {"age": 24, "fitzpatrick": 2},
            "history": {"isotretinoin_months_since_stop": 2},
            "findings": {"acne": {"papules": 12}, "acne_scars": {"rolling": 8, "boxcar": 4}},
        }
    )
    assessment = dorsum.assess(patient, today=TODAY)
    peel = [e for e in assessment.excluded if e.treatment == "chemical_peel"]
    assert len({e.condition for e in peel}) == 2  # the premise: excluded for both conditions
    body = order_request("order-sign", patient, orders(draft("sr-9", code="chemical_peel")))
    [card] = cds.call("dorsum-order-sign", body).json()["cards"]
    assert all(reason.text in card["detail"] for e in peel for reason in e.reasons)


def test_an_order_dorsum_could_not_weigh_is_said_to_be_unchecked(cds: Cds) -> None:
    """Acne diagnosed without counts: dorsum grades nothing, so a peel order is not silently
    passed as safe; an info card says it was not checked."""
    patient = Intake.model_validate(
        {"patient": {"age": 24}, "history": {"isotretinoin_months_since_stop": 2}}
    )
    body = order_request("order-sign", patient, orders(draft("sr-10", text="Chemical peel")))
    response = cds.call("dorsum-order-sign", body)
    CARDS.validate(response.json())
    [card] = response.json()["cards"]
    assert card["indicator"] == "info"
    assert "not checked" in card["summary"].lower()
    assert "suggestions" not in card


def test_a_chart_with_nothing_about_the_back_gets_no_card(cds: Cds) -> None:
    """patient-view on a record with no back-skin findings: an empty list, not a noise card."""
    patient = Intake.model_validate({"patient": {"age": 40}})
    response = cds.call("dorsum-patient-view", hook_request("patient-view", patient))
    assert response.status_code == 200, response.text
    assert response.json() == {"cards": []}


def test_spanish_names_match_an_order_too(cds: Cds) -> None:
    """An order written in Spanish ("Peeling químico") is matched to the same treatment."""
    spanish = Localizer("es").kb(cds.client.app.state.index.treatments["chemical_peel"].name)  # type: ignore[attr-defined]
    body = order_request(
        "order-sign", intake("pregnant-acne"), orders(draft("sr-6", text=spanish.upper()))
    )
    assert len(cds.call("dorsum-order-sign", body).json()["cards"]) == 1


def test_order_select_looks_only_at_the_selected_orders(cds: Cds) -> None:
    """order-select: an excluded order that is not among the selections draws no card."""
    drafts = orders(draft("sr-7", code="chemical_peel"), draft("sr-8", code="benzoyl_peroxide"))
    patient = intake("pregnant-acne")
    quiet = order_request("order-select", patient, drafts, selections=["ServiceRequest/sr-8"])
    assert cds.call(
        "dorsum-order-select", quiet, token=cds.token("dorsum-order-select")
    ).json() == {"cards": []}
    loud = order_request("order-select", patient, drafts, selections=["ServiceRequest/sr-7"])
    response = cds.call("dorsum-order-select", loud)
    [card] = response.json()["cards"]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "ServiceRequest/sr-7"


@pytest.mark.parametrize(
    ("context", "words"),
    [
        ({"draftOrders": "nothing"}, "context.draftOrders"),
        (
            {"draftOrders": orders({"resourceType": "ServiceRequest", "code": {"text": "x"}})},
            "no id",
        ),
    ],
)
def test_bad_draft_orders_are_a_400(cds: Cds, context: dict[str, Any], words: str) -> None:
    """Draft orders that are not a Bundle of identified orders: 400 naming the field."""
    body = hook_request("order-sign", intake("pregnant-acne"))
    body["context"].update(context)
    response = cds.call("dorsum-order-sign", body)
    assert response.status_code == 400
    assert words in response.json()["reason"]


def test_order_select_needs_its_selections(cds: Cds) -> None:
    """order-select without context.selections is a 400."""
    body = order_request(
        "order-select", intake("pregnant-acne"), orders(draft("sr-9", code="chemical_peel"))
    )
    response = cds.call("dorsum-order-select", body)
    assert response.status_code == 400
    assert "selections" in response.json()["reason"]


# ---- whatever is sent, never a 500 ----------------------------------------------------------

PREFETCH_KEYS = ["patient", "conditions", "observations"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "hook": st.sampled_from(["patient-view", "order-sign", "order-select"]) | JSON_VALUES,
        "hookInstance": st.text(max_size=10) | JSON_VALUES,
        "fhirServer": st.sampled_from(["http://127.0.0.1:9/fhir", "not a url"]) | JSON_VALUES,
        "fhirAuthorization": JSON_VALUES,
        "context": st.fixed_dictionaries(
            {},
            optional={
                "patientId": st.text(max_size=10) | JSON_VALUES,
                "draftOrders": JSON_VALUES,
                "selections": JSON_VALUES,
            },
        )
        | JSON_VALUES,
        "prefetch": st.dictionaries(
            st.sampled_from(["patient", "conditions", "observations"]), JSON_VALUES
        )
        | JSON_VALUES,
    },
)


SUFFIXES = ["", "/feedback"]


def test_no_request_makes_a_server_error(tmp_path: Path, migrated: Path) -> None:
    """Any JSON to any endpoint (verification off, so it reaches the work): a 2xx or a 4xx."""
    services = ["dorsum-patient-view", "dorsum-order-select", "dorsum-order-sign"]
    with serving(FhirServer()) as server:
        app = make_app(tmp_path, server, migrated, cds_verify_jwt=False)
        with TestClient(app, base_url="https://testserver") as client:

            @given(
                st.sampled_from(services), st.sampled_from(["", "/feedback"]), FIELDS | JSON_VALUES
            )
            @settings(max_examples=150, deadline=None, database=None, derandomize=True)
            def explore(service: str, suffix: str, body: Any) -> None:
                response = client.post(f"/cds-services/{service}{suffix}", content=json.dumps(body))
                assert response.status_code < 500, (service, suffix, body, response.text)
                if response.status_code >= 400:
                    ERROR.validate(response.json())

            explore()
        app.state.engine.dispose()


def test_a_body_over_the_size_limit_is_refused_in_the_cds_error_shape(cds: Cds) -> None:
    """A prefetch too big to take is a 413 with `error` and `reason`, like every CDS refusal."""
    body = b'{"hook": "patient-view", "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = cds.call("dorsum-patient-view", body)
    assert response.status_code == 413
    ERROR.validate(response.json())
