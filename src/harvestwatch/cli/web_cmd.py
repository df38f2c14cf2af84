"""CLI: serve the web workbench; manage its users."""

from __future__ import annotations

import os

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.store.accounts import ROLES

user_app = typer.Typer(help="Workbench users and roles.", no_args_is_help=True)


def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          base_url: str = typer.Option(None, "--base-url", envvar="HARVESTWATCH_BASE_URL",
                                       help="Public address for links in reports and briefs "
                                            "(default http://HOST:PORT); the Host header is never used.")) -> None:
    """Serve the workbench. With no user yet, creates 'admin' (password printed once, or
    HARVESTWATCH_ADMIN_PASSWORD)."""
    import uvicorn

    from harvestwatch.web.app import create_app
    from harvestwatch.web.links import check_base_url

    base_url = check_base_url(base_url or f"http://{host}:{port}")
    settings = _context.settings()
    created = users_svc.ensure_admin(store_svc.open(settings), os.environ.get("HARVESTWATCH_ADMIN_PASSWORD"))
    if created:
        console.print(f"created user 'admin' with password: {created}", highlight=False)
    console.print(f"harvestwatch workbench on http://{host}:{port}/ (store {settings.store_dir})",
                  highlight=False)
    uvicorn.run(create_app(settings, base_url=base_url), host=host, port=port, log_level="warning")


@user_app.command("add")
def user_add(name: str, role: str = typer.Option(..., "--role", help="|".join(ROLES)),
             password: str = typer.Option(None, "--password", help="Prompted for when omitted.")) -> None:
    """Create a user with a role (admin, investigator, reviewer, viewer)."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    out = users_svc.add_user(store_svc.open(_context.settings()), name, role, password,
                             actor=_context.settings().actor)
    console.print(f"added {out['name']} ({out['role']})", highlight=False)


@user_app.command("role")
def user_role(name: str, role: str = typer.Argument(..., help="|".join(ROLES))) -> None:
    """Change a user's role (an admin action; recorded in the custody ledger with the actor)."""
    out = users_svc.set_role(store_svc.open(_context.settings()), name, role,
                             actor=_context.settings().actor)
    console.print(f"{out['name']}: {out['previous']} -> {out['role']}", highlight=False)


@user_app.command("list")
def user_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """Users and their roles."""
    rows = users_svc.list_users(store_svc.open(_context.settings()))
    if json_out:
        emit_json(rows)
        return
    table("users", ["name", "role", "created"], [[r["name"], r["role"], r["created_at"]] for r in rows])


def register(app: typer.Typer) -> None:
    """Add `serve` and the `user` group to the root app."""
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
