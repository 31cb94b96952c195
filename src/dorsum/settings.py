"""Settings in one place: environment variables with the DORSUM_ prefix.

DORSUM_DATABASE_URL     default: a SQLite file, var/dorsum.sqlite3, created on first run
DORSUM_MIGRATION_DATABASE_URL   the same database as the role that owns the tables, for
                        migrations; the application's own role then gets only the rights it
                        needs (PostgreSQL). Default: DORSUM_DATABASE_URL
DORSUM_COOKIE_SECURE    send the session cookie over HTTPS only (default true; browsers
                        treat http://localhost and 127.0.0.1 as secure)
DORSUM_SESSION_HOURS    how long a login lasts (default 12)
DORSUM_PUBLIC_CLINIC    the clinic (by slug) that receives public booking requests
DORSUM_LOGIN_MAX_FAILURES, DORSUM_LOGIN_IP_MAX_FAILURES, DORSUM_LOGIN_WINDOW_MINUTES
                        sign-in limit per account (5) and per address (30) in 15 minutes
DORSUM_TRUSTED_PROXIES  addresses or networks of the proxies whose X-Forwarded-For is
                        believed, comma-separated (default: none)
DORSUM_AUTO_MIGRATE     bring the database schema up to date at start-up (default true)
DORSUM_TIMEZONE         the clinic's time zone (default Europe/Madrid)
DORSUM_OPENING_HOURS    when appointments may be booked (default "mon-fri 09:00-20:00;
                        sat 09:00-14:00")
DORSUM_BOOKING_HORIZON_DAYS   how far ahead appointments may be booked (default 730)
DORSUM_MAX_BODY_BYTES   the largest request body accepted (default 1 MB; larger: 413)
DORSUM_MAX_JSON_DEPTH   the deepest nesting a JSON body may have (default 32; deeper: 422)
DORSUM_SQLITE_BUSY_TIMEOUT_MS   how long a request waits for SQLite's write lock before it
                        answers 503 with Retry-After (default 5000)
DORSUM_SMTP_HOST        the mail server that sends booking messages (default empty: sending
                        is off and messages wait in the outbox); see docs/reminders.md
DORSUM_SMTP_PORT        its port (default 587)
DORSUM_SMTP_SECURITY    starttls (default), tls (implicit TLS, usually port 465) or none
DORSUM_SMTP_USERNAME, DORSUM_SMTP_PASSWORD   the login, when the server wants one
DORSUM_SMTP_FROM        the From address of booking messages, also the invitations' organizer
DORSUM_SMTP_TIMEOUT_SECONDS   how long to wait for the mail server (default 30)
DORSUM_OUTBOX_MAX_ATTEMPTS    how often a message is tried before it is left failed (default 5)
DORSUM_SMS_WEBHOOK_URL  where SMS texts are POSTed as JSON {"to", "text"} (default empty: SMS
                        texts wait in the outbox)
DORSUM_PHOTO_STORE      where clinical photos are kept: local (default) or s3; see docs/photos.md
DORSUM_PHOTO_DIR        the local folder (default var/photos); each clinic has its own folder
DORSUM_S3_ENDPOINT_URL  an S3-compatible endpoint (empty: AWS itself)
DORSUM_S3_BUCKET, DORSUM_S3_REGION (default us-east-1)
DORSUM_S3_ACCESS_KEY_ID, DORSUM_S3_SECRET_ACCESS_KEY   the bucket's credentials
DORSUM_MAX_PHOTO_BYTES  the largest photo accepted (default 20 MB)
DORSUM_MAX_PHOTO_PIXELS the most pixels a photo may have (default 50 million)
DORSUM_CDS_SERVICE_URL  the public URL of the CDS Hooks discovery endpoint, e.g.
                        https://dorsum.example/cds-services: a JWT's `aud` must name the service
                        called under it. Required while JWTs are verified (default empty: every
                        verified call is refused); see docs/cds-hooks.md
DORSUM_CDS_VERIFY_JWT   verify the EHR's signed JWT on every CDS Hooks call (default true;
                        false is for local development only and is logged loudly)
DORSUM_CDS_ISSUERS      the trusted EHRs: a JSON object of `iss` -> its JWKS URL
DORSUM_CDS_JKU_ALLOWLIST  the JWKS URLs a JWT's `jku` header may name (JSON list)
DORSUM_CDS_JWKS_TTL_SECONDS  how long a fetched JWKS is trusted before it is fetched again (300)
DORSUM_CDS_JWT_LEEWAY_SECONDS  clock skew allowed on `exp` and `iat` (default 30)
DORSUM_CDS_FHIR_CONNECT_TIMEOUT, DORSUM_CDS_FHIR_READ_TIMEOUT  seconds to wait for the EHR's
                        FHIR server when prefetch is missing (2 and 5)
DORSUM_CDS_CLINIC       the clinic (by slug) whose admins see the CDS feedback page (default:
                        DORSUM_PUBLIC_CLINIC)
"""

from __future__ import annotations

import ipaddress
from functools import cached_property, lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dorsum.services.opening_hours import OpeningHours

DEFAULT_DATABASE_URL = "sqlite:///var/dorsum.sqlite3"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DORSUM_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    migration_database_url: str | None = None
    cookie_secure: bool = True
    session_hours: int = 12
    public_clinic: str = "demo"
    login_max_failures: int = 5
    login_ip_max_failures: int = 30
    login_window_minutes: int = 15
    trusted_proxies: str = ""
    auto_migrate: bool = True
    timezone: str = "Europe/Madrid"
    opening_hours: str = "mon-fri 09:00-20:00; sat 09:00-14:00"
    booking_horizon_days: int = 730
    max_body_bytes: int = 1_000_000
    max_json_depth: int = 32
    sqlite_busy_timeout_ms: int = 5000
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = ""
    smtp_timeout_seconds: float = 30.0
    outbox_max_attempts: int = 5
    sms_webhook_url: str = ""
    photo_store: Literal["local", "s3"] = "local"
    photo_dir: str = "var/photos"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    max_photo_bytes: int = 20_000_000
    max_photo_pixels: int = 50_000_000
    cds_service_url: str = ""
    cds_verify_jwt: bool = True
    cds_issuers: dict[str, str] = {}
    cds_jku_allowlist: list[str] = []
    cds_jwks_ttl_seconds: int = 300
    cds_jwt_leeway_seconds: int = 30
    cds_fhir_connect_timeout: float = 2.0
    cds_fhir_read_timeout: float = 5.0
    cds_clinic: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone such as Europe/Madrid") from None
        return value

    @field_validator("opening_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        OpeningHours.parse(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in _parts(value):
            ipaddress.ip_network(part, strict=False)
        return value

    @property
    def owner_database_url(self) -> str:
        """Where migrations run: the owner's URL when one is set."""
        return self.migration_database_url or self.database_url

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def hours(self) -> OpeningHours:
        return OpeningHours.parse(self.opening_hours)

    @cached_property
    def proxies(self) -> tuple[Network, ...]:
        return tuple(
            ipaddress.ip_network(part, strict=False) for part in _parts(self.trusted_proxies)
        )


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
