"""Measurement: schemathesis against `/openapi.json` of a real `dorsum serve`, with a
practitioner's token and two workers, for a fixed time; the server's own access log counts
the answers by status, so a 500 the fuzzer did not flag still counts.

    python -m bench.fuzz --seconds 300                                   # SQLite
    python -m bench.fuzz --seconds 300 --database postgresql+psycopg://postgres@127.0.0.1/test

Exits 1 if any answer was a 5xx (503 from a busy database included).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tests.web.server import serve

from bench.durability import prepare

ACCESS = re.compile(r'access: .*"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


def run(url: str | None, seconds: int, workers: int = 2) -> tuple[Counter[int], str, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        database = url or f"sqlite:///{Path(folder) / 'fuzz.sqlite3'}"
        token = prepare(database)
        server = serve(database, Path(folder))
        try:
            fuzzer = subprocess.run(
                [
                    str(Path(sys.executable).with_name("schemathesis")),
                    "run",
                    f"{server.url}/openapi.json",
                    "--header",
                    f"Authorization: Bearer {token}",
                    "--workers",
                    str(workers),
                    "--max-time",
                    str(seconds),
                    "--checks",
                    "not_a_server_error",
                    "--suppress-health-check",
                    "all",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            log = server.stop()
        statuses = Counter(int(m.group("status")) for m in ACCESS.finditer(log))
        return statuses, fuzzer.stdout[-3000:], _failures(log)


def _failures(log: str) -> list[str]:
    """Each logged failure with its scrubbed traceback (never a message: see web/logs.py)."""
    blocks: list[str] = []
    for line in log.splitlines():
        if "request failed [" in line:
            blocks.append(line)
        elif blocks and (line.startswith("  at ") or "(message withheld)" in line):
            blocks[-1] += "\n" + line
    return blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=None, help="default: a temporary SQLite file")
    options = parser.parse_args()
    statuses, summary, failures = run(options.database, options.seconds, options.workers)
    print(summary)
    for failure in failures:
        print(failure)
    total = sum(statuses.values())
    errors = sum(count for status, count in statuses.items() if status >= 500)
    print(f"requests answered: {total}; by status: {dict(sorted(statuses.items()))}")
    print(f"server errors (5xx): {errors}")
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
