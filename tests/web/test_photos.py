"""Clinical photos: taken only under consent, checked by content, cleaned of EXIF and GPS data,
kept in the clinic's store, seen only by the clinic's clinical roles with every view audited,
hidden at once when consent is withdrawn, and gone with an erasure."""

from __future__ import annotations

import io
import struct
import zlib

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from dorsum.storage.database import session_factory
from dorsum.storage.tables import AuditEntry
from tests.web.conftest import Clinic, sign_in
from tests.web.photo_helpers import (
    give_consent,
    jpeg_with_gps,
    photo_id_of,
    png_bytes,
    upload,
    visit_of,
)
from tests.web.test_api import token_for


def _stored(site: Clinic) -> list[str]:
    return list(site.app.state.photos.keys(""))


def _bomb() -> bytes:
    """A PNG of a few kilobytes that declares 30,000 × 30,000 pixels."""
    width = height = 30_000
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * (width // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_photo_needs_the_patients_photo_consent(site: Clinic, client: TestClient) -> None:
    """Without consent to photos for the clinical record, an upload is refused; nothing is kept."""
    visit = visit_of(site, client)
    refused = upload(client, visit, jpeg_with_gps())
    assert refused.status_code == 422
    assert "No photo consent" in refused.text
    assert _stored(site) == []


def test_exif_and_gps_are_removed_from_the_stored_file(site: Clinic, client: TestClient) -> None:
    """The kept image, read back from the store, has no EXIF or GPS data and is turned upright."""
    visit = visit_of(site, client)
    assert give_consent(client, visit).status_code == 303
    photo_id = photo_id_of(upload(client, visit, jpeg_with_gps((640, 480))))
    stored = [key for key in _stored(site) if not key.endswith(".thumb.jpg")]
    assert len(stored) == 1
    assert stored[0].startswith("clinic-")
    for data in (
        site.app.state.photos.get(stored[0]),
        client.get(f"/photos/{photo_id}/image").content,
    ):
        image = Image.open(io.BytesIO(data))
        assert not image.getexif()
        assert "exif" not in image.info
        assert b"PhoneMaker" not in data
        assert image.size == (480, 640)  # the orientation was applied, then dropped


def test_every_accepted_format_is_taken(site: Clinic, client: TestClient) -> None:
    """JPEG, PNG and HEIC files are accepted; HEIC is kept as a JPEG that browsers show."""
    from dorsum.media.images import heic_supported

    visit = visit_of(site, client)
    give_consent(client, visit)
    files = [("a.jpg", jpeg_with_gps(), "image/jpeg"), ("b.png", png_bytes(), "image/png")]
    if heic_supported():
        import pillow_heif

        pillow_heif.register_heif_opener()
        out = io.BytesIO()
        Image.new("RGB", (300, 200), (10, 120, 60)).save(out, format="HEIF")
        files.append(("c.heic", out.getvalue(), "image/heic"))
    kinds = []
    for name, data, media_type in files:
        photo_id = photo_id_of(upload(client, visit, data, filename=name, content_type=media_type))
        kinds.append(client.get(f"/photos/{photo_id}/image").headers["content-type"])
    assert kinds[:2] == ["image/jpeg", "image/png"]
    assert all(kind in ("image/jpeg", "image/png") for kind in kinds)


def test_a_file_with_a_lying_name_is_judged_by_its_content(
    site: Clinic, client: TestClient
) -> None:
    """A text file called photo.jpg is refused next to the photo field, the zone kept."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    refused = upload(client, visit, b"%PDF-1.7 not a photo at all", zone="lower_right")
    assert refused.status_code == 422
    assert 'id="err-photo"' in refused.text
    assert "JPEG, PNG or HEIC" in refused.text.split('id="err-photo"')[1][:300]
    assert 'value="lower_right" selected' in refused.text
    assert _stored(site) == []
    png_named_jpeg = upload(client, visit, png_bytes(), filename="x.jpg", content_type="image/jpeg")
    assert png_named_jpeg.status_code == 303


def test_an_oversized_file_is_refused_with_the_limit(site: Clinic, client: TestClient) -> None:
    """A file larger than DORSUM_MAX_PHOTO_BYTES is refused with a message naming the limit."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    site.app.state.settings.max_photo_bytes = 20_000
    refused = upload(client, visit, jpeg_with_gps((1600, 1200)) + b"\x00" * 30_000)
    assert refused.status_code == 422
    assert "MB" in refused.text.split('id="err-photo"')[1][:300]
    assert _stored(site) == []


def test_a_decompression_bomb_is_refused(site: Clinic, client: TestClient) -> None:
    """A small file that declares a huge image is refused before it is decoded."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    refused = upload(client, visit, _bomb(), filename="bomb.png", content_type="image/png")
    assert refused.status_code == 422
    assert "pixels" in refused.text.split('id="err-photo"')[1][:300]
    assert _stored(site) == []


def test_reception_and_other_clinics_cannot_see_photos(site: Clinic, client: TestClient) -> None:
    """Reception is refused, and another clinic's staff find no such photo."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    photo_id = photo_id_of(upload(client, visit, jpeg_with_gps()))
    for email, status in (("reception@alpha.test", 403), ("practitioner@beta.test", 404)):
        auth = token_for(site, email)
        assert client.get(f"/photos/{photo_id}/image", headers=auth).status_code == status
        assert client.get(f"/photos/{photo_id}/thumb", headers=auth).status_code == status


def test_every_view_of_a_photo_is_audited(site: Clinic, client: TestClient) -> None:
    """Each image and thumbnail served leaves an audit entry naming the photo."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    photo_id = photo_id_of(upload(client, visit, jpeg_with_gps()))
    client.get(f"/photos/{photo_id}/image")
    client.get(f"/photos/{photo_id}/thumb")
    with session_factory(site.app.state.engine)() as db:
        views = db.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "photo",
                AuditEntry.action == "view",
                AuditEntry.entity_id == photo_id,
            )
        ).all()
    assert len(views) == 2
    assert client.get(f"/photos/{photo_id}/image").headers["cache-control"] == "private, no-store"


def test_withdrawing_consent_hides_photos_at_once(site: Clinic, client: TestClient) -> None:
    """After withdrawal the image, the visit's photos and the comparison show nothing."""
    visit = visit_of(site, client)
    consent = give_consent(client, visit)
    consent_id = int(consent.headers["location"].split("/consents/")[1].split("?")[0])
    photo_id = photo_id_of(upload(client, visit, jpeg_with_gps()))
    assert client.get(f"/photos/{photo_id}/image").status_code == 200
    withdrawn = client.post(
        f"/consents/{consent_id}/withdraw", data={"csrf_token": visit.csrf}, follow_redirects=False
    )
    assert withdrawn.status_code == 303
    assert client.get(f"/photos/{photo_id}/image").status_code == 404
    assert client.get(f"/photos/{photo_id}/thumb").status_code == 404
    page = client.get(f"/consultations/{visit.consultation_id}/photos").text
    assert f"/photos/{photo_id}/thumb" not in page
    assert "No photo consent" in page
    assert f"/photos/{photo_id}/" not in client.get(f"/patients/{visit.patient_id}/photos").text
    assert upload(client, visit, jpeg_with_gps()).status_code == 422  # refused: no consent


def test_erasure_leaves_no_file_behind(site: Clinic, client: TestClient) -> None:
    """Erasing the patient deletes their photo files and thumbnails from the store."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    photo_id_of(upload(client, visit, jpeg_with_gps()))
    photo_id_of(upload(client, visit, png_bytes(), zone="lower_left", filename="b.png"))
    assert len(_stored(site)) == 4
    admin = token_for(site, "admin@alpha.test")
    assert client.delete(f"/api/patients/{visit.patient_id}", headers=admin).status_code == 204
    assert _stored(site) == []


def test_deleting_a_photo_removes_its_files(site: Clinic, client: TestClient) -> None:
    """A photo deleted by mistake goes with both of its files."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    photo_id = photo_id_of(upload(client, visit, jpeg_with_gps()))
    gone = client.post(
        f"/photos/{photo_id}/delete", data={"csrf_token": visit.csrf}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert _stored(site) == []
    assert client.get(f"/photos/{photo_id}/image").status_code == 404


def test_compare_shows_each_visit_with_its_counts_and_severity(
    site: Clinic, client: TestClient
) -> None:
    """The comparison puts each visit's photo of the zone beside its counts and severity."""
    visit = visit_of(site, client)
    give_consent(client, visit)
    first = photo_id_of(upload(client, visit, jpeg_with_gps()))
    auth = token_for(site, "practitioner@alpha.test")
    from tests.web.test_api import TEEN

    later = client.post(
        f"/api/patients/{visit.patient_id}/consultations",
        json={
            "intake": TEEN,
            "visit_date": "2026-11-20",
            "body_map": {"zones": {"upper_left": {"papules": 3}}},
        },
        headers=auth,
    ).json()
    second = upload(client, visit.__class__(visit.patient_id, later["id"], visit.csrf), png_bytes())
    second_id = photo_id_of(second)
    page = client.get(f"/patients/{visit.patient_id}/photos?zone=upper_left")
    assert page.status_code == 200
    text = page.text
    assert text.index(f"/photos/{first}/thumb") < text.index(f"/photos/{second_id}/thumb")
    assert "12 acne lesions" in text
    assert "3 acne lesions" in text
    assert "badge" in text
    assert "data-overlay" in text


def test_a_failed_transaction_takes_its_files_away(site: Clinic, client: TestClient) -> None:
    """Files written by a use case whose transaction rolls back are removed again."""
    from dorsum.services.photo_files import remove_unless_committed

    store = site.app.state.photos
    with session_factory(site.app.state.engine)() as db:
        remove_unless_committed(db, store, ["clinic-1/patient-1/x.jpg"])
        store.put("clinic-1/patient-1/x.jpg", b"abc", "image/jpeg")
        db.rollback()
    assert _stored(site) == []
    with session_factory(site.app.state.engine)() as db:
        remove_unless_committed(db, store, ["clinic-1/patient-1/y.jpg"])
        store.put("clinic-1/patient-1/y.jpg", b"abc", "image/jpeg")
        db.commit()
    assert _stored(site) == ["clinic-1/patient-1/y.jpg"]


def test_the_visit_page_is_refused_to_reception(site: Clinic, client: TestClient) -> None:
    """Reception never sees the photo pages."""
    visit = visit_of(site, client)
    sign_in(client, "reception@alpha.test")
    assert client.get(f"/consultations/{visit.consultation_id}/photos").status_code == 403
    assert client.get(f"/patients/{visit.patient_id}/photos").status_code == 403


def test_a_photo_larger_than_a_form_is_taken(site: Clinic, client: TestClient) -> None:
    """A camera photo of several megabytes passes the request limit meant for forms."""
    import os

    visit = visit_of(site, client)
    give_consent(client, visit)
    noise = Image.frombytes("RGB", (1400, 1000), os.urandom(1400 * 1000 * 3))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=95)
    assert len(out.getvalue()) > 1_500_000
    photo_id = photo_id_of(upload(client, visit, out.getvalue()))
    assert client.get(f"/photos/{photo_id}/image").status_code == 200


def test_files_follow_their_own_use_case_when_two_share_a_session(site: Clinic) -> None:
    """A photo written by one use case survives another use case's failure in the same
    session, and files deleted by one are not kept by another's rollback."""
    from dorsum.services.photo_files import remove_once_committed, remove_unless_committed

    store = site.app.state.photos
    with session_factory(site.app.state.engine)() as db:
        with db.begin_nested():
            remove_unless_committed(db, store, ["clinic-1/patient-1/kept.jpg"])
            store.put("clinic-1/patient-1/kept.jpg", b"a", "image/jpeg")
        store.put("clinic-1/patient-1/old.jpg", b"b", "image/jpeg")
        with db.begin_nested():
            remove_once_committed(db, store, ["clinic-1/patient-1/old.jpg"])
        for _ in range(20):  # other use cases that fail and are caught
            try:
                with db.begin_nested():
                    raise RuntimeError("refused")
            except RuntimeError:
                pass
        db.commit()
    assert _stored(site) == ["clinic-1/patient-1/kept.jpg"]
