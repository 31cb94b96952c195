"""Settings in one place: environment variables with the DORSUM_ prefix.

DORSUM_DATABASE_URL     default: a SQLite file, var/dorsum.sqlite3, created on first run
DORSUM_COOKIE_SECURE    send the session cookie over HTTPS only (default true; browsers
                        treat http://localhost and 127.0.0.1 as secure)
DORSUM_SESSION_HOURS    how long a login lasts (default 12)
DORSUM_PUBLIC_CLINIC    the clinic (by slug) that receives public booking requests
DORSUM_LOGIN_MAX_FAILURES, DORSUM_LOGIN_WINDOW_MINUTES   login rate limit (5 in 15 minutes)
DORSUM_AUTO_MIGRATE     bring the database schema up to date at start-up (default true)
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/dorsum.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DORSUM_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    cookie_secure: bool = True
    session_hours: int = 12
    public_clinic: str = "demo"
    login_max_failures: int = 5
    login_ip_max_failures: int = 30
    login_window_minutes: int = 15
    auto_migrate: bool = True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
