"""Reading the EHR's FHIR server when the EHR sent no prefetch (CDS Hooks 2.0, "FHIR Resource
Access"), with the access token it lent in `fhirAuthorization`.

Searches follow the Bundle's `next` links, a bounded number of pages, and only while they stay
on the same server: the token is never sent anywhere else. Each answer is read up to a size
limit, and the whole call's reading up to a time limit (httpx's read timeout bounds only the
wait between two chunks). Anything that goes wrong (down, slow, refused, too big, not FHIR, an
error reported in an OperationOutcome, more pages than dorsum reads, a next page elsewhere) is
a PreconditionFailed (412), the specification's answer when a service cannot get the data it
needs: an assessment made on part of the record could miss a contraindication.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

from dorsum.cds.errors import PreconditionFailed

__all__ = ["MAX_BYTES", "MAX_PAGES", "MAX_SECONDS", "FhirReader", "reported_error"]

MAX_PAGES = 10
MAX_BYTES = 5_000_000  # one answer (one page of a search, or one read)
MAX_SECONDS = 10.0  # all the reading one call does


@dataclass(frozen=True)
class FhirReader:
    """One EHR FHIR server, read with one token, for one call."""

    client: httpx.Client
    server: str
    token: str | None
    max_bytes: int = MAX_BYTES
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)

    @property
    def base(self) -> str:
        return self.server.rstrip("/") + "/"

    def read(self, query: str) -> list[dict[str, Any]]:
        """The resources a relative FHIR query returns (a read or a search, every page)."""
        return self.pages(self.base + query.lstrip("/"), what=_kind(query))

    def pages(self, url: str, *, what: str) -> list[dict[str, Any]]:
        """The resources of the search page at `url` (on this server) and of every next page."""
        found: list[dict[str, Any]] = []
        next_url: str | None = self._on_this_server(url, what)
        for _page in range(MAX_PAGES):
            if next_url is None:
                return found
            document = self._get(next_url, what)
            found.extend(_resources(document, what))
            next_url = self.next_page(document, what=what)
        if next_url is not None:
            raise PreconditionFailed(f"the {what} search has more than {MAX_PAGES} pages")
        return found

    def next_page(self, document: Any, *, what: str) -> str | None:
        """The Bundle's next link, which must be on this server (the token goes nowhere else)."""
        url = next_link(document)
        return None if url is None else self._on_this_server(url, what)

    def _on_this_server(self, url: str, what: str) -> str:
        if not url.startswith(self.base):
            raise PreconditionFailed(f"the next page of the {what} search is on another server")
        return url

    def _get(self, url: str, what: str) -> Any:
        if time.monotonic() > self.deadline:
            raise PreconditionFailed(f"the FHIR server did not answer in time ({what})")
        headers = {"Accept": "application/fhir+json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code >= 400:
                    raise PreconditionFailed(
                        f"the FHIR server answered {response.status_code} to the {what} query"
                    )
                body = self._body(response, what)
        except httpx.TimeoutException:
            raise PreconditionFailed(f"the FHIR server did not answer in time ({what})") from None
        except (httpx.HTTPError, httpx.InvalidURL):
            raise PreconditionFailed(f"the FHIR server could not be reached ({what})") from None
        try:
            return json.loads(body)
        except ValueError:
            raise PreconditionFailed(f"the FHIR server's {what} answer is not JSON") from None

    def _body(self, response: httpx.Response, what: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise PreconditionFailed(f"the FHIR server's {what} answer is too large")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise PreconditionFailed(f"the FHIR server's {what} answer is too large")
            if time.monotonic() > self.deadline:
                raise PreconditionFailed(f"the FHIR server did not answer in time ({what})")
            chunks.append(chunk)
        return b"".join(chunks)


def reported_error(resource: Mapping[str, Any]) -> bool:
    """An OperationOutcome with an error or fatal issue: the EHR could not give the data."""
    if resource.get("resourceType") != "OperationOutcome":
        return False
    issues = resource.get("issue")
    return not isinstance(issues, list) or any(
        not isinstance(issue, dict) or issue.get("severity") in ("error", "fatal")
        for issue in issues
    )


def next_link(document: Any) -> str | None:
    """A Bundle's `next` link, if it has one."""
    if not isinstance(document, dict) or not isinstance(document.get("link"), list):
        return None
    for link in document["link"]:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None


def _kind(query: str) -> str:
    return query.split("?", maxsplit=1)[0].split("/", maxsplit=1)[0]


def _resources(document: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        raise PreconditionFailed(f"the FHIR server's answer to {what} is not FHIR")
    if reported_error(document):
        raise PreconditionFailed(f"the FHIR server reported an error for the {what} query")
    if document.get("resourceType") != "Bundle":
        return [document]
    found: list[dict[str, Any]] = []
    for entry in document.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if reported_error(resource):
            raise PreconditionFailed(f"the FHIR server reported an error in the {what} search")
        if resource.get("resourceType") != "OperationOutcome":  # warnings are not data
            found.append(resource)
    return found
