"""The last line: an exception no handler expected becomes a plain 500 with a reference, and
its scrubbed traceback (no message, no values) is logged under that reference.

It sits just inside Starlette's own error middleware and does not re-raise, so the server
never logs the exception's message either, whatever logging configuration it runs with.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dorsum.i18n import N_
from dorsum.web.errors import ErrorPage, wants_json
from dorsum.web.logs import scrubbed

log = logging.getLogger("dorsum.web")
FAILED = N_(
    "Something went wrong on our side. Please check whether your last change was saved before "
    "trying again. Reference: %(reference)s."
)


class SafeFailures:
    def __init__(self, app: ASGIApp, *, error_page: ErrorPage) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            reference = secrets.token_hex(4)
            path = scope.get("path", "")
            log.error(
                "request failed [%s] %s %s\n%s", reference, scope["method"], path, scrubbed(error)
            )
            if started:
                return
            request = Request(scope, receive)
            values = {"reference": reference}
            response: Response
            if wants_json(request):
                response = JSONResponse({"detail": FAILED % values}, status_code=500)
            else:
                response = self.error_page(request, 500, FAILED, values)
            await response(scope, receive, send)
