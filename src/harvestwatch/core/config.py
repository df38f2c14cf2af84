"""Runtime configuration: where the store lives and which database backs it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STORE = "./harvestwatch-data"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``database_url`` None means SQLite inside ``store_dir``."""

    store_dir: Path
    database_url: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    actor: str = "cli"

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
                    actor=actor or os.environ.get("HARVESTWATCH_ACTOR") or os.environ.get("USER") or "cli")
