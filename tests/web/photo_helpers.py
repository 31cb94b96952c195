"""Helpers for the photo and consent tests: a patient with a visit, a signature drawn as a PNG
data URL, real image files, and forms posted as a signed-in practitioner would."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx2 import Response
from PIL import Image, ImageDraw

from tests.web.conftest import Clinic, sign_in
from tests.web.test_api import TEEN, token_for


@dataclass
class Visit:
    patient_id: int
    consultation_id: int
    csrf: str


def signature_url() -> str:
    """A signature as the pad sends it: a transparent PNG with a dark stroke."""
    image = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 120), (120, 30), (220, 130), (380, 40)], fill="#111", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def blank_signature_url() -> str:
    out = io.BytesIO()
    Image.new("RGBA", (400, 160), (0, 0, 0, 0)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    """A camera-like JPEG: EXIF with the camera, an orientation and a GPS position."""
    image = Image.new("RGB", size, (200, 160, 140))
    ImageDraw.Draw(image).ellipse([100, 100, 300, 260], fill=(150, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (40.0, 25.0, 1.5)
    gps[3] = "W"
    gps[4] = (3.0, 42.0, 9.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def visit_of(
    site: Clinic, client: TestClient, *, body_map: dict[str, object] | None = None
) -> Visit:
    """A patient with one consultation, and the practitioner signed in."""
    auth = token_for(site, "practitioner@alpha.test")
    patient = client.post("/api/patients", json={"name": "Foto Paciente"}, headers=auth).json()
    consultation = client.post(
        f"/api/patients/{patient['id']}/consultations",
        json={
            "intake": TEEN,
            "visit_date": "2026-11-01",
            "body_map": body_map or {"zones": {"upper_left": {"papules": 12}}},
        },
        headers=auth,
    ).json()
    csrf = sign_in(client, "practitioner@alpha.test")
    return Visit(patient_id=patient["id"], consultation_id=consultation["id"], csrf=csrf)


def give_consent(
    client: TestClient,
    visit: Visit,
    purpose: str = "photos_clinical",
    *,
    plan_id: int | None = None,
    signature: str | None = None,
    language: str = "en",
) -> Response:
    return client.post(
        f"/patients/{visit.patient_id}/consents",
        data={
            "csrf_token": visit.csrf,
            "purpose": purpose,
            "plan_id": str(plan_id or ""),
            "language": language,
            "signed_by": "Foto Paciente",
            "signature": signature if signature is not None else signature_url(),
            "shown_text": "",
        },
        follow_redirects=False,
    )


def upload(
    client: TestClient,
    visit: Visit,
    data: bytes,
    *,
    zone: str = "upper_left",
    filename: str = "back.jpg",
    content_type: str = "image/jpeg",
) -> Response:
    return client.post(
        f"/consultations/{visit.consultation_id}/photos",
        data={"csrf_token": visit.csrf, "zone": zone},
        files={"photo": (filename, data, content_type)},
        follow_redirects=False,
    )


def photo_id_of(response: Response) -> int:
    """The new photo's id, from the redirect after an upload."""
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("added=")[1].split("#")[0])
