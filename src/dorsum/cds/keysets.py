"""The EHRs' public keys (JWK Sets), fetched over HTTP and kept for a while per process.

A key set is fetched again when its time is up, or at once when a token names a `kid` the
cached set lacks (the EHR rotated its keys), at most once per `min_refetch` seconds so that a
stream of tokens with unknown kids cannot make dorsum hammer the EHR. A key set larger than
MAX_BYTES is not read (a key set is a few kilobytes).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from dorsum.cds.errors import NotAuthorised

__all__ = ["MAX_BYTES", "KeySets"]

MAX_BYTES = 256_000


@dataclass
class _Entry:
    keys: KeySet
    fetched: float


@dataclass
class KeySets:
    """JWK Sets by URL, each trusted for `ttl` seconds."""

    client: httpx.Client
    ttl: float = 300.0
    min_refetch: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self, url: str, *, kid: str) -> KeySet:
        """The key set at `url`, fresh enough and holding `kid` if the EHR publishes it."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(url)
        stale = entry is None or now - entry.fetched > self.ttl
        rotated = entry is not None and not _holds(entry.keys, kid)
        if stale or (rotated and entry is not None and now - entry.fetched > self.min_refetch):
            entry = _Entry(keys=self._fetch(url), fetched=now)
            with self._lock:
                self._entries[url] = entry
        assert entry is not None
        return entry.keys

    def _fetch(self, url: str) -> KeySet:
        try:
            with self.client.stream("GET", url, headers={"Accept": "application/json"}) as answer:
                answer.raise_for_status()
                body = b""
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise ValueError("too large")
            document: Any = json.loads(body)
            return KeySet.import_key_set(document)
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            ValueError,
            JoseError,
            TypeError,
            KeyError,
            AttributeError,
        ):
            raise NotAuthorised(f"the key set at {url} could not be read") from None


def _holds(keys: KeySet, kid: str) -> bool:
    try:
        keys.get_by_kid(kid)
    except (ValueError, KeyError, JoseError):
        return False
    return True
