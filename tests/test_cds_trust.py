"""The CDS Hooks JWT rules ("Trusting CDS Clients"), with real ES384 and RS384 signatures and
key sets served over real HTTP on loopback."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx
import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, OctKey

from dorsum.cds.errors import NotAuthorised
from dorsum.cds.keysets import KeySets
from dorsum.cds.trust import Trust, VerifiedClient, bearer_token, verify
from tests.fhir_server import EHR_FOR_TESTS as EHR
from tests.fhir_server import Ehr, FhirServer, serving

AUD = "https://dorsum.example/cds-services"
AUDIENCES = {AUD, AUD + "/dorsum-patient-view"}
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FhirServer]:
    with serving(FhirServer(key_sets={"/jwks.json": EHR.jwks()})) as running:
        yield running


@pytest.fixture
def keys() -> Iterator[KeySets]:
    with httpx.Client(timeout=httpx.Timeout(2.0, connect=1.0)) as client:
        yield KeySets(client=client, ttl=300)


def _trust(server: FhirServer, **changes: object) -> Trust:
    values: dict[str, object] = {
        "issuers": {EHR.issuer: server.url + "/jwks.json"},
        "jku_allowlist": frozenset(),
        "leeway": 30,
    }
    values.update(changes)
    return Trust(**values)  # type: ignore[arg-type]


def _verify(token: str, server: FhirServer, keys: KeySets, **changes: object) -> VerifiedClient:
    return verify(token, trust=_trust(server, **changes), keys=keys, audiences=AUDIENCES, now=NOW)


def _refused(token: str, server: FhirServer, keys: KeySets, words: str, **changes: object) -> None:
    with pytest.raises(NotAuthorised) as refused:
        _verify(token, server, keys, **changes)
    assert words in refused.value.reason


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_token_signed_with_either_allowed_algorithm_is_accepted(
    alg: str, server: FhirServer, keys: KeySets
) -> None:
    """ES384 and RS384 are the specification's algorithms; both verify."""
    token = EHR.token(AUD, alg=alg, now=NOW.timestamp(), tenant="clinic-7")
    client = _verify(token, server, keys)
    assert (client.issuer, client.subject, client.tenant) == (EHR.issuer, "client-42", "clinic-7")


def test_the_service_url_itself_is_an_accepted_audience(server: FhirServer, keys: KeySets) -> None:
    """aud may name the service endpoint, alone or in a list."""
    token = EHR.token(["https://other.example", AUD + "/dorsum-patient-view"], now=NOW.timestamp())
    assert _verify(token, server, keys).jti


def test_a_token_for_another_service_is_refused(server: FhirServer, keys: KeySets) -> None:
    """A token minted for another service cannot be used against dorsum."""
    token = EHR.token("https://other.example/cds-services", now=NOW.timestamp())
    _refused(token, server, keys, "aud")


def test_a_forged_signature_is_refused(server: FhirServer, keys: KeySets) -> None:
    """A token signed by another key under the EHR's kid does not verify."""
    impostor = ECKey.generate_key("P-384", parameters={"kid": "ec-1"})
    token = EHR.token(AUD, now=NOW.timestamp(), key=impostor)
    _refused(token, server, keys, "signature")


def test_a_tampered_payload_is_refused(server: FhirServer, keys: KeySets) -> None:
    """Changing a claim after signing breaks the signature."""
    head, _payload, signature = EHR.token(AUD, now=NOW.timestamp()).split(".")
    forged = {"iss": EHR.issuer, "aud": AUD, "exp": 4102444800, "iat": 0, "jti": "x", "sub": "a"}
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    _refused(f"{head}.{body}.{signature}", server, keys, "signature")


def test_an_unsigned_token_is_refused(server: FhirServer, keys: KeySets) -> None:
    """alg none is never accepted."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    claims = {"iss": EHR.issuer, "aud": AUD, "exp": NOW.timestamp() + 60, "jti": "n"}
    token = f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'ec-1'})}.{part(claims)}."
    _refused(token, server, keys, "alg")


@pytest.mark.parametrize("alg", ["HS256", "HS384"])
def test_a_shared_secret_algorithm_is_refused(alg: str, server: FhirServer, keys: KeySets) -> None:
    """HS* would let anyone holding the (public) key forge tokens: refused before any key."""
    secret = OctKey.import_key(b"k" * 64, parameters={"kid": "ec-1"})
    token = jwt.encode(
        {"alg": alg, "kid": "ec-1"},
        {"iss": EHR.issuer, "aud": AUD, "exp": NOW.timestamp() + 60, "jti": "h"},
        secret,
        algorithms=[alg],
    )
    _refused(token, server, keys, "ES384 or RS384")


def test_another_asymmetric_algorithm_is_refused(server: FhirServer, keys: KeySets) -> None:
    """ES256 is a fine algorithm, but not one the specification allows."""
    p256 = ECKey.generate_key("P-256", parameters={"kid": "p256"})
    token = EHR.token(AUD, alg="ES256", key=p256, now=NOW.timestamp())
    _refused(token, server, keys, "ES384 or RS384")


def test_an_expired_token_is_refused(server: FhirServer, keys: KeySets) -> None:
    """exp in the past (beyond the leeway) is refused."""
    token = EHR.token(AUD, now=NOW.timestamp() - 400)
    _refused(token, server, keys, "expired")


def test_a_token_within_the_leeway_is_accepted(server: FhirServer, keys: KeySets) -> None:
    """Clocks differ a little: exp 10 s ago passes with 30 s of leeway."""
    token = EHR.token(AUD, now=NOW.timestamp() - 310)
    assert _verify(token, server, keys).issuer == EHR.issuer


def test_a_token_issued_in_the_future_is_refused(server: FhirServer, keys: KeySets) -> None:
    """iat more than the leeway ahead of our clock is refused."""
    token = EHR.token(AUD, now=NOW.timestamp() + 120)
    _refused(token, server, keys, "iat")


def test_a_token_valid_for_more_than_an_hour_is_refused(server: FhirServer, keys: KeySets) -> None:
    """A long-lived token is not a per-call token."""
    token = EHR.token(AUD, now=NOW.timestamp(), exp=NOW.timestamp() + 7200)
    _refused(token, server, keys, "hour")


@pytest.mark.parametrize("claim", ["exp", "iat", "jti"])
def test_each_required_claim_must_be_present(claim: str, server: FhirServer, keys: KeySets) -> None:
    """exp, iat and jti are REQUIRED."""
    dropped: dict[str, Any] = {claim: None}
    token = EHR.token(AUD, now=NOW.timestamp(), **dropped)
    _refused(token, server, keys, claim)


def test_an_unknown_issuer_is_refused(server: FhirServer, keys: KeySets) -> None:
    """Only allowlisted EHRs are trusted, however well they sign."""
    stranger = Ehr(issuer="https://stranger.example", ec=EHR.ec, rsa=EHR.rsa)
    _refused(stranger.token(AUD, now=NOW.timestamp()), server, keys, "iss")


def test_a_jku_that_is_not_allowlisted_is_refused(server: FhirServer, keys: KeySets) -> None:
    """A token cannot point dorsum at a key set of its own choosing."""
    attacker = ECKey.generate_key("P-384", parameters={"kid": "evil"})
    server.key_sets["/evil.json"] = {"keys": [attacker.as_dict(private=False)]}
    token = EHR.token(
        AUD, now=NOW.timestamp(), key=attacker, header={"jku": server.url + "/evil.json"}
    )
    _refused(token, server, keys, "jku")


def test_an_allowlisted_jku_is_where_the_key_is_read(server: FhirServer, keys: KeySets) -> None:
    """With jku allowlisted, its key set (not the issuer's default) verifies the token."""
    rotated = ECKey.generate_key("P-384", parameters={"kid": "ec-2"})
    server.key_sets["/rotated.json"] = {"keys": [rotated.as_dict(private=False)]}
    jku = server.url + "/rotated.json"
    token = EHR.token(AUD, now=NOW.timestamp(), key=rotated, header={"jku": jku})
    assert _verify(token, server, keys, jku_allowlist=frozenset({jku})).issuer == EHR.issuer


def test_a_missing_kid_is_refused(server: FhirServer, keys: KeySets) -> None:
    """The header must name the key (kid)."""
    token = jwt.encode(
        {"alg": "ES384", "typ": "JWT"},
        {"iss": EHR.issuer, "aud": AUD, "exp": NOW.timestamp() + 60, "jti": "k"},
        EHR.ec,
        algorithms=["ES384"],
    )
    _refused(token, server, keys, "kid")


def test_an_unknown_kid_is_refused(server: FhirServer, keys: KeySets) -> None:
    """A kid the issuer does not publish cannot verify anything."""
    other = ECKey.generate_key("P-384", parameters={"kid": "unknown"})
    _refused(EHR.token(AUD, now=NOW.timestamp(), key=other), server, keys, "kid")


def test_the_key_set_is_fetched_once_and_cached(server: FhirServer, keys: KeySets) -> None:
    """Within its time to live the key set is read from the cache, not the network."""
    for _ in range(3):
        _verify(EHR.token(AUD, now=NOW.timestamp()), server, keys)
    assert server.requests.count("/jwks.json") == 1


def test_a_rotated_key_is_found_by_fetching_again(server: FhirServer, keys: KeySets) -> None:
    """When the EHR adds a key, a token naming it makes dorsum fetch the key set again."""
    _verify(EHR.token(AUD, now=NOW.timestamp()), server, keys)
    new = ECKey.generate_key("P-384", parameters={"kid": "ec-new"})
    server.key_sets["/jwks.json"] = {"keys": [*EHR.jwks()["keys"], new.as_dict(private=False)]}
    keys.min_refetch = 0
    assert _verify(EHR.token(AUD, now=NOW.timestamp(), key=new), server, keys).issuer
    assert server.requests.count("/jwks.json") == 2


def test_an_unreachable_key_set_is_a_refusal(server: FhirServer, keys: KeySets) -> None:
    """No key set, no trust: 401, never a 500."""
    server.key_sets.clear()
    _refused(EHR.token(AUD, now=NOW.timestamp()), server, keys, "key set")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer"])
def test_the_authorization_header_must_carry_a_bearer_token(header: str | None) -> None:
    """Without 'Bearer <JWT>' nothing is verified."""
    with pytest.raises(NotAuthorised):
        bearer_token(header)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "x" * 50])
def test_garbage_is_not_a_token(token: str, server: FhirServer, keys: KeySets) -> None:
    """Whatever the bearer sends, the answer is a refusal, never a crash."""
    with pytest.raises(NotAuthorised):
        _verify(token, server, keys)


def test_a_key_of_the_wrong_type_for_the_alg_is_refused(server: FhirServer, keys: KeySets) -> None:
    """An RS384 header naming the EHR's EC key (kid ec-1) cannot verify."""
    token = EHR.token(AUD, now=NOW.timestamp(), alg="RS384", header={"kid": "ec-1"})
    _refused(token, server, keys, "kid")


def test_a_token_without_typ_is_refused(server: FhirServer, keys: KeySets) -> None:
    """typ is REQUIRED in the header, with the fixed value JWT."""
    claims = {"iss": EHR.issuer, "aud": AUD, "exp": NOW.timestamp() + 60, "iat": 0, "jti": "t"}
    token = jws.serialize_compact(
        {"alg": "ES384", "kid": "ec-1"}, json.dumps(claims), EHR.ec, algorithms=["ES384"]
    )
    assert "typ" not in jws.extract_compact(token.encode()).protected
    _refused(token, server, keys, "typ")


@pytest.mark.parametrize(
    ("claim", "value"), [("exp", float("nan")), ("iat", float("nan")), ("exp", "4102444800")]
)
def test_exp_and_iat_must_be_finite_numbers(
    claim: str, value: object, server: FhirServer, keys: KeySets
) -> None:
    """NaN compares as neither past nor future, and a string is not a time: both refused."""
    changed: dict[str, Any] = {claim: value}
    token = EHR.token(AUD, now=NOW.timestamp(), **changed)
    _refused(token, server, keys, claim)


def test_an_oversized_key_set_is_not_read(server: FhirServer, keys: KeySets) -> None:
    """A key set far larger than any real one is refused, not loaded into memory."""
    padding = [{"kty": "oct", "kid": f"pad-{n}", "k": "x" * 1000} for n in range(300)]
    server.key_sets["/jwks.json"] = {"keys": [*EHR.jwks()["keys"], *padding]}
    _refused(EHR.token(AUD, now=NOW.timestamp()), server, keys, "key set")
