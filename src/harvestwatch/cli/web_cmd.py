"""CLI: serve the web workbench; manage its users."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.roles import ROLES
from harvestwatch.services import keys as keys_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc

user_app = typer.Typer(help="Workbench users and roles.", no_args_is_help=True)


def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          base_url: str = typer.Option(None, "--base-url", envvar="HARVESTWATCH_BASE_URL",
                                       help="Public address for links in reports and briefs "
                                            "(default http://HOST:PORT); the Host header is never used."),
          secure_cookies: bool = typer.Option(None, "--secure-cookies/--no-secure-cookies",
                                              help="Mark cookies Secure (behind a TLS proxy; automatic "
                                                   "on https requests). Env HARVESTWATCH_SECURE_COOKIES."),
          trusted_proxy: list[str] = typer.Option([], "--trusted-proxy",
                                                  help="Address or network of a reverse proxy whose "
                                                       "X-Forwarded-For/-Proto are believed; repeatable. "
                                                       "Env HARVESTWATCH_TRUSTED_PROXIES (comma-separated)."),
          ssl_certfile: Path = typer.Option(None, "--ssl-certfile", help="Serve https with this certificate."),
          ssl_keyfile: Path = typer.Option(None, "--ssl-keyfile", help="Private key of --ssl-certfile."),
          ) -> None:
    """Serve the workbench. With no user yet, creates 'admin' (password printed once, or
    HARVESTWATCH_ADMIN_PASSWORD)."""
    import dataclasses

    import uvicorn

    from harvestwatch.web.app import create_app
    from harvestwatch.web.links import check_base_url

    base_url = check_base_url(base_url or f"{'https' if ssl_certfile else 'http'}://{host}:{port}")
    settings = _context.settings()
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("give --ssl-certfile and --ssl-keyfile together")
    changes: dict = {}
    if secure_cookies is not None:
        changes["secure_cookies"] = secure_cookies
    if trusted_proxy:
        changes["trusted_proxies"] = tuple(trusted_proxy)
    settings = dataclasses.replace(settings, **changes)
    scheme = "https" if ssl_certfile else "http"
    store = store_svc.open(settings)
    locked = keys_svc.unlock_at_start(store)  # env or a prompt now; never a prompt later
    if locked:
        console.print(f"restricted content stays locked ({locked})", highlight=False)
    created = users_svc.ensure_admin(store, os.environ.get("HARVESTWATCH_ADMIN_PASSWORD"))
    if created:
        console.print(f"created user 'admin' with password: {created}", highlight=False)
    console.print(f"harvestwatch workbench on {scheme}://{host}:{port}/ (store {settings.store_dir})",
                  highlight=False)
    # uvicorn would believe X-Forwarded-For from 127.0.0.1 (a new address per login try);
    # the app reads proxy headers itself, from --trusted-proxy only (web.security).
    uvicorn.run(create_app(settings, base_url=base_url), host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False,
                ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None)


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
    console.print(f"{out['name']}: {out['previous']} -> {out['role']}; {out['sessions_ended']} session(s) "
                  "ended", highlight=False)


@user_app.command("password")
def user_password(name: str,
                  password: str = typer.Option(None, "--password", help="Prompted for when omitted.")) -> None:
    """Set a user's password (an admin action; audited; the user's sessions end and any lockout
    is lifted)."""
    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    out = users_svc.set_password(store_svc.open(_context.settings()), name, password,
                                 actor=_context.settings().actor)
    console.print(f"{out['name']}: password set; {out['sessions_ended']} session(s) ended", highlight=False)


@user_app.command("list")
def user_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """Users and their roles."""
    rows = users_svc.list_users(store_svc.open(_context.settings()))
    if json_out:
        emit_json(rows)
        return
    table("users", ["name", "role", "created", "locked until"],
          [[r["name"], r["role"], r["created_at"], r["locked_until"] or ""] for r in rows])


def register(app: typer.Typer) -> None:
    """Add `serve` and the `user` group to the root app."""
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
