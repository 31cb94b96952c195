"""Schemathesis explores the OpenAPI schema with bounded examples: no request makes a 500.

Requests carry a practitioner's bearer token, so the patient endpoints are exercised too, on a
SQLite database seeded like the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from dorsum.settings import Settings
from dorsum.web.app import create_app
from tests.web.conftest import Clinic, _seed
from tests.web.test_api import token_for

EXAMPLES_PER_OPERATION = 30


def test_no_request_makes_a_server_error(tmp_path: Path) -> None:
    """Every operation answers 2xx or 4xx, whatever it is sent."""
    url = f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
    app = create_app(Settings(database_url=url, public_clinic="alpha"))
    _seed(url)
    headers = token_for(Clinic(app=app, url=url), "practitioner@alpha.test")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 15
    for operation in operations:
        _explore(operation, headers, failures)
    app.state.engine.dispose()
    assert failures == [], "\n".join(failures[:10])


def _explore(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    headers: dict[str, str],
    failures: list[str],
) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def explore(case: schemathesis.Case[Any]) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{operation.label}: {response.status_code}: {case.as_curl_command()}")

    explore()


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_api_is_documented(client: object, path: str) -> None:
    """The OpenAPI schema and its browsable docs are served."""
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    assert client.get(path).status_code == 200
