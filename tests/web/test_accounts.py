"""Accounts with a lifecycle: API tokens stored hashed that expire and can be revoked (CLI and
admin page), users edited, deactivated and given a new password, erasure with a confirmation
naming the patient, and a sign-in limit that simultaneous guesses cannot beat."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from dorsum.cli import app as cli
from dorsum.services import auth as auth_service
from dorsum.services.auth import issue_api_token
from dorsum.services.passwords import token_hash, verify_password
from dorsum.storage.database import session_factory
from dorsum.storage.tables import ApiToken, User
from tests.web.conftest import PASSWORD, Clinic, csrf_of, sign_in
from tests.web.server import free_port
from tests.web.test_api import token_for


def _user_id(site: Clinic, email: str) -> int:
    with session_factory(site.app.state.engine)() as db:
        found = db.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return int(found)


def test_api_tokens_are_stored_only_as_hashes(site: Clinic) -> None:
    """The secret is never in the database, only its SHA-256."""
    header = token_for(site, "practitioner@alpha.test")
    secret = header["Authorization"].removeprefix("Bearer ")
    with session_factory(site.app.state.engine)() as db:
        stored = list(db.scalars(select(ApiToken.token_hash)))
    assert secret not in stored
    assert token_hash(secret) in stored


def test_an_expired_api_token_is_refused(site: Clinic, client: TestClient) -> None:
    """A token past its expiry is a 401, like no token."""
    with session_factory(site.app.state.engine)() as db:
        secret = issue_api_token(
            db,
            user_id=_user_id(site, "practitioner@alpha.test"),
            label="old",
            now=datetime.now(UTC) - timedelta(days=91),
        )
        db.commit()
    response = client.get("/api/patients", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_tokens_are_listed_and_revoked_from_the_cli(
    site: Clinic, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dorsum clinic tokens` lists without secrets; `dorsum clinic revoke` stops one at once."""
    monkeypatch.setenv("DORSUM_DATABASE_URL", site.url)
    runner = CliRunner()
    issued = runner.invoke(
        cli, ["clinic", "token", "practitioner@alpha.test", "--label", "EHR", "--days", "30"]
    )
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip().splitlines()[0]
    header = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/patients", headers=header).status_code == 200
    listed = runner.invoke(cli, ["clinic", "tokens"])
    assert listed.exit_code == 0
    assert "EHR" in listed.output
    assert "active" in listed.output
    assert secret not in listed.output
    with session_factory(site.app.state.engine)() as db:
        token_id = db.scalar(select(ApiToken.id).where(ApiToken.label == "EHR"))
    revoked = runner.invoke(cli, ["clinic", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/patients", headers=header).status_code == 401
    assert "revoked" in runner.invoke(cli, ["clinic", "tokens"]).output


def test_an_admin_issues_and_revokes_a_token_on_the_admin_page(
    site: Clinic, client: TestClient
) -> None:
    """The secret is shown once; revoking it from the list stops it."""
    token = sign_in(client, "admin@alpha.test")
    user = _user_id(site, "practitioner@alpha.test")
    page = client.post(
        "/admin/tokens",
        data={
            "token_user_id": str(user),
            "token_label": "Bridge",
            "token_days": "7",
            "csrf_token": token,
        },
    )
    assert page.status_code == 200
    secret = re.search(r'<code class="secret">([^<]+)</code>', page.text)
    assert secret is not None
    header = {"Authorization": f"Bearer {secret.group(1)}"}
    assert client.get("/api/patients", headers=header).status_code == 200
    assert secret.group(1) not in client.get("/admin").text
    with session_factory(site.app.state.engine)() as db:
        token_id = db.scalar(select(ApiToken.id).where(ApiToken.label == "Bridge"))
    client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert client.get("/api/patients", headers=header).status_code == 401


def test_deactivating_a_user_ends_their_sessions_and_tokens(site: Clinic) -> None:
    """A deactivated user is signed out at once everywhere, and their API tokens stop."""
    with (
        TestClient(site.app, base_url="https://testserver") as admin,
        TestClient(site.app, base_url="https://testserver") as colleague,
    ):
        sign_in(colleague, "practitioner@alpha.test")
        header = token_for(site, "practitioner@alpha.test")
        assert colleague.get("/patients").status_code == 200
        token = sign_in(admin, "admin@alpha.test")
        user = _user_id(site, "practitioner@alpha.test")
        done = admin.post(f"/admin/users/{user}/active", data={"active": "0", "csrf_token": token})
        assert done.status_code == 200
        assert "Deactivated" in done.text
        assert colleague.get("/patients", follow_redirects=False).status_code == 303
        assert colleague.get("/api/patients", headers=header).status_code == 401
        login = csrf_of(colleague, "/login")
        refused = colleague.post(
            "/login",
            data={"email": "practitioner@alpha.test", "password": PASSWORD, "csrf_token": login},
        )
        assert refused.status_code == 401


def test_an_admin_edits_a_user_and_sets_a_new_password(site: Clinic) -> None:
    """The edit is kept; the old password stops working and the user's sessions end."""
    with (
        TestClient(site.app, base_url="https://testserver") as admin,
        TestClient(site.app, base_url="https://testserver") as colleague,
    ):
        sign_in(colleague, "reception@alpha.test")
        token = sign_in(admin, "admin@alpha.test")
        user = _user_id(site, "reception@alpha.test")
        edited = admin.post(
            f"/admin/users/{user}",
            data={
                "name": "Rita Reception",
                "email": "rita@alpha.test",
                "role": "reception",
                "language": "es",
                "csrf_token": token,
            },
        )
        assert edited.status_code == 200
        assert "Rita Reception" in edited.text
        reset = admin.post(
            f"/admin/users/{user}/password",
            data={"password": "a brand new password", "csrf_token": token},
        )
        assert reset.status_code == 200
        assert colleague.get("/appointments", follow_redirects=False).status_code == 303
        login = csrf_of(colleague, "/login")
        old = colleague.post(
            "/login", data={"email": "rita@alpha.test", "password": PASSWORD, "csrf_token": login}
        )
        assert old.status_code == 401
        new = colleague.post(
            "/login",
            data={
                "email": "rita@alpha.test",
                "password": "a brand new password",
                "csrf_token": login,
            },
            follow_redirects=False,
        )
        assert new.status_code == 303


def test_the_last_admin_cannot_be_removed_and_nobody_deactivates_themselves(
    site: Clinic, client: TestClient
) -> None:
    """The clinic cannot lock itself out of its own administration."""
    token = sign_in(client, "admin@alpha.test")
    me = _user_id(site, "admin@alpha.test")
    demoted = client.post(
        f"/admin/users/{me}",
        data={
            "name": "A",
            "email": "admin@alpha.test",
            "role": "reception",
            "language": "en",
            "csrf_token": token,
        },
    )
    assert demoted.status_code == 422
    assert "at least one active admin" in demoted.text
    myself = client.post(f"/admin/users/{me}/active", data={"active": "0", "csrf_token": token})
    assert myself.status_code == 422
    assert "cannot deactivate yourself" in myself.text


def test_adding_a_user_with_a_taken_e_mail_keeps_the_form_and_names_no_clinic(
    site: Clinic, client: TestClient
) -> None:
    """Everything typed but the password comes back; the message is next to the e-mail and
    does not say that the address belongs to another clinic."""
    token = sign_in(client, "admin@alpha.test")
    refused = client.post(
        "/admin/users",
        data={
            "name": "Betty Copy",
            "email": "practitioner@beta.test",
            "role": "reception",
            "language": "es",
            "password": "long enough password",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert 'value="Betty Copy"' in refused.text
    assert 'value="practitioner@beta.test"' in refused.text
    assert re.search(r'<option value="reception" selected', refused.text)
    assert "long enough password" not in refused.text
    message = re.search(r'id="err-email"[^>]*>([^<]*)<', refused.text)
    assert message is not None
    assert message.group(1).startswith("This e-mail cannot be used")
    assert "clinic" not in message.group(1)


def test_erasing_a_patient_asks_for_their_name(site: Clinic, client: TestClient) -> None:
    """The page names the patient; a wrong name erases nothing, the right one erases."""
    token = sign_in(client, "admin@alpha.test")
    auth = token_for(site, "admin@alpha.test")
    patient = client.post("/api/patients", json={"name": "Erin Erase"}, headers=auth).json()
    page = client.get(f"/patients/{patient['id']}")
    assert f'href="/patients/{patient["id"]}/erase"' in page.text
    confirm = client.get(f"/patients/{patient['id']}/erase")
    assert "Erase Erin Erase?" in confirm.text
    wrong = client.post(
        f"/patients/{patient['id']}/erase", data={"confirm_name": "Erin", "csrf_token": token}
    )
    assert wrong.status_code == 422
    assert client.get(f"/api/patients/{patient['id']}", headers=auth).status_code == 200
    right = client.post(
        f"/patients/{patient['id']}/erase",
        data={"confirm_name": " erin  erase ", "csrf_token": token},
        follow_redirects=False,
    )
    assert right.status_code == 303
    assert client.get(f"/api/patients/{patient['id']}", headers=auth).status_code == 404


@pytest.fixture
def live(site: Clinic) -> Iterator[str]:
    """The application served by uvicorn in this process (so checks can be counted)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("attempts", [20, 40])
def test_simultaneous_wrong_passwords_cannot_beat_the_limit(
    live: str, monkeypatch: pytest.MonkeyPatch, attempts: int
) -> None:
    """However many arrive at once, at most the limit (5) are checked (on main: 19)."""
    checked: list[str] = []

    def counting(stored: str, given: str) -> bool:
        checked.append(given)
        return verify_password(stored, given)

    monkeypatch.setattr(auth_service, "verify_password", counting)
    with httpx.Client(base_url=live) as browser:
        page = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        cookies = dict(browser.cookies)

    def guess(number: int) -> int:
        with httpx.Client(base_url=live, cookies=cookies, timeout=60) as one:
            return one.post(
                "/login",
                data={
                    "email": "practitioner@alpha.test",
                    "password": f"wrong {number}",
                    "csrf_token": csrf.group(1),
                },
            ).status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        statuses = list(pool.map(guess, range(attempts)))
    assert len(checked) <= 5
    assert statuses.count(401) == len(checked)
    assert statuses.count(429) == attempts - len(checked)


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    """By default the header is ignored, so a guesser cannot pose as many addresses."""
    from types import SimpleNamespace

    from dorsum.settings import Settings
    from dorsum.web.addresses import client_address

    def request(peer: str, forwarded: str) -> Any:
        return SimpleNamespace(
            client=SimpleNamespace(host=peer), headers={"x-forwarded-for": forwarded}
        )

    untrusted = Settings().proxies
    trusted = Settings(trusted_proxies="10.0.0.0/8").proxies
    assert client_address(request("10.1.1.1", "203.0.113.9"), untrusted) == "10.1.1.1"
    assert (
        client_address(request("10.1.1.1", "198.51.100.7, 203.0.113.9"), trusted) == "203.0.113.9"
    )
    assert client_address(request("192.0.2.1", "203.0.113.9"), trusted) == "192.0.2.1"


def test_a_real_server_ignores_x_forwarded_for_by_default(tmp_path: Path) -> None:
    """Guesses that each claim another address still count against the one they come from."""
    from dorsum.storage.migrate import upgrade
    from tests.web.conftest import _seed
    from tests.web.server import serve

    url = f"sqlite:///{tmp_path / 'xff.sqlite3'}"
    upgrade(url)
    _seed(url)
    server = serve(url, tmp_path, DORSUM_COOKIE_SECURE="false")  # plain http on loopback
    try:
        with httpx.Client(base_url=server.url) as browser:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
            assert csrf is not None
            statuses = [
                browser.post(
                    "/login",
                    data={
                        "email": f"nobody{n}@example.test",
                        "password": "wrong",
                        "csrf_token": csrf.group(1),
                    },
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                ).status_code
                for n in range(34)
            ]
    finally:
        server.stop()
    assert statuses.count(401) == 30
    assert statuses.count(429) == 4
