"""`kill -9` of the server in the middle of a stream of writes: every write that was
acknowledged is there after a restart, and the audit log verifies (the full measurement is
`python -m bench.durability`)."""

from __future__ import annotations

import pytest
from bench.durability import run

from tests.web.conftest import POSTGRES


@pytest.mark.parametrize("backend", ["sqlite", *(["postgresql"] if POSTGRES else [])])
def test_no_acknowledged_write_is_lost_when_the_server_is_killed(backend: str) -> None:
    rounds = run(POSTGRES if backend == "postgresql" else None, rounds=2)
    assert all(r.acknowledged for r in rounds), "the writers wrote nothing before the kill"
    assert [r.missing for r in rounds] == [[], []]
    assert all(r.audit_ok for r in rounds)
