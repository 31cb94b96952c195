"""The caller's address, for the per-address sign-in limit.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the
request arrives from a proxy clinic IT named in DORSUM_TRUSTED_PROXIES (none by default). Then
the address is the last one in the header that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from dorsum.settings import Network


def client_address(request: Request, proxies: tuple[Network, ...]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return peer


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)
