"""An edit never loses what the form does not show: the consultation form round-trips the whole
intake, a rejected save leaves nothing behind, what is stored is the validated intake, and two
tabs editing one consultation get a conflict instead of a silent overwrite."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select, text

from dorsum.core.intake import Intake
from dorsum.services.bodymap import BodyMap
from dorsum.services.consultations import normalise
from dorsum.storage.database import session_factory
from dorsum.storage.tables import Consultation, ConsultationVersion
from dorsum.web.forms import FIELDS, field_for, form_values, read_form
from tests.conftest import EXAMPLES
from tests.strategies import intakes
from tests.web.browser_form import as_form_data, submitted
from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import TEEN, token_for

EXAMPLE_INTAKES = {path.stem: json.loads(path.read_text()) for path in EXAMPLES}
ZONED = {
    "zones": {
        "upper_left": {"papules": 20, "pustules": 6, "nodules": 3},
        "middle_right": {"rolling": 12, "boxcar": 8, "icepick": 6},
    }
}


def normalised(intake: dict[str, Any]) -> dict[str, Any]:
    return normalise(Intake.model_validate(intake)).model_dump(mode="json")


def _in_range(intake: dict[str, Any]) -> bool:
    target = (intake.get("goals") or {}).get("target_date")
    return target is None or "1900-01-01" <= target <= "2199-12-31"


def _with_fat_areas(intake: dict[str, Any]) -> dict[str, Any]:
    """The shared strategy leaves out the number of fat areas; the form has the field."""
    findings = dict(intake.get("findings") or {})
    if findings.get("localized_fat"):
        findings["localized_fat"] = {**findings["localized_fat"], "areas": 2}
    return {**intake, "findings": findings}


complete_intakes = intakes.filter(_in_range).map(_with_fat_areas)


def _create(site: Clinic, client: TestClient, intake: dict[str, Any], body_map: Any = None) -> int:
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Round Trip"}, headers=auth).json()
    payload: dict[str, Any] = {"intake": intake, "visit_date": "2026-11-02"}
    if body_map is not None:
        payload["body_map"] = body_map
    created = client.post(
        f"/api/patients/{patient['id']}/consultations", json=payload, headers=auth
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _versions(site: Clinic, consultation_id: int) -> list[ConsultationVersion]:
    with session_factory(site.app.state.engine)() as db:
        return list(
            db.scalars(
                select(ConsultationVersion)
                .where(ConsultationVersion.consultation_id == consultation_id)
                .order_by(ConsultationVersion.version)
            )
        )


def _save_with_note(client: TestClient, consultation_id: int, note: str) -> Any:
    page = client.get(f"/consultations/{consultation_id}")
    assert page.status_code == 200
    entries = [(k, v) for k, v in submitted(page.text, "consultation") if k != "note"]
    entries.append(("note", note))
    return client.post(
        f"/consultations/{consultation_id}", data=as_form_data(entries), follow_redirects=False
    )


def test_every_intake_field_has_a_form_field() -> None:
    """The form covers the contract: each leaf of the intake is some form field's path."""

    def leaves(model: Any, prefix: tuple[str, ...]) -> set[tuple[str, ...]]:
        found: set[tuple[str, ...]] = set()
        for name, info in model.model_fields.items():
            inner = _model_of(info.annotation)
            path = (*prefix, name)
            if name == "scars":
                path = (*path, "*")
            found |= leaves(inner, path) if inner else {path}
        return found

    covered = {field.path for field in FIELDS}
    assert leaves(Intake, ()) - covered == set()


def _model_of(annotation: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_of(argument)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("name", sorted(EXAMPLE_INTAKES))
def test_saving_only_a_new_note_keeps_every_example_intake(
    site: Clinic, client: TestClient, name: str
) -> None:
    """Every example, created through the API (no zones), survives an edit of the note."""
    sign_in(client, "practitioner@alpha.test")
    consultation_id = _create(site, client, EXAMPLE_INTAKES[name])
    saved = _save_with_note(client, consultation_id, "only the note changed")
    assert saved.status_code == 303, saved.text
    first, second = _versions(site, consultation_id)
    assert second.note == "only the note changed"
    assert second.intake == first.intake
    assert second.assessment["conditions"] == first.assessment["conditions"]
    assert second.assessment["referral"] == first.assessment["referral"]


def test_saving_only_a_new_note_keeps_zone_counts_scar_flags_and_severity(
    site: Clinic, client: TestClient
) -> None:
    """Entered zone by zone, the scar flags stay set and severe scars stay severe."""
    sign_in(client, "practitioner@alpha.test")
    intake = {
        "patient": {"age": 30, "fitzpatrick": 3},
        "findings": {
            "acne_scars": {"visible_at_social_distance": True, "flatten_on_stretch": False}
        },
    }
    consultation_id = _create(site, client, intake, body_map=ZONED)
    assert _save_with_note(client, consultation_id, "again").status_code == 303
    first, second = _versions(site, consultation_id)
    assert second.intake == first.intake
    assert second.intake["findings"]["acne_scars"]["visible_at_social_distance"] is True
    assert second.body_map == first.body_map
    grades = [(c["id"], c["severity"]) for c in second.assessment["conditions"]]
    assert grades == [(c["id"], c["severity"]) for c in first.assessment["conditions"]]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(intake=complete_intakes)
def test_the_form_round_trips_random_valid_intakes(
    site: Clinic, client: TestClient, intake: dict[str, Any]
) -> None:
    """intake → page → what the browser posts → intake is the identity."""
    sign_in(client, "practitioner@alpha.test")
    consultation_id = _create(site, client, intake)
    saved = _save_with_note(client, consultation_id, "n")
    assert saved.status_code == 303, saved.text
    first, second = _versions(site, consultation_id)[-2:]
    assert second.intake == first.intake == normalised(intake)


@given(intake=complete_intakes)
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_form_values_read_back_as_the_same_intake(intake: dict[str, Any]) -> None:
    """The pure halves agree: what the form shows reads back as the same intake."""
    shown = form_values(normalised(intake), {"zones": {}})
    lists = ("allergies", "acne_inducing_drugs")
    posted = {
        key: "on" if value is True else str(value)
        for key, value in shown.items()
        if value is not None and value is not False and key not in lists
    }
    read, body_map, problems = read_form({**posted, **{key: shown[key] for key in lists}})
    assert problems == []
    assert body_map == BodyMap()
    assert normalised(read) == normalised(intake)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"acne_inducing_drugs": ["lithium", "aspirin"]}, "acne_inducing_drugs"),
        ({"allergies": ["penicillin"]}, "allergies"),
        ({"androgen_excess_signs": "maybe"}, "androgen_excess_signs"),
        ({"isotretinoin": "sometimes"}, "isotretinoin"),
        ({"isotretinoin": "stopped", "isotretinoin_months": "0"}, "isotretinoin_months"),
        ({"isotretinoin": "taking", "isotretinoin_months": "3"}, "isotretinoin_months"),
    ],
)
def test_a_value_the_form_cannot_hold_is_refused_never_dropped(
    form: dict[str, Any], field: str
) -> None:
    """A forged or contradictory value is a problem next to its field, not silently dropped
    or turned into another answer."""
    _read, _body_map, problems = read_form({"age": "30", **form})
    assert field in {problem.field for problem in problems}


@pytest.mark.parametrize(
    ("location", "field"),
    [
        (("intake", "patient", "age"), "age"),
        (("intake", "findings", "acne", "papules"), "acne_papules"),
        (("intake", "findings", "acne_scars", "flatten_on_stretch"), "do_not_flatten"),
        (("intake", "findings", "scars", 2, "months_old"), "scar_2_months"),
        (("intake", "history", "isotretinoin_months_since_stop"), "isotretinoin_months"),
        (("intake", "goals", "target_date"), "target_date"),
        (("body_map", "zones", "upper_left", "papules"), "body_map"),
        (("visit_date",), "visit_date"),
    ],
)
def test_a_problem_is_shown_next_to_the_field_that_holds_it(
    location: tuple[str | int, ...], field: str
) -> None:
    """Validation paths map to the form field a person typed into."""
    assert field_for(location) == field


def _count(site: Clinic, table: type) -> int:
    with session_factory(site.app.state.engine)() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


def test_a_rejected_save_leaves_no_consultation_behind(site: Clinic, client: TestClient) -> None:
    """A five-digit year is refused next to the field; nothing is stored and the patient's
    page and API keep working (on main this left a consultation without any version)."""
    token = sign_in(client, "practitioner@alpha.test")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Five Digit"}, headers=auth).json()
    form = {"age": "25", "isotretinoin": "never", "visit_date": "2026-11-21"}
    response = client.post(
        f"/patients/{patient['id']}/consultations",
        data={**form, "target_date": "20266-06-01", "note": "typed note", "csrf_token": token},
    )
    assert response.status_code == 422
    assert re.search(r'id="err-target_date"[^>]*>Enter a date', response.text)
    assert "typed note" in response.text
    assert _count(site, Consultation) == 0
    assert client.get(f"/patients/{patient['id']}").status_code == 200
    for path in ("consultations", "progress"):
        assert client.get(f"/api/patients/{patient['id']}/{path}", headers=auth).status_code == 200


def test_a_target_date_in_year_2500_is_refused_with_the_supported_range(
    site: Clinic, client: TestClient
) -> None:
    """Through the API the field is named; nothing is stored."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Far Future"}, headers=auth).json()
    intake = {**TEEN, "goals": {"target_date": "2500-01-01"}}
    response = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": intake}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "intake.goals.target_date"
    assert _count(site, Consultation) == 0


def test_numbers_sent_as_text_are_stored_as_numbers(site: Clinic, client: TestClient) -> None:
    """The validated, normalised intake is stored, so the patient's pages keep working."""
    sign_in(client, "practitioner@alpha.test")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Text Numbers"}, headers=auth).json()
    intake = {"patient": {"age": "20"}, "findings": {"acne": {"papules": "14"}}}
    created = client.post(
        f"/api/patients/{patient['id']}/consultations", json={"intake": intake}, headers=auth
    )
    assert created.status_code == 201
    stored = created.json()["intake"]
    assert stored["patient"]["age"] == 20
    assert stored["findings"]["acne"]["papules"] == 14
    assert client.get(f"/patients/{patient['id']}").status_code == 200
    progress = client.get(f"/api/patients/{patient['id']}/progress", headers=auth)
    assert progress.status_code == 200
    assert progress.json()[0]["counts"]["inflammatory"] == 14


def test_a_damaged_stored_consultation_is_reported_never_a_500(
    site: Clinic, client: TestClient
) -> None:
    """Rows written by an earlier fault (no version; an unreadable intake) are shown as such."""
    sign_in(client, "practitioner@alpha.test")
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Odd Rows"}, headers=auth).json()
    good = _create(site, client, TEEN)
    with session_factory(site.app.state.engine)() as db:
        made = []
        for _ in range(2):
            db.execute(
                text(
                    "INSERT INTO consultations (clinic_id, patient_id, visit_date, created_at) "
                    "SELECT clinic_id, :patient, visit_date, created_at "
                    "FROM consultations WHERE id = :id"
                ),
                {"patient": patient["id"], "id": good},
            )
            made.append(db.scalar(select(func.max(Consultation.id))))
        empty, broken = made
        db.execute(
            text(
                "INSERT INTO consultation_versions (consultation_id, version, intake, body_map, "
                "assessment, knowledge_base_version, note, created_at) VALUES (:id, 1, :intake, "
                "'{}', '{}', 'x', '', :at)"
            ),
            {
                "id": broken,
                "intake": json.dumps({"patient": {"age": "old"}}),
                "at": date(2026, 1, 1),
            },
        )
        db.commit()
    page = client.get(f"/patients/{patient['id']}")
    assert page.status_code == 200
    assert page.text.count("cannot be shown") == 2
    listed = client.get(f"/api/patients/{patient['id']}/consultations", headers=auth)
    assert listed.status_code == 200
    damaged = {c["id"]: c["damaged"] for c in listed.json()}
    assert damaged[empty] == "it was saved without any content"
    assert damaged[broken] == "its intake is not a valid intake"
    assert client.get(f"/api/patients/{patient['id']}/progress", headers=auth).status_code == 200
    assert client.get(f"/consultations/{empty}").status_code == 200
    assert client.get(f"/consultations/{broken}").status_code == 200


def test_two_tabs_editing_one_consultation_get_a_conflict_not_an_overwrite(
    site: Clinic, client: TestClient
) -> None:
    """The second save is refused with 409, keeps what was typed, and a deliberate second
    click saves it as the next version."""
    sign_in(client, "practitioner@alpha.test")
    consultation_id = _create(site, client, TEEN)
    first_tab = submitted(client.get(f"/consultations/{consultation_id}").text, "consultation")
    second_tab = list(first_tab)
    first = client.post(
        f"/consultations/{consultation_id}",
        data=as_form_data([*[e for e in first_tab if e[0] != "note"], ("note", "tab one")]),
        follow_redirects=False,
    )
    assert first.status_code == 303
    second = client.post(
        f"/consultations/{consultation_id}",
        data=as_form_data([*[e for e in second_tab if e[0] != "note"], ("note", "tab two")]),
    )
    assert second.status_code == 409
    assert "tab two" in second.text
    assert "A newer version exists" in second.text
    assert [v.note for v in _versions(site, consultation_id)] == ["", "tab one"]
    again = client.post(
        f"/consultations/{consultation_id}",
        data=as_form_data(submitted(second.text, "consultation")),
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert [v.note for v in _versions(site, consultation_id)] == ["", "tab one", "tab two"]


def test_saving_from_an_older_version_asks_before_replacing_the_latest(
    site: Clinic, client: TestClient
) -> None:
    """Opened from "all versions", version 1 says it is not the latest, and saving it is
    refused once (409) so that nobody replaces version 2 without knowing."""
    sign_in(client, "practitioner@alpha.test")
    consultation_id = _create(site, client, TEEN)
    assert _save_with_note(client, consultation_id, "second").status_code == 303
    old = client.get(f"/consultations/{consultation_id}?version=1")
    assert "This is version 1; the latest is version 2." in old.text
    entries = [(k, v) for k, v in submitted(old.text, "consultation") if k != "note"]
    refused = client.post(
        f"/consultations/{consultation_id}", data=as_form_data([*entries, ("note", "from v1")])
    )
    assert refused.status_code == 409
    assert [v.note for v in _versions(site, consultation_id)] == ["", "second"]


def test_four_hundred_scars_survive_an_edit_of_the_note(site: Clinic, client: TestClient) -> None:
    """A form of some 1,200 fields is read whole (the framework's default stops at 1,000)."""
    sign_in(client, "practitioner@alpha.test")
    scars = [{"cause": "burn", "kind": "flat", "months_old": n % 50} for n in range(400)]
    consultation_id = _create(site, client, {"patient": {"age": 40}, "findings": {"scars": scars}})
    assert _save_with_note(client, consultation_id, "many scars").status_code == 303
    first, second = _versions(site, consultation_id)
    assert second.intake == first.intake
    assert len(second.intake["findings"]["scars"]) == 400


def test_more_scars_than_the_form_holds_are_refused_not_dropped(
    site: Clinic, client: TestClient
) -> None:
    """An intake with 1,001 scars (possible through the API) cannot lose one in the form."""
    sign_in(client, "practitioner@alpha.test")
    scars = [{"cause": "cut", "kind": "flat"} for _ in range(1001)]
    consultation_id = _create(site, client, {"patient": {"age": 40}, "findings": {"scars": scars}})
    saved = _save_with_note(client, consultation_id, "too many")
    assert saved.status_code == 422
    assert "at most 1,000 scars" in saved.text
    assert len(_versions(site, consultation_id)) == 1
