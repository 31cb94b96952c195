"""The clinic's own settings for admins: its details and logo for the letterhead, and the consent
texts kept in versions. Refusals come back next to their field with what was typed, and store
nothing; only admins change anything; everyone signed in at the clinic sees the logo."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from dorsum.services import consent_texts
from dorsum.storage.database import make_engine, session_factory
from dorsum.storage.tables import Clinic as ClinicRow
from tests.web.conftest import Clinic, sign_in

DETAILS = {
    "name": "Clínica Dorsal",
    "address": "Calle Mayor 1\n28013 Madrid",
    "phone": "+34 910 000 000",
}
TEXT_PAGE = "/admin/consent-texts/photos_clinical/en"


def png(width: int = 64, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def save_details(
    client: TestClient, token: str, logo: tuple[str, bytes, str] | None = None, **fields: str
) -> Any:
    """Post the details form as a browser does: multipart, with an empty part when no file."""
    chosen = logo or ("", b"", "application/octet-stream")
    return client.post(
        "/admin/clinic",
        data={**DETAILS, **fields, "csrf_token": token},
        files={"logo": chosen},
        follow_redirects=False,
    )


def save_text(client: TestClient, token: str, title: str, body: str, page: str = TEXT_PAGE) -> Any:
    return client.post(
        page,
        data={"title": title, "body": body, "csrf_token": token},
        follow_redirects=False,
    )


def error_of(html: str, field: str) -> str:
    found = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', html)
    assert found is not None, f"no error slot for {field}"
    return found.group(1)


def stored_clinic(site: Clinic, slug: str = "alpha") -> ClinicRow:
    engine = make_engine(site.url)
    try:
        with session_factory(engine)() as db:
            row = db.query(ClinicRow).filter_by(slug=slug).one()
            db.expunge(row)
            return row
    finally:
        engine.dispose()


# ---- the clinic's details -------------------------------------------------------------------


def test_an_admin_saves_the_details_and_a_logo(client: TestClient) -> None:
    """The name, address, phone and a PNG logo are saved, shown again, and the logo is served."""
    token = sign_in(client, "admin@alpha.test")
    saved = save_details(client, token, logo=("logo.png", png(), "image/png"))
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/clinic?saved=1"
    page = client.get("/admin/clinic?saved=1")
    assert page.status_code == 200
    assert "The clinic&#39;s details are saved." in page.text
    assert 'value="Clínica Dorsal"' in page.text
    assert "Calle Mayor 1\n28013 Madrid</textarea>" in page.text
    assert 'value="+34 910 000 000"' in page.text
    assert '<img src="/admin/clinic/logo"' in page.text
    logo = client.get("/admin/clinic/logo")
    assert logo.status_code == 200
    assert logo.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(logo.content)) as image:
        assert image.size == (64, 32)


def test_a_large_logo_is_made_smaller(client: TestClient) -> None:
    """A logo wider than the letterhead needs is kept at most 600 pixels on its longer side."""
    token = sign_in(client, "admin@alpha.test")
    assert (
        save_details(client, token, logo=("big.png", png(1200, 300), "image/png")).status_code
        == 303
    )
    with Image.open(io.BytesIO(client.get("/admin/clinic/logo").content)) as image:
        assert image.size == (600, 150)


def test_anyone_signed_in_at_the_clinic_gets_its_logo(site: Clinic, client: TestClient) -> None:
    """Reception of the same clinic fetches the logo; another clinic without one gets a 404."""
    token = sign_in(client, "admin@alpha.test")
    assert save_details(client, token, logo=("logo.png", png(), "image/png")).status_code == 303
    with TestClient(site.app, base_url="https://testserver") as desk:
        sign_in(desk, "reception@alpha.test")
        assert desk.get("/admin/clinic/logo").headers["content-type"] == "image/png"
    with TestClient(site.app, base_url="https://testserver") as other:
        sign_in(other, "admin@beta.test")
        assert other.get("/admin/clinic/logo").status_code == 404


def test_the_logo_needs_a_signed_in_user(client: TestClient) -> None:
    """Someone not signed in is sent to sign in, not given the logo."""
    response = client.get("/admin/clinic/logo", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("email", ["practitioner@alpha.test", "reception@alpha.test"])
def test_only_an_admin_opens_or_sends_the_forms(
    site: Clinic, client: TestClient, email: str
) -> None:
    """Other roles get the 403 page on every settings form, and a post changes nothing."""
    token = sign_in(client, email)
    for page in ("/admin/clinic", "/admin/consent-texts", TEXT_PAGE):
        assert client.get(page).status_code == 403, page
    assert save_details(client, token, name="Taken over").status_code == 403
    assert save_text(client, token, "Mine", "Mine").status_code == 403
    assert stored_clinic(site).name == "Alpha clinic"


def test_a_text_file_named_like_a_png_is_refused_next_to_the_logo(
    site: Clinic, client: TestClient
) -> None:
    """422 with the reason at the logo field, the typed name and address kept, nothing stored."""
    token = sign_in(client, "admin@alpha.test")
    refused = save_details(client, token, logo=("logo.png", b"just some text\n" * 20, "image/png"))
    assert refused.status_code == 422
    assert error_of(refused.text, "logo")
    assert error_of(refused.text, "name") == ""
    assert 'value="Clínica Dorsal"' in refused.text
    assert "Calle Mayor 1\n28013 Madrid</textarea>" in refused.text
    stored = stored_clinic(site)
    assert (stored.name, stored.address, stored.phone, stored.logo) == (
        "Alpha clinic",
        "",
        "",
        None,
    )


def test_an_empty_clinic_name_is_refused_next_to_its_field(
    site: Clinic, client: TestClient
) -> None:
    """The name is required; the address typed comes back and nothing is stored."""
    token = sign_in(client, "admin@alpha.test")
    refused = save_details(client, token, name="   ")
    assert refused.status_code == 422
    assert error_of(refused.text, "name") == "This is required."
    assert "Calle Mayor 1\n28013 Madrid</textarea>" in refused.text
    assert stored_clinic(site).address == ""


def test_a_too_long_phone_is_refused_next_to_its_field(client: TestClient) -> None:
    """The phone fits 40 characters; more is refused where it was typed."""
    token = sign_in(client, "admin@alpha.test")
    refused = save_details(client, token, phone="9" * 41)
    assert refused.status_code == 422
    assert error_of(refused.text, "phone") == "Use at most 40 characters."


def test_the_logo_is_removed(site: Clinic, client: TestClient) -> None:
    """Ticking "remove the logo" drops it: the form shows none and its address is a 404."""
    token = sign_in(client, "admin@alpha.test")
    assert save_details(client, token, logo=("logo.png", png(), "image/png")).status_code == 303
    assert save_details(client, token, remove_logo="1").status_code == 303
    assert client.get("/admin/clinic/logo").status_code == 404
    page = client.get("/admin/clinic")
    assert "/admin/clinic/logo" not in page.text
    assert 'name="remove_logo"' not in page.text
    assert stored_clinic(site).logo is None


def test_saving_without_a_file_keeps_the_logo(client: TestClient) -> None:
    """Changing only the words leaves the logo as it was."""
    token = sign_in(client, "admin@alpha.test")
    assert save_details(client, token, logo=("logo.png", png(), "image/png")).status_code == 303
    assert save_details(client, token, phone="555 0100").status_code == 303
    assert client.get("/admin/clinic/logo").status_code == 200


def test_the_admin_page_links_to_both_settings_pages(client: TestClient) -> None:
    """The administration page has a button for the details and one for the consent texts."""
    sign_in(client, "admin@alpha.test")
    page = client.get("/admin").text
    assert 'href="/admin/clinic"' in page
    assert 'href="/admin/consent-texts"' in page


# ---- consent texts --------------------------------------------------------------------------


def test_every_purpose_and_language_is_listed_with_its_packaged_default(
    client: TestClient,
) -> None:
    """Three purposes in English and Spanish: six rows, each a packaged default with a link."""
    sign_in(client, "admin@alpha.test")
    page = client.get("/admin/consent-texts")
    assert page.status_code == 200
    for purpose in ("treatment", "photos_clinical", "photos_teaching"):
        for language in ("en", "es"):
            assert f'href="/admin/consent-texts/{purpose}/{language}"' in page.text
    assert page.text.count("packaged default") == 6
    assert "Photos for the clinical record" in page.text


def test_the_first_save_is_version_1_and_the_next_version_2(client: TestClient) -> None:
    """With nothing stored, a save is version 1; a change is version 2; the history lists both."""
    token = sign_in(client, "admin@alpha.test")
    first = save_text(client, token, "Clinical photos", "We take photos of your back.")
    assert first.status_code == 303
    assert first.headers["location"] == f"{TEXT_PAGE}?saved=1"
    assert "The text is saved as version 1." in client.get(f"{TEXT_PAGE}?saved=1").text
    second = save_text(client, token, "Clinical photos", "We take photos.\r\nOnly of your back.")
    assert second.status_code == 303
    page = client.get(TEXT_PAGE).text
    assert page.index("<summary>Version 2 ·") < page.index("<summary>Version 1 ·")
    assert "<details>" in page
    assert "We take photos of your back.</div>" in page
    assert "We take photos.\nOnly of your back.</textarea>" in page
    listed = client.get("/admin/consent-texts").text
    assert listed.count("packaged default") == 5


def test_a_change_after_the_default_was_stored_is_version_2(
    site: Clinic, client: TestClient
) -> None:
    """When a signed consent has stored the packaged default as version 1, a change is version 2."""
    engine = make_engine(site.url)
    with session_factory(engine)() as db:
        clinic_id = db.query(ClinicRow.id).filter_by(slug="alpha").scalar()
        consent_texts.stored_text(db, clinic_id=clinic_id, purpose="photos_clinical", language="en")
        db.commit()
    engine.dispose()
    token = sign_in(client, "admin@alpha.test")
    assert save_text(client, token, "Clinical photos", "Our own words.").status_code == 303
    page = client.get(f"{TEXT_PAGE}?saved=1").text
    assert "The text is saved as version 2." in page
    assert "<summary>Version 1 ·" in page


def test_an_unchanged_text_is_refused_next_to_the_body(client: TestClient) -> None:
    """Saving the stored text again adds no version and says so at the text field."""
    token = sign_in(client, "admin@alpha.test")
    assert save_text(client, token, "Clinical photos", "Line one.\r\nLine two.").status_code == 303
    again = save_text(client, token, "Clinical photos", "Line one.\r\nLine two.")
    assert again.status_code == 422
    assert error_of(again.text, "body") == "The text is unchanged; nothing was saved."
    assert "<summary>Version 2 ·" not in client.get(TEXT_PAGE).text


def test_an_empty_title_is_refused_and_the_text_typed_is_kept(client: TestClient) -> None:
    """The title is required; the body typed comes back and no version is stored."""
    token = sign_in(client, "admin@alpha.test")
    refused = save_text(client, token, "", "Words worth keeping.")
    assert refused.status_code == 422
    assert error_of(refused.text, "title") == "This is required."
    assert "Words worth keeping.</textarea>" in refused.text
    assert "<summary>Version 1 ·" not in client.get(TEXT_PAGE).text


@pytest.mark.parametrize(
    "page", ["/admin/consent-texts/marketing/en", "/admin/consent-texts/treatment/fr"]
)
def test_an_unknown_purpose_or_language_is_the_404_page(client: TestClient, page: str) -> None:
    """Only the known purposes in English or Spanish exist."""
    sign_in(client, "admin@alpha.test")
    response = client.get(page)
    assert response.status_code == 404
    assert "There is no such page." in response.text


# ---- Spanish ---------------------------------------------------------------------------------


def test_a_spanish_speaking_admin_reads_the_forms_in_spanish(client: TestClient) -> None:
    """Labels and refusals are in Spanish, each refusal next to its field."""
    token = sign_in(client, "admin@alpha.test")
    client.post("/language", data={"language": "es", "csrf_token": token, "next": "/admin"})
    page = client.get("/admin/clinic").text
    assert '<html lang="es">' in page
    assert ">Teléfono</label>" in page
    assert ">Guardar</button>" in page
    refused = save_details(client, token, name="")
    assert refused.status_code == 422
    assert "No se ha guardado nada." in refused.text
    assert error_of(refused.text, "name") == "Es obligatorio."
    text = save_text(client, token, "", "Texto.", page="/admin/consent-texts/treatment/es")
    assert text.status_code == 422
    assert error_of(text.text, "title") == "Es obligatorio."
    assert ">Idioma</th>" in client.get("/admin/consent-texts").text


def test_a_nul_character_in_the_details_is_refused_next_to_its_field(
    site: Clinic, client: TestClient
) -> None:
    """An upload's words skip the request's NUL scan, so the form refuses a NUL itself."""
    token = sign_in(client, "admin@alpha.test")
    refused = save_details(client, token, address="Calle\x00Mayor")
    assert refused.status_code == 422
    assert error_of(refused.text, "address") == "This cannot contain a NUL character."
    assert "\x00" not in refused.text
    assert stored_clinic(site).address == ""
