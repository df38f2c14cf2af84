"""Extension points: file formats, extractors and screening rules are found through
``importlib.metadata`` entry points, the built-in ones registered by harvestwatch's own
pyproject.toml exactly as a separate plugin package registers its own (as in datasette
and ASReview). A plugin needs no change to this package: install it and it is used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from harvestwatch.core.errors import ConfigError

GROUPS = {
    "harvestwatch.formats": "file formats: parse(data, request) -> [ParsedDocument]",
    "harvestwatch.extractors": "extractors: extract(text, language) -> [Item]",
    "harvestwatch.screen_rules": "screening rules: a RuleSet, or rule(text, year) -> Flag | None",
}
SELF = "harvestwatch"


@dataclass(frozen=True)
class Plugin:
    """One registered extension: its name in its group, where it lives and who ships it."""

    name: str
    group: str
    value: str  # module:attribute
    distribution: str
    version: str
    builtin: bool
    active: bool = True  # False when a built-in of the same name takes precedence

    @property
    def module(self) -> str:
        return self.value.split(":")[0]

    def to_dict(self) -> dict:
        return {"name": self.name, "group": self.group, "module": self.module, "value": self.value,
                "distribution": self.distribution, "version": self.version, "builtin": self.builtin,
                "active": self.active}


def _dist(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "?", "?"
    return dist.metadata["Name"] or "?", dist.version or "?"


@functools.cache
def registered(group: str) -> tuple[Plugin, ...]:
    """Every entry point of ``group``: built-ins first, then plugins by name."""
    if group not in GROUPS:
        raise ValueError(f"unknown plugin group {group!r}; expected one of {', '.join(GROUPS)}")
    found = []
    for ep in entry_points(group=group):
        name, version = _dist(ep)
        found.append(Plugin(ep.name, group, ep.value, name, version, builtin=name == SELF))
    found.sort(key=lambda p: (not p.builtin, p.name, p.distribution))
    taken: set[str] = set()
    out = []
    for p in found:
        if p.name in taken:
            p = Plugin(p.name, p.group, p.value, p.distribution, p.version, p.builtin, active=False)
        taken.add(p.name)
        out.append(p)
    return tuple(out)


def active(group: str) -> dict[str, Plugin]:
    """The entry points of ``group`` that are used, by name (a built-in wins a name clash)."""
    return {p.name: p for p in registered(group) if p.active}


@functools.cache
def load(group: str, name: str):
    """The object a registered entry point names (imported on first use, then kept)."""
    plugin = active(group).get(name)
    if plugin is None:
        raise LookupError(f"no {group} entry point named {name!r}")
    try:
        return EntryPoint(plugin.name, plugin.value, group).load()
    except Exception as exc:  # a broken plugin: say which, never a bare traceback
        raise ConfigError(f"{group}:{name}: the plugin entry point {plugin.value} of "
                          f"{plugin.distribution} {plugin.version} cannot be loaded ({exc}); "
                          f"fix or uninstall it (see 'harvestwatch plugins')") from exc


def installed() -> list[Plugin]:
    """Every registered extension in every group, for ``harvestwatch plugins``."""
    return [p for group in GROUPS for p in registered(group)]


def reset() -> None:
    """Forget what was found (after installing a plugin in a running process; tests)."""
    registered.cache_clear()
    load.cache_clear()
