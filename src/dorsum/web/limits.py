"""Limits on what a request may carry, checked before any route reads it:

- a body larger than DORSUM_MAX_BODY_BYTES is refused with 413, without reading it all;
- JSON nested deeper than DORSUM_MAX_JSON_DEPTH is refused with 422 (deep nesting costs
  recursion in every parser after this one);
- a NUL character in the query string, the path, a form or a JSON string is refused with 422
  (PostgreSQL cannot store it, and no clinic text contains it).

Bodies are small (an intake is about a kilobyte), so the checks run on bytes with C-speed
scans first and look closer only when those find something. The exception is a file upload
(a photo, a clinic's logo): a multipart body sent to an upload address may be as large as
DORSUM_MAX_PHOTO_BYTES allows, and its bytes are not scanned for NUL (an image holds many);
the image checks in `dorsum.media` read it instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dorsum.i18n import N_

ErrorPage = Callable[[Request, int, str, dict[str, object]], Response]
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_JSON_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000")
TOO_LARGE = N_("The request is too large: at most %(limit)s bytes are accepted.")
TOO_DEEP = N_("The request is nested too deeply to be read.")
HAS_NUL = N_("The request contains a NUL character, which no field may hold.")


class BodyTooLarge(Exception):
    pass


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (brackets inside strings skipped)."""
    if body.count(b"{") + body.count(b"[") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(body):
        mark = token.group()
        if mark in (b"{", b"["):
            depth += 1
            if depth > limit:
                return True
        elif mark in (b"}", b"]"):
            depth -= 1
    return False


def carries_nul(body: bytes, content_type: str) -> bool:
    if b"\x00" in body:
        return True
    if "json" in content_type:
        # JSON writes the escape with a lower-case u, and 0000 has no case: no copy of the body
        return b"\\u0000" in body and _JSON_NUL.search(body) is not None
    if "x-www-form-urlencoded" in content_type:
        return b"%00" in body
    return False


UPLOADS = re.compile(r"^/(?:consultations/\d{1,18}/photos|admin/clinic)$")
MULTIPART_SLACK = 64_000  # the form's other fields and the multipart framing


class RequestLimits:
    """Pure ASGI middleware: reads the body once (up to the limit) and replays it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_json_depth: int,
        error_page: ErrorPage,
        max_upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # twice the photo limit: a photo somewhat too large is refused next to its field, with
        # the limit in MB; only a far larger body gets the bare 413
        self.max_upload_bytes = max(2 * max_upload_bytes + MULTIPART_SLACK, max_body_bytes)
        self.max_json_depth = max_json_depth
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await self._refuse(scope, receive, send, 422, HAS_NUL)
            return
        upload = _is_upload(scope)
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, 413, TOO_LARGE, limit=limit)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and not declared:
            await self.app(scope, receive, send)
            return
        try:
            body, rest = await self._read(receive, limit)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, 413, TOO_LARGE, limit=limit)
            return
        problem = None if upload else self._problem(scope, body)
        if problem is not None:
            await self._refuse(scope, receive, send, 422, problem)
            return
        await self.app(scope, _replay(body, rest, receive), send)

    async def _read(self, receive: Receive, limit: int) -> tuple[bytes, list[Message]]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), [message]
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), []

    def _problem(self, scope: Scope, body: bytes) -> str | None:
        if not body:
            return None
        content_type = _header(scope, b"content-type").lower()
        if carries_nul(body, content_type):
            return HAS_NUL
        if "json" in content_type and json_depth_exceeds(body, self.max_json_depth):
            return TOO_DEEP
        return None

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        message: str,
        *,
        limit: int = 0,
    ) -> None:
        request = Request(scope, receive)
        path = scope.get("path", "")
        wants_json = path.startswith("/api") or "application/json" in _header(scope, b"accept")
        values: dict[str, object] = {"limit": limit or self.max_body_bytes}
        response: Response
        if path.startswith("/cds-services"):  # the CDS Hooks service's own error shape
            response = JSONResponse(
                {"error": status, "reason": message % values}, status_code=status
            )
        elif wants_json:
            response = JSONResponse({"detail": message % values}, status_code=status)
        else:
            response = self.error_page(request, status, message, values)
        if status == 413:
            response.headers["connection"] = "close"
        await response(scope, receive, send)


def _is_upload(scope: Scope) -> bool:
    """A multipart form posted to an address that takes files."""
    return (
        scope["method"] == "POST"
        and UPLOADS.match(scope.get("path", "")) is not None
        and _header(scope, b"content-type").lower().startswith("multipart/form-data")
    )


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _content_length(scope: Scope) -> int | None:
    given = _header(scope, b"content-length")
    return int(given) if given.isdigit() and len(given) < 19 else None


def _replay(body: bytes, rest: list[Message], original: Receive) -> Receive:
    """The body as one message, then whatever the client sends next (its disconnect)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *rest]

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await original()

    return receive
