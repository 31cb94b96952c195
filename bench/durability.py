"""Measurement: `kill -9` of the server during a stream of writes loses no acknowledged write,
and the audit log still verifies.

Each round starts `dorsum serve`, lets two clients register patients and save consultations as
fast as they can, kills the server with SIGKILL at a random moment, starts it again, reads back
every write that was acknowledged (201), and runs `dorsum audit verify`.

    python -m bench.durability --rounds 5                       # SQLite in a temporary folder
    python -m bench.durability --rounds 5 --database postgresql+psycopg://postgres@127.0.0.1/test

Prints one line per round and a total; exits 1 if anything acknowledged is missing or the audit
log does not verify.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
from tests.web.server import Served, serve

from bench.intakes import examples

WRITERS = 2
INTAKES = examples()


@dataclass
class Round:
    acknowledged: list[tuple[str, int]] = field(default_factory=list)
    missing: list[tuple[str, int]] = field(default_factory=list)
    audit_ok: bool = False


def prepare(url: str) -> str:
    """A migrated, seeded database (emptied first) and an API token for the writers."""
    from tests.web.conftest import _reset_postgres, _seed

    from dorsum.services.auth import issue_api_token
    from dorsum.storage.database import make_engine, session_factory
    from dorsum.storage.migrate import upgrade

    if url.startswith("postgresql"):
        _reset_postgres(url)
    else:
        upgrade(url)
    _seed(url)
    engine = make_engine(url)
    with session_factory(engine)() as db:
        from sqlalchemy import select

        from dorsum.storage.tables import User

        user = db.scalar(select(User.id).where(User.email == "practitioner@alpha.test"))
        assert user is not None
        token = issue_api_token(db, user_id=user, label="durability")
        db.commit()
    engine.dispose()
    return token


def _write(server: Served, token: str, worker: int, done: threading.Event, out: Round) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    step = 0
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        while not done.is_set():
            step += 1
            try:
                made = client.post("/api/patients", json={"name": f"Durable {worker}-{step}"})
                if made.status_code != 201:
                    continue
                out.acknowledged.append(("patients", made.json()["id"]))
                saved = client.post(
                    f"/api/patients/{made.json()['id']}/consultations",
                    json={"intake": INTAKES[step % len(INTAKES)]},
                )
                if saved.status_code == 201:
                    out.acknowledged.append(("consultations", saved.json()["id"]))
            except httpx.TransportError:
                return


def one_round(url: str, token: str, folder: Path, rng: random.Random) -> Round:
    result = Round()
    server = serve(url, folder)
    done = threading.Event()
    writers = [
        threading.Thread(target=_write, args=(server, token, n, done, result))
        for n in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    time.sleep(rng.uniform(0.8, 2.5))
    server.kill()
    done.set()
    for writer in writers:
        writer.join(timeout=20)
    again = serve(url, folder)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=again.url, headers=headers, timeout=10) as client:
        for kind, record in result.acknowledged:
            if client.get(f"/api/{kind}/{record}").status_code != 200:
                result.missing.append((kind, record))
    again.stop()
    verified = subprocess.run(
        [sys.executable, "-c", "from dorsum.cli import main; main()", "audit", "verify"],
        env={**os.environ, "DORSUM_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    result.audit_ok = verified.returncode == 0
    return result


def run(url: str | None, rounds: int, seed: int = 7) -> list[Round]:
    with tempfile.TemporaryDirectory() as folder:
        database = url or f"sqlite:///{Path(folder) / 'durability.sqlite3'}"
        token = prepare(database)
        rng = random.Random(seed)
        return [one_round(database, token, Path(folder), rng) for _ in range(rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", default=None, help="default: a temporary SQLite file")
    options = parser.parse_args()
    results = run(options.database, options.rounds)
    for number, result in enumerate(results, 1):
        print(
            f"round {number}: {len(result.acknowledged)} acknowledged writes, "
            f"{len(result.missing)} missing, audit log "
            + ("verified" if result.audit_ok else "BROKEN")
        )
    total = sum(len(r.acknowledged) for r in results)
    missing = sum(len(r.missing) for r in results)
    broken = sum(not r.audit_ok for r in results)
    print(
        f"total: {len(results)} kills, {total} acknowledged writes, {missing} missing, "
        f"{broken} broken audit logs"
    )
    raise SystemExit(1 if missing or broken else 0)


if __name__ == "__main__":
    main()
