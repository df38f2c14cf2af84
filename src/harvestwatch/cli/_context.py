"""Settings chosen by the root CLI options, shared by every command group."""

from __future__ import annotations

from harvestwatch.core.config import Settings, load_settings

_settings: Settings | None = None


def configure(store: str | None, database_url: str | None, actor: str | None) -> None:
    global _settings
    _settings = load_settings(store=store, database_url=database_url, actor=actor)


def settings() -> Settings:
    """The settings for this invocation (defaults and environment when no option was given)."""
    return _settings or load_settings()


def use_store(store_dir: str) -> None:
    """A command's own ``--store``: that folder, keeping the root ``--database-url`` and ``--actor``
    (the database then lives at the URL, the blobs and keys in the folder)."""
    current = settings()
    configure(store=store_dir, database_url=current.database_url, actor=current.actor)
