"""Consent: recorded with the text shown, a signature drawn on screen and a witness; refused
when unsigned or when the text changed meanwhile; rendered to PDF; withdrawn at any time; and
required before a plan session is marked as done."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from dorsum.storage.database import session_factory
from dorsum.storage.tables import Appointment, Consent
from tests.web.conftest import Clinic, sign_in
from tests.web.photo_helpers import blank_signature_url, give_consent, signature_url, visit_of
from tests.web.test_api import token_for


def _consent_id(response_location: str) -> int:
    return int(response_location.split("/consents/")[1].split("?", maxsplit=1)[0])


def _plan_of(site: Clinic, client: TestClient, consultation_id: int) -> int:
    auth = token_for(site, "practitioner@alpha.test")
    created = client.post(
        f"/api/consultations/{consultation_id}/plans",
        json={"choose": ["benzoyl_peroxide"]},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    plan_id: int = created.json()["id"]
    return plan_id


def test_a_signed_consent_keeps_the_text_signature_and_witness(
    site: Clinic, client: TestClient
) -> None:
    """The consent stores the text shown, its version, the signature image and the witness."""
    visit = visit_of(site, client)
    recorded = give_consent(client, visit)
    assert recorded.status_code == 303
    consent_id = _consent_id(recorded.headers["location"])
    page = client.get(f"/consents/{consent_id}").text
    assert "Consent to photos for my clinical record" in page
    assert "alpha practitioner" in page  # the witness: whoever recorded it, by default
    signature = client.get(f"/consents/{consent_id}/signature.png")
    assert signature.headers["content-type"] == "image/png"
    assert signature.content.startswith(b"\x89PNG")
    with session_factory(site.app.state.engine)() as db:
        row = db.scalars(select(Consent).where(Consent.id == consent_id)).one()
        assert row.version == 1
        assert row.text_shown.startswith("I agree that the clinic takes photographs")


def test_the_consent_form_renders_to_pdf(site: Clinic, client: TestClient) -> None:
    """The PDF form carries the clinic, the patient, the text, the signer and the witness."""
    visit = visit_of(site, client)
    consent_id = _consent_id(give_consent(client, visit).headers["location"])
    pdf = client.get(f"/consents/{consent_id}/form.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in ("Consent to photos for my clinical record", "Foto Paciente", "Witness"):
        assert expected in text
    assert sum(len(page.images) for page in reader.pages) >= 1  # the signature


def test_an_unsigned_consent_is_refused_next_to_the_signature(
    site: Clinic, client: TestClient
) -> None:
    """An empty signature box is refused next to the box; the typed name is kept."""
    visit = visit_of(site, client)
    refused = give_consent(client, visit, signature=blank_signature_url())
    assert refused.status_code == 422
    assert (
        "Ask the patient to sign in the box." in refused.text.split('id="err-signature"')[1][:200]
    )
    assert 'value="Foto Paciente"' in refused.text
    with session_factory(site.app.state.engine)() as db:
        assert db.scalars(select(Consent)).all() == []


def test_a_text_changed_while_the_form_was_open_is_refused(
    site: Clinic, client: TestClient
) -> None:
    """If the admin saves a new text after the form was shown, signing is refused and the
    signature is cleared, so the patient reads and signs the new text."""
    visit = visit_of(site, client)
    form = client.get(f"/patients/{visit.patient_id}/consents/new?purpose=photos_clinical").text
    shown = re.search(r'name="shown_text" value="([0-9a-f]+)"', form)
    assert shown is not None
    with session_factory(site.app.state.engine)() as db:
        from dorsum.services import consent_texts
        from dorsum.services.auth import actor_of
        from dorsum.storage.tables import User

        admin = db.scalars(select(User).where(User.email == "admin@alpha.test")).one()
        consent_texts.save_text(
            db,
            actor=actor_of(admin),
            data=consent_texts.ConsentTextInput(
                purpose="photos_clinical", language="en", title="New title", body="New body."
            ),
        )
        db.commit()
    changed = client.post(
        f"/patients/{visit.patient_id}/consents",
        data={
            "csrf_token": visit.csrf,
            "purpose": "photos_clinical",
            "language": "en",
            "signed_by": "Foto Paciente",
            "signature": signature_url(),
            "shown_text": shown.group(1),
        },
    )
    assert changed.status_code == 422
    assert "changed while this form was open" in changed.text
    assert "New body." in changed.text
    assert 'name="signature" value=""' in changed.text
    with session_factory(site.app.state.engine)() as db:
        assert db.scalars(select(Consent)).all() == []


def test_a_treatment_consent_names_one_of_the_patients_plans(
    site: Clinic, client: TestClient
) -> None:
    """Treatment consent needs a plan, and only the patient's own."""
    visit = visit_of(site, client)
    missing = give_consent(client, visit, "treatment")
    assert missing.status_code == 422
    assert "Choose the plan" in missing.text
    other = visit_of(site, client)
    foreign_plan = _plan_of(site, client, other.consultation_id)
    visit.csrf = other.csrf
    refused = give_consent(client, visit, "treatment", plan_id=foreign_plan)
    assert refused.status_code == 422
    assert "This patient has no such plan." in refused.text
    own = _plan_of(site, client, visit.consultation_id)
    assert give_consent(client, visit, "treatment", plan_id=own).status_code == 303


def test_withdrawal_is_recorded_once(site: Clinic, client: TestClient) -> None:
    """A withdrawn consent says so, with the date; withdrawing it again is refused."""
    visit = visit_of(site, client)
    consent_id = _consent_id(give_consent(client, visit).headers["location"])
    form = {"csrf_token": visit.csrf, "note": "changed her mind"}
    assert client.post(f"/consents/{consent_id}/withdraw", data=form).status_code == 200
    page = client.get(f"/consents/{consent_id}").text
    assert "Withdrawn on" in page
    assert "changed her mind" in page
    again = client.post(f"/consents/{consent_id}/withdraw", data=form)
    assert again.status_code == 422


def test_a_plan_session_is_marked_done_only_under_treatment_consent(
    site: Clinic, client: TestClient
) -> None:
    """Marking a plan session as done is refused without treatment consent, allowed with it."""
    visit = visit_of(site, client)
    plan_id = _plan_of(site, client, visit.consultation_id)
    with session_factory(site.app.state.engine)() as db:
        booked = Appointment(
            clinic_id=1,
            patient_id=visit.patient_id,
            starts_at=datetime.now(UTC) - timedelta(hours=2),
            minutes=30,
            plan_id=plan_id,
            treatment="benzoyl_peroxide",
            session_number=1,
        )
        db.add(booked)
        db.commit()
        appointment_id = booked.id
    path = f"/calendar/appointments/{appointment_id}/done"
    refused = client.post(path, data={"csrf_token": visit.csrf})
    assert refused.status_code == 422
    assert "has not consented to treatment under this plan" in refused.text
    assert give_consent(client, visit, "treatment", plan_id=plan_id).status_code == 303
    done = client.post(path, data={"csrf_token": visit.csrf}, follow_redirects=False)
    assert done.status_code == 303
    with session_factory(site.app.state.engine)() as db:
        assert db.get(Appointment, appointment_id).status == "done"  # type: ignore[union-attr]


def test_reception_cannot_record_or_read_consents(site: Clinic, client: TestClient) -> None:
    """Consent belongs to the clinical record: reception is refused."""
    visit = visit_of(site, client)
    consent_id = _consent_id(give_consent(client, visit).headers["location"])
    visit.csrf = sign_in(client, "reception@alpha.test")
    assert give_consent(client, visit).status_code == 403
    assert client.get(f"/consents/{consent_id}").status_code == 403
    assert client.get(f"/patients/{visit.patient_id}/consents/new").status_code == 403


def test_the_form_offers_the_text_in_the_patients_language(
    site: Clinic, client: TestClient
) -> None:
    """A Spanish-speaking patient is shown the Spanish text by default."""
    visit = visit_of(site, client)
    auth = token_for(site, "practitioner@alpha.test")
    details = client.get(f"/api/patients/{visit.patient_id}", headers=auth).json()
    client.put(
        f"/api/patients/{visit.patient_id}",
        json={"name": details["name"], "language": "es"},
        headers=auth,
    )
    page = client.get(f"/patients/{visit.patient_id}/consents/new?purpose=photos_clinical").text
    assert "Consentimiento para fotografías en mi historia clínica" in page
