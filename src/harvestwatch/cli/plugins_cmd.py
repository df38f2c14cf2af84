"""CLI: the extensions installed (formats, extractors, screening rules), built-in or from plugins."""

from __future__ import annotations

import typer

from harvestwatch.cli._render import emit_json, table
from harvestwatch.core import plugins as registry


def plugins(json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """Formats, extractors and screening rules installed: name, group, module, package and version."""
    found = registry.installed()
    if json_out:
        emit_json([p.to_dict() for p in found])
        return
    table(f"{len(found)} extension(s); a plugin package adds to these groups (docs/plugins.md)",
          ["name", "group", "module", "package", "version", "status"],
          [[p.name, p.group.removeprefix("harvestwatch."), p.module, p.distribution, p.version,
            ("built-in" if p.builtin else "plugin") + ("" if p.active else ", shadowed by the built-in")]
           for p in found])


def register(app: typer.Typer) -> None:
    """Add `plugins` to the root app."""
    app.command("plugins")(plugins)
