"""Benchmark: CDS Hooks `patient-view` under wrk on loopback, with prefetch, once with JWT
verification on (every request a fresh ES384-signed JWT, its key set served by a local JWKS
server, its jti stored against replay) and once with verification off, for comparison.

The app runs as web_bench runs it: uvicorn (httptools, uvloop), 2 workers, a temporary SQLite
database. wrk drives 32 connections over 2 threads; a Lua script cycles through prefetched
patients (the shipped examples and generated intakes, as FHIR) and gives each request the next
unused token (each wrk thread takes its own share, so no token is sent twice). Goal: p99 ≤ 50 ms
(the specification's budget is about 500 ms). Figures are printed, never asserted. Set
BENCH_CDS_SECONDS to change the run length.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from rich.console import Console
from rich.table import Table

from bench import intakes
from bench.web_bench import (
    CONNECTIONS,
    SERVER_TIMING_LUA,
    THREADS,
    WORKERS,
    Load,
    parse_wrk,
    serving,
)

TODAY = date(2026, 11, 21)
ISSUER = "https://ehr.bench.example"
SERVICE_URL = "https://dorsum.bench.example/cds-services"
PATH = "/cds-services/dorsum-patient-view"
GOAL_P99_MS = 50.0
EXPECTED_RPS = 1000  # tokens signed per second of run; a faster server would reuse (and fail)
LOW_CONNECTIONS = 4  # an EHR opening charts: a few calls at a time (latency, not saturation)


@contextmanager
def jwks_server(keys: dict[str, Any]) -> Iterator[str]:
    """The EHR's key set on a loopback port; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(keys).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_address[1]}/jwks.json"
    finally:
        http.shutdown()
        http.server_close()


def hook_bodies(count: int) -> list[str]:
    """patient-view requests with full prefetch, one per intake."""
    from dorsum.core.intake import Intake
    from dorsum.fhir.writing import intake_resources

    kinds = {
        "conditions": "Condition",
        "observations": "Observation",
        "medicationStatements": "MedicationStatement",
        "medicationRequests": "MedicationRequest",
        "allergies": "AllergyIntolerance",
    }
    bodies = []
    for n, data in enumerate(intakes.examples() + intakes.generated(count)):
        found = intake_resources(Intake.model_validate(data), today=TODAY, patient_id=f"p{n}")
        prefetch: dict[str, Any] = {
            key: {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": r} for r in found if r["resourceType"] == kind],
            }
            for key, kind in kinds.items()
        }
        prefetch["patient"] = next(r for r in found if r["resourceType"] == "Patient")
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": f"p{n}"},
            "prefetch": prefetch,
        }
        bodies.append(json.dumps(body, separators=(",", ":")))
    return bodies


def sign_tokens(key: ECKey, count: int) -> list[str]:
    """`count` ES384 JWTs, each with its own jti, valid for the next ten minutes."""
    now = int(time.time())
    header = {"alg": "ES384", "typ": "JWT", "kid": key.kid}
    return [
        jwt.encode(
            header,
            {
                "iss": ISSUER,
                "sub": "bench",
                "aud": f"{SERVICE_URL}/dorsum-patient-view",
                "iat": now,
                "exp": now + 600,
                "jti": uuid.uuid4().hex,
            },
            key,
            algorithms=["ES384"],
        )
        for _ in range(count)
    ]


def lua(bodies: Path, tokens: Path | None) -> str:
    """A wrk script: bodies in turn; with tokens, each thread takes every THREADS-th token."""
    # web_bench's server-timing collector, with a `setup` that also numbers the threads (it
    # replaces the collector's own and fills the same `threads` table)
    script = (
        SERVER_TIMING_LUA
        + f"""
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local function lines(path)
  local all = {{}}
  for line in io.lines(path) do all[#all + 1] = line end
  return all
end
bodies = lines("{bodies}")
tokens = {{}}
"""
    )
    if tokens is not None:
        script += f'tokens = lines("{tokens}")\n'
    script += f"""
local i, t = 0, 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  local headers = nil
  if #tokens > 0 then
    t = t + 1
    local n = ((t - 1) * {THREADS} + id) % #tokens + 1
    headers = {{["Authorization"] = "Bearer " .. tokens[n]}}
  end
  return wrk.format(nil, "{PATH}", headers, bodies[i])
end
"""
    return script


def run_wrk(port: int, script: Path, seconds: int, connections: int) -> Load:
    import subprocess

    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command.append("--timeout=10s")  # a slow answer is measured, not dropped
    output = subprocess.run(
        [*command, "-s", str(script), f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def _database(folder: Path) -> str:
    from dorsum.storage.migrate import upgrade

    url = f"sqlite:///{folder / 'cds-bench.sqlite3'}"
    upgrade(url)
    return url


def main() -> dict[str, Any]:
    console = Console()
    if shutil.which("wrk") is None:
        console.print(
            "[yellow]CDS Hooks benchmark skipped: wrk is not installed (apt-get install wrk)"
        )
        return {}
    seconds = int(os.environ.get("BENCH_CDS_SECONDS", "10"))
    key = ECKey.generate_key("P-384", parameters={"kid": "bench-1"})
    results: dict[str, Load] = {}
    public = dict(KeySet([key]).as_dict(private=False))
    with tempfile.TemporaryDirectory() as scratch, jwks_server(public) as jwks:
        folder = Path(scratch)
        bodies = folder / "bodies.txt"
        bodies.write_text("\n".join(hook_bodies(50)) + "\n")
        base = {
            "DORSUM_DATABASE_URL": _database(folder),
            "DORSUM_AUTO_MIGRATE": "false",
            "DORSUM_CDS_SERVICE_URL": SERVICE_URL,
            "DORSUM_CDS_ISSUERS": json.dumps({ISSUER: jwks}),
        }
        for verify in (True, False):
            mode = "JWT on" if verify else "JWT off"
            env = {**base, "DORSUM_CDS_VERIFY_JWT": str(verify).lower()}
            with serving("dorsum.web.main:app", env) as port:
                warm = folder / "warm.lua"
                warm.write_text(lua(bodies, None))
                if not verify:
                    run_wrk(port, warm, 2, CONNECTIONS)
                for connections in (CONNECTIONS, LOW_CONNECTIONS):
                    script = folder / f"{mode}-{connections}.lua".replace(" ", "-")
                    tokens = None
                    if verify:
                        with console.status("signing ES384 tokens, one per request"):
                            tokens = folder / f"tokens-{connections}.txt"
                            signed = sign_tokens(key, EXPECTED_RPS * (seconds + 2))
                            tokens.write_text("\n".join(signed) + "\n")
                    script.write_text(lua(bodies, tokens))
                    with console.status(f"patient-view, {mode}, {connections} connections"):
                        load = run_wrk(port, script, seconds, connections)
                    results[f"{mode}, {connections} connections"] = load
    return _report(console, results, seconds)


def _report(console: Console, results: dict[str, Load], seconds: int) -> dict[str, Any]:
    table = Table(
        title=f"CDS Hooks patient-view with prefetch: uvicorn {WORKERS} workers, SQLite, "
        f"wrk {THREADS} threads, {seconds} s per run"
    )
    columns = ("run", "requests/s", "p50 ms", "p99 ms", "server p50", "server p99", "failed")
    for column in (*columns, f"p99 ≤ {GOAL_P99_MS:g} ms"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for label, load in results.items():
        met = "yes" if load.p99_ms <= GOAL_P99_MS and not load.failures else "no"
        table.add_row(
            label,
            f"{load.rps:,.0f}",
            f"{load.p50_ms:.2f}",
            f"{load.p99_ms:.2f}",
            f"{load.server_p50_ms or 0:.2f}",
            f"{load.server_p99_ms or 0:.2f}",
            str(load.failures),
            met,
        )
    console.print(table)
    return {
        label: {
            "server_p50_ms": load.server_p50_ms,
            "server_p99_ms": load.server_p99_ms,
            "rps": load.rps,
            "p50_ms": load.p50_ms,
            "p99_ms": load.p99_ms,
            "failures": load.failures,
        }
        for label, load in results.items()
    }


if __name__ == "__main__":
    main()
