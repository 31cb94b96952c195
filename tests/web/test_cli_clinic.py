"""`dorsum clinic`: a new clinic's first admin can sign in, and an issued token opens the API;
mistakes are messages with exit status 2."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dorsum.cli import app as cli
from dorsum.settings import Settings
from dorsum.web.app import create_app
from tests.web.conftest import csrf_of

runner = CliRunner()
PASSWORD = "a-long-enough-password"


def run(url: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=stdin, env={"DORSUM_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def test_a_new_clinic_admin_signs_in_and_a_token_opens_the_api(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    create = ["clinic", "create", "valencia", "--name", "Clínica Valencia"]
    admin = ["--admin-email", "Ana@Example.es", "--admin-name", "Ana", "--language", "es"]
    code, out, err = run(url, *create, *admin, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, err
    assert "created" in out
    code, out, err = run(url, "clinic", "token", "ana@example.es", "--label", "EHR bridge")
    assert code == 0, err
    issued = out.strip().splitlines()[0]
    application = create_app(Settings(database_url=url, public_clinic="valencia"))
    with TestClient(application, base_url="https://testserver") as client:
        listed = client.get("/api/patients", headers={"Authorization": f"Bearer {issued}"})
        assert listed.status_code == 200
        assert listed.json()["total"] == 0
        signed = client.post(
            "/login",
            data={"email": "ana@example.es", "password": PASSWORD, "csrf_token": csrf_of(client)},
            follow_redirects=False,
        )
        assert signed.status_code == 303


def test_mistakes_are_messages_not_tracebacks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"

    def create(slug: str, email: str, password: str) -> list[str]:
        admin = ["--admin-email", email, "--admin-name", "A", "--password", password]
        return ["clinic", "create", slug, "--name", "X", *admin]

    assert run(url, *create("one", "a@x.es", PASSWORD))[0] == 0
    cases = {
        "already exists": create("one", "b@x.es", PASSWORD),
        "lower-case letters": create("Bad Id", "b@x.es", PASSWORD),
        "at least 10 characters": create("two", "b@x.es", "short"),
        "no user": ["clinic", "token", "nobody@x.es", "--label", "x"],
    }
    for message, args in cases.items():
        code, out, err = run(url, *args)
        assert code == 2, (args, out)
        assert message in err
        assert "Traceback" not in out + err
