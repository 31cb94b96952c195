"""A real `dorsum serve` process on a free port, for tests that need the server as clinic IT
runs it: its logging configuration, its worker, and a process that can be killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> str:
        """Stop politely and return everything the server logged."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, as a power cut or the OOM killer would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def serve(database_url: str, folder: Path, **env: str) -> Served:
    """Start `dorsum serve` and wait until /api/health answers."""
    port = free_port()
    log = folder / f"server-{port}.log"
    environment = {
        **os.environ,
        "DORSUM_DATABASE_URL": database_url,
        "DORSUM_PUBLIC_CLINIC": "alpha",
        **env,
    }
    command = [
        sys.executable,
        "-c",
        "from dorsum.cli import main; main()",
        "serve",
        "--port",
        str(port),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return Served(process=process, url=url, log=log)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start: {log.read_text()}")
