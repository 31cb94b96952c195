"""A small, real FHIR endpoint and EHR for the CDS Hooks tests: an HTTP server on 127.0.0.1 in
a thread that answers FHIR reads and searches from a list of resources and serves JWK Sets,
and an EHR that signs CDS Hooks JWTs with real ES384 and RS384 keys (joserfc).

It can be told to be slow (`delay`), to fail (`status`), to page its searches (`page_size`,
with `next` links, optionally pointing at another server: `next_base`), or to pad its answers
(`padding`), and records the Authorization headers it received, so the tests see what dorsum
really sent over the wire.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey


@dataclass
class FhirServer:
    """What the server serves and how it behaves; change it between requests freely."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    key_sets: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> JWKS
    delay: float = 0.0  # FHIR answers only; key sets are always served
    status: int | None = None  # FHIR answers only
    page_size: int = 0  # searches answer this many entries a page, with a next link (0: all)
    next_base: str = ""  # where next links point (default: this server)
    padding: int = 0  # bytes of padding added to every FHIR answer
    authorizations: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def fhir(self) -> str:
        return self.url + "/fhir"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path in self.key_sets:
            return 200, self.key_sets[path]
        parts = [p for p in path.removeprefix("/fhir").split("/") if p]
        if len(parts) == 2:
            for resource in self.resources:
                if [resource["resourceType"], resource.get("id")] == parts:
                    return 200, resource
            return 404, {"resourceType": "OperationOutcome"}
        if len(parts) == 1:
            patient = (query.get("patient") or [""])[0]
            found = [
                r
                for r in self.resources
                if r["resourceType"] == parts[0]
                and (r.get("subject") or r.get("patient") or {}).get("reference")
                == f"Patient/{patient}"
            ]
            return 200, self._page(parts[0], patient, found, query)
        return 404, {"resourceType": "OperationOutcome"}

    def _page(
        self, kind: str, patient: str, found: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> dict[str, Any]:
        start = int((query.get("_offset") or ["0"])[0])
        end = start + self.page_size if self.page_size else len(found)
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in found[start:end]],
        }
        if end < len(found):
            url = f"{self.next_base or self.fhir}/{kind}?patient={patient}&_offset={end}"
            bundle["link"] = [{"relation": "next", "url": url}]
        return bundle


def _handler(server: FhirServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            split = urlsplit(self.path)
            server.requests.append(self.path)
            server.authorizations.append(self.headers.get("Authorization", ""))
            fhir = split.path.startswith("/fhir")
            if server.delay and fhir:
                time.sleep(server.delay)
            status, document = server.answer(split.path, parse_qs(split.query))
            status = (server.status if fhir else None) or status
            if fhir and server.padding and isinstance(document, dict):
                document = {**document, "text": {"div": "x" * server.padding}}
            body = json.dumps(document).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the slow-server tests)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def serving(server: FhirServer) -> Iterator[FhirServer]:
    """Run `server` on a free loopback port until the block ends."""
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    http.daemon_threads = True
    server.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        http.shutdown()
        http.server_close()


@dataclass
class Ehr:
    """An EHR that signs CDS Hooks JWTs. `issuer` is its `iss`; its public keys are a JWKS."""

    issuer: str = "https://ehr.example.org"
    ec: ECKey = field(
        default_factory=lambda: ECKey.generate_key("P-384", parameters={"kid": "ec-1"})
    )
    rsa: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    )

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.ec, self.rsa]).as_dict(private=False))

    def token(
        self,
        aud: str | list[str],
        *,
        alg: str = "ES384",
        now: float | None = None,
        header: dict[str, Any] | None = None,
        key: Any = None,
        **claims: Any,
    ) -> str:
        """A signed JWT as the specification describes it; `claims` override or (None) drop."""
        moment = int(now if now is not None else time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "client-42",
            "aud": aud,
            "exp": moment + 300,
            "iat": moment,
            "jti": str(uuid.uuid4()),
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        signing = key if key is not None else (self.ec if alg == "ES384" else self.rsa)
        head = {"alg": alg, "typ": "JWT", "kid": signing.kid, **(header or {})}
        return jwt.encode(head, payload, signing, algorithms=[alg])


EHR_FOR_TESTS = Ehr()  # one EHR for every CDS test: RSA key generation is slow
