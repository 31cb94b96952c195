"""Benchmark: `POST /api/assess` under load on loopback, against a bare FastAPI echo endpoint
measured in the same run as the floor; then the server time of the consultation pages.

Both servers run as a clinic would run dorsum: uvicorn with httptools and uvloop, 2 workers,
the access log on (to /dev/null). wrk drives 32 connections over 2 threads and cycles through
mixed intakes. Goals: ≥ 5,000 requests/s, p99 ≤ 10 ms, ≥ 25 % of the echo's throughput.
Figures are printed, never asserted. Set BENCH_WEB_SECONDS to change the run length.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import dorsum
from bench import intakes

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-21"
CONNECTIONS = 32
THREADS = 2
WORKERS = 2
PAGE_REPEATS = 60
SERVE = (
    "import sys, uvicorn\n"
    "from dorsum.web.logs import LOGGING\n"
    "uvicorn.run(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2]), workers=int(sys.argv[3]),"
    " http='httptools', loop='uvloop', log_config=LOGGING, access_log=True)"
)
PREVIEW_FORM = {
    "age": "24",
    "sex": "female",
    "fitzpatrick": "3",
    "visit_date": TODAY,
    "body_map": json.dumps(
        {
            "zones": {
                "upper_left": {"comedones": 12, "papules": 9, "pustules": 3},
                "upper_right": {"comedones": 10, "papules": 7, "boxcar": 2},
                "middle_left": {"papules": 4, "rolling": 3},
            }
        }
    ),
}


SERVER_TIMING_LUA = """
times = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  local stamp = headers["server-timing"]
  if stamp then times[#times + 1] = tonumber(string.match(stamp, "dur=([%d.]+)")) end
end
function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for _, value in ipairs(thread:get("times")) do all[#all + 1] = value end
  end
  table.sort(all)
  local function at(q) return all[math.min(#all, math.floor(#all * q) + 1)] end
  io.write(string.format("server-timing %.3f %.3f %.3f %d\\n", at(0.5), at(0.99), all[#all], #all))
end
"""


@dataclass(frozen=True)
class Load:
    """What wrk measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    server_p50_ms: float | None = None
    server_p99_ms: float | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(target: str, env: dict[str, str]) -> Iterator[int]:
    """Run `target` under uvicorn on a free port until the block ends."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, target, str(port), str(WORKERS)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the server stopped while starting:\n{error[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.5)  # let the second worker finish importing too
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start within 60 s")


def _lua(path: str, bodies: list[str], *, server_timing: bool = False) -> str:
    """A wrk script that POSTs the bodies in turn; optionally it also collects each response's
    Server-Timing and prints its percentiles (this slows wrk, so it is a separate run)."""
    quoted = ",\n".join(f"[==[{body}]==]" for body in bodies)
    script = (
        f"local bodies = {{\n{quoted}\n}}\n"
        "local i = 0\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        f'  return wrk.format(nil, "{path}", nil, bodies[i])\n'
        "end\n"
    )
    return script + SERVER_TIMING_LUA if server_timing else script


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def parse_wrk(output: str) -> Load:
    """The figures wrk prints with --latency."""

    def find(pattern: str) -> str | None:
        match = re.search(pattern, output, re.MULTILINE)
        return match.group(1) if match else None

    non_2xx = int(find(r"Non-2xx or 3xx responses:\s+(\d+)") or 0)
    server = re.search(r"^server-timing ([\d.]+) ([\d.]+)", output, re.MULTILINE)
    socket_errors = find(r"Socket errors: (.*)$")
    errors = sum(int(n) for n in re.findall(r"\d+", socket_errors or ""))
    return Load(
        rps=float(find(r"Requests/sec:\s+([\d.]+)") or 0),
        p50_ms=_milliseconds(find(r"^\s+50%\s+(\S+)") or "0ms"),
        p99_ms=_milliseconds(find(r"^\s+99%\s+(\S+)") or "0ms"),
        requests=int(find(r"(\d+) requests in") or 0),
        failures=non_2xx + errors,
        server_p50_ms=float(server.group(1)) if server else None,
        server_p99_ms=float(server.group(2)) if server else None,
    )


def wrk(
    port: int,
    path: str,
    bodies: list[str],
    seconds: int,
    folder: Path,
    *,
    server_timing: bool = False,
) -> Load:
    script = folder / f"post-{port}-{server_timing}.lua"
    script.write_text(_lua(path, bodies, server_timing=server_timing))
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    output = subprocess.run(
        [*command, "-s", str(script), f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def _bodies() -> list[str]:
    return [
        json.dumps(i, separators=(",", ":")) for i in intakes.examples() + intakes.generated(200)
    ]


def _demo_database(folder: Path) -> tuple[str, int, int]:
    """A SQLite file with the demo data; its URL, a demo consultation and its patient."""
    from sqlalchemy import select

    from dorsum.services.demo import load_demo
    from dorsum.storage.database import make_engine, session_factory
    from dorsum.storage.migrate import upgrade
    from dorsum.storage.tables import Clinic, Consultation

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as db:
        load_demo(db, today=date.fromisoformat(TODAY), index=dorsum.default_index())
        db.commit()
        row = db.execute(
            select(Consultation.id, Consultation.patient_id)
            .join(Clinic, Clinic.id == Consultation.clinic_id)
            .where(Clinic.slug == "demo")
            .order_by(Consultation.id)
        ).first()
    engine.dispose()
    assert row is not None
    return url, int(row[0]), int(row[1])


class Browser:
    """Just enough of a browser: cookies and forms over one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.connection = HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> HTTPResponse:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        for header in response.headers.get_all("set-cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}")
        return response

    def page(self, path: str) -> tuple[HTTPResponse, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        return response, response.read().decode()


def _server_ms(response: HTTPResponse) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def page_times(port: int, consultation: int, patient: int) -> dict[str, list[float]]:
    """Server time (Server-Timing) of the pages a practitioner uses in a consultation."""
    from dorsum.services.demo import PASSWORD

    browser = Browser(port)
    browser.send("GET", "/login")
    login = {"email": "doctor@demo.dorsum.test", "password": PASSWORD, "next": "/"}
    browser.send("POST", "/login", {**login, "csrf_token": browser.cookies["dorsum_csrf"]})
    _, html = browser.page(f"/consultations/{consultation}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None, "the consultation page has no CSRF token"
    form = {**PREVIEW_FORM, "csrf_token": token.group(1)}
    times: dict[str, list[float]] = {
        "consultation page (saved, with result)": [],
        "new consultation form": [],
        "live result panel (htmx preview)": [],
    }
    for _ in range(PAGE_REPEATS):
        response, _ = browser.page(f"/consultations/{consultation}")
        times["consultation page (saved, with result)"].append(_server_ms(response))
        response, _ = browser.page(f"/patients/{patient}/consultations/new")
        times["new consultation form"].append(_server_ms(response))
        response = browser.send("POST", "/consultations/preview", form)
        times["live result panel (htmx preview)"].append(_server_ms(response))
    return times


def main() -> dict[str, Any]:
    console = Console()
    if shutil.which("wrk") is None:
        console.print("[yellow]web benchmark skipped: wrk is not installed (apt-get install wrk)")
        return {}
    seconds = int(os.environ.get("BENCH_WEB_SECONDS", "10"))
    bodies = _bodies()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url, consultation, patient = _demo_database(folder)
        env = {"DORSUM_DATABASE_URL": url, "DORSUM_AUTO_MIGRATE": "false"}
        with (
            console.status("bare FastAPI echo: warming up, then measuring"),
            serving("bench.echo_app:app", env) as port,
        ):
            wrk(port, "/echo", bodies, 2, folder)
            floor = wrk(port, "/echo", bodies, seconds, folder)
        path = f"/api/assess?today={TODAY}"
        with (
            console.status("dorsum POST /api/assess: warming up, then measuring"),
            serving("dorsum.web.main:app", env) as port,
        ):
            wrk(port, path, bodies, 2, folder)
            assess = wrk(port, path, bodies, seconds, folder)
            timed = wrk(port, path, bodies, seconds, folder, server_timing=True)
            pages = page_times(port, consultation, patient)
    run = Run(floor, assess, timed, pages, len(bodies), seconds)
    return _report(console, run)


@dataclass(frozen=True)
class Run:
    """Everything one benchmark run measured."""

    floor: Load
    assess: Load
    timed: Load
    pages: dict[str, list[float]]
    distinct: int
    seconds: int


def _report(console: Console, run: Run) -> dict[str, Any]:
    floor, assess, timed, pages = run.floor, run.assess, run.timed, run.pages
    distinct, seconds = run.distinct, run.seconds
    table = Table(
        title=f"Web benchmark: wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s, uvicorn httptools + "
        f"uvloop, {WORKERS} workers, {distinct} distinct bodies"
    )
    for column in ("endpoint", "requests/s", "p50 ms", "p99 ms", "requests", "failed"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for name, load in (("bare FastAPI echo (floor)", floor), ("dorsum POST /api/assess", assess)):
        table.add_row(
            name,
            f"{load.rps:,.0f}",
            f"{load.p50_ms:.2f}",
            f"{load.p99_ms:.2f}",
            f"{load.requests:,}",
            str(load.failures),
        )
    console.print(table)
    share = assess.rps / floor.rps if floor.rps else 0.0
    goals = {
        "≥ 5,000 requests/s": assess.rps >= 5000,
        "p99 ≤ 10 ms": assess.p99_ms <= 10,
        "≥ 25 % of the bare endpoint": share >= 0.25,
        "no failed requests": assess.failures == 0 and floor.failures == 0,
    }
    console.print(f"  /api/assess reaches {share:.0%} of the bare endpoint's throughput")
    console.print(
        f"  under the same load, the server's own time per request (Server-Timing, a separate "
        f"run of {timed.requests:,}): p50 {timed.server_p50_ms or 0:.2f} ms, "
        f"p99 {timed.server_p99_ms or 0:.2f} ms; the rest of the client's latency is queueing "
        f"for {WORKERS} CPUs shared with wrk"
    )
    for goal, met in goals.items():
        console.print(f"  {'met' if met else 'MISSED'}: {goal}")
    pages_table = Table(
        title=f"Consultation pages: server time (Server-Timing), {PAGE_REPEATS} runs"
    )
    for column in ("page", "median ms", "p95 ms"):
        pages_table.add_column(column, justify="left" if column == "page" else "right")
    figures: dict[str, Any] = {}
    for name, samples in pages.items():
        ordered = sorted(samples)
        median, p95 = statistics.median(samples), ordered[int(len(ordered) * 0.95)]
        figures[name] = {"median_ms": median, "p95_ms": p95}
        pages_table.add_row(name, f"{median:.2f}", f"{p95:.2f}")
    console.print(pages_table)
    return {
        "floor": floor,
        "assess": assess,
        "server_time": timed,
        "share": share,
        "goals": goals,
        "pages": figures,
    }


if __name__ == "__main__":
    main()
