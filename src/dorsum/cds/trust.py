"""Trusting the EHR: the signed JWT every CDS Hooks call carries (CDS Hooks 2.0, "Trusting CDS
Clients"; RFC 7519, RFC 7515).

The rules, in the order they are checked (each failure is a 401 naming what was wrong):
- `Authorization: Bearer <JWT>` is present;
- the header's `alg` is ES384 or RS384 (the specification's two; `none`, HS* and the rest are
  refused before any key is looked at), `typ` is JWT, and `kid` is present (all REQUIRED);
- `iss` is one of the trusted EHRs (`DORSUM_CDS_ISSUERS`, iss -> JWKS URL); a `jku` header is
  honoured only when that URL is on `DORSUM_CDS_JKU_ALLOWLIST`, otherwise refused;
- the signature verifies with the key `kid` names in that key set;
- `aud` (a string or a list) names the endpoint being called (the caller passes its URLs, built
  from the configured service URL, never from the request's Host header);
- `exp` is present and not past, `iat` is present and not in the future (both finite numbers,
  with leeway),
  `jti` is present. Replay of a `jti` is checked against the database by `dorsum.cds.replay`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jws import extract_compact

from dorsum.cds.errors import NotAuthorised
from dorsum.cds.keysets import KeySets

__all__ = ["ALGORITHMS", "Trust", "VerifiedClient", "bearer_token", "verify"]

ALGORITHMS = ("ES384", "RS384")
# dorsum's own bound: a call's token lives minutes; one valid for longer than an hour is refused,
# so the replay store never has to remember a jti for long.
MAX_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class Trust:
    """Whom dorsum trusts, from the settings."""

    issuers: Mapping[str, str]  # iss -> JWKS URL
    jku_allowlist: frozenset[str]
    leeway: int = 30


@dataclass(frozen=True)
class VerifiedClient:
    """What a verified JWT says about the caller."""

    issuer: str
    jti: str
    expires_at: datetime
    subject: str | None = None
    tenant: str | None = None


def bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise NotAuthorised("the Authorization header must carry 'Bearer <JWT>'")
    return authorization[7:].strip()


def verify(
    token: str, *, trust: Trust, keys: KeySets, audiences: Collection[str], now: datetime
) -> VerifiedClient:
    """The caller a JWT proves, or NotAuthorised naming the first rule it breaks."""
    header, unverified = _unverified(token)
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise NotAuthorised(f"the JWT's alg must be ES384 or RS384, not {alg!r}")
    if header.get("typ") != "JWT":
        raise NotAuthorised("the JWT's header must carry typ JWT")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise NotAuthorised("the JWT's header must name its key (kid)")
    issuer = unverified.get("iss")
    if not isinstance(issuer, str) or issuer not in trust.issuers:
        raise NotAuthorised("the JWT's iss is not a trusted EHR")
    url = _key_set_url(header, issuer, trust)
    claims = _verified_claims(token, keys.keys(url, kid=kid))
    return _checked(claims, audiences=audiences, now=now, leeway=trust.leeway)


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        compact = extract_compact(token.encode("ascii"))
        payload = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError):
        raise NotAuthorised("the bearer token is not a signed JWT") from None
    if not isinstance(payload, dict):
        raise NotAuthorised("the JWT's payload is not a JSON object")
    return dict(compact.protected), payload


def _key_set_url(header: Mapping[str, Any], issuer: str, trust: Trust) -> str:
    jku = header.get("jku")
    if jku is None:
        return trust.issuers[issuer]
    if not isinstance(jku, str) or jku not in trust.jku_allowlist:
        raise NotAuthorised("the JWT's jku is not an allowlisted key set URL")
    return jku


def _verified_claims(token: str, key_set: Any) -> dict[str, Any]:
    try:
        return dict(jwt.decode(token, key_set, algorithms=ALGORITHMS).claims)
    except BadSignatureError:
        raise NotAuthorised("the JWT's signature does not verify") from None
    except InvalidKeyIdError:
        raise NotAuthorised("the JWT's key (kid) is not in the issuer's key set") from None
    except JoseError:
        raise NotAuthorised("the JWT cannot be verified with the key its kid names") from None


def _checked(
    claims: Mapping[str, Any], *, audiences: Collection[str], now: datetime, leeway: int
) -> VerifiedClient:
    aud = claims.get("aud")
    named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(isinstance(a, str) and a.rstrip("/") in audiences for a in named):
        raise NotAuthorised("the JWT's aud is not this service's URL")
    moment = now.timestamp()
    exp, iat, jti = claims.get("exp"), claims.get("iat"), claims.get("jti")
    if not _number(exp):
        raise NotAuthorised("the JWT must carry exp (a number of seconds)")
    if exp + leeway < moment:
        raise NotAuthorised("the JWT has expired")
    if exp - moment > MAX_LIFETIME_SECONDS:
        raise NotAuthorised("the JWT's exp is more than an hour away")
    if not _number(iat):
        raise NotAuthorised("the JWT must carry iat (a number of seconds)")
    if iat - leeway > moment:
        raise NotAuthorised("the JWT was issued in the future (iat)")
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise NotAuthorised("the JWT must carry a jti (a string of at most 255 characters)")
    return VerifiedClient(
        issuer=str(claims["iss"]),
        jti=jti,
        expires_at=datetime.fromtimestamp(exp + leeway, UTC),
        subject=_text(claims.get("sub")),
        tenant=_text(claims.get("tenant")),
    )


def _number(value: object) -> TypeGuard[float]:
    """A finite JSON number (Python's json reads NaN and Infinity, which compare as nothing)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
