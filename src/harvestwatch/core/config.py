"""Runtime configuration: where the store lives and which database backs it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harvestwatch.core.errors import ConfigError

DEFAULT_STORE = "./harvestwatch-data"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_SESSION_IDLE_MINUTES = 60
DEFAULT_SESSION_MAX_HOURS = 12


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``database_url`` None means SQLite inside ``store_dir``."""

    store_dir: Path
    database_url: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    actor: str = "cli"
    # workbench sessions: end after this long unused / this long after login
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    session_max_hours: int = DEFAULT_SESSION_MAX_HOURS
    secure_cookies: bool = False  # mark cookies Secure (also automatic on https requests)
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For/-Proto are believed

    def __post_init__(self) -> None:
        object.__setattr__(self, "store_dir", Path(self.store_dir))

    @property
    def blob_dir(self) -> Path:
        return self.store_dir / "blobs"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.store_dir / 'harvestwatch.sqlite3').resolve()}"


def load_settings(store: str | Path | None = None, database_url: str | None = None,
                  actor: str | None = None) -> Settings:
    """Settings from arguments, then ``HARVESTWATCH_*`` environment variables, then defaults."""
    store_dir = Path(store or os.environ.get("HARVESTWATCH_STORE") or DEFAULT_STORE)
    url = database_url or os.environ.get("HARVESTWATCH_DATABASE_URL") or None
    max_bytes = int(os.environ.get("HARVESTWATCH_MAX_BYTES", DEFAULT_MAX_BYTES))
    return Settings(store_dir=store_dir, database_url=url, max_bytes=max_bytes,
                    actor=actor or os.environ.get("HARVESTWATCH_ACTOR") or os.environ.get("USER") or "cli",
                    **web_settings_from_env())


def web_settings_from_env() -> dict:
    """Workbench session and proxy settings from ``HARVESTWATCH_*`` variables (defaults when unset)."""
    env = os.environ.get
    out: dict = {}
    for key, name in (("session_idle_minutes", "HARVESTWATCH_SESSION_IDLE_MINUTES"),
                      ("session_max_hours", "HARVESTWATCH_SESSION_MAX_HOURS")):
        if env(name):
            out[key] = _positive_int(name, env(name))
    if env("HARVESTWATCH_SECURE_COOKIES"):
        out["secure_cookies"] = env("HARVESTWATCH_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes", "on")
    if env("HARVESTWATCH_TRUSTED_PROXIES"):
        out["trusted_proxies"] = tuple(p.strip() for p in env("HARVESTWATCH_TRUSTED_PROXIES", "").split(",")
                                       if p.strip())
    return out


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"{name}={value!r}: expected a whole number of at least 1")
    return number
