"""CLI: the audit — restricted views, downloads, exports, verify runs and account changes."""

from __future__ import annotations

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import emit_json, table
from harvestwatch.services import audit as audit_svc
from harvestwatch.services import store as store_svc


def audit(user: str = typer.Option(None, "--user", help="Only this user's events."),
          action: str = typer.Option(None, "--action", help="Only this action (view, download, export, "
                                                            "verify, user_add, user_role, ...)."),
          since: str = typer.Option(None, "--since", help="On or after (YYYY-MM-DD or ISO time)."),
          until: str = typer.Option(None, "--until", help="On or before (YYYY-MM-DD, inclusive)."),
          object_id: str = typer.Option(None, "--object", help="A document id or sha256 (prefix), a user "
                                                               "name, a file."),
          limit: int = typer.Option(50, "--limit", min=1, max=audit_svc.MAX_PAGE),
          offset: int = typer.Option(0, "--offset", min=0),
          json_out: bool = typer.Option(False, "--json")) -> None:
    """Audited events, newest first: restricted views, downloads, exports, verify runs and account
    changes, each with its ledger entry."""
    found = audit_svc.events(store_svc.open(_context.settings()), user=user, action=action, since=since,
                             until=until, object_id=object_id, limit=limit, offset=offset)
    if json_out:
        emit_json({"total": found.total, "events": [e.to_dict() for e in found.events]})
        return
    table(f"{found.total} audited event(s)", ["at", "user", "action", "object", "via", "ledger"],
          [[e.at, e.user, e.action,
            f"document {e.document_id} {e.object_id[:12]}" if e.document_id else f"{e.object_type} {e.object_id}",
            e.via, e.ledger_seq or ""] for e in found.events])


def register(app: typer.Typer) -> None:
    """Add `audit` to the root app."""
    app.command("audit")(audit)
