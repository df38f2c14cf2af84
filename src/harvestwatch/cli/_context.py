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
