"""CLI: the store key that seals restricted content (status, init, wrap, rotate, recipients)."""

from __future__ import annotations

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.errors import ConfigError
from harvestwatch.services import keys as keys_svc
from harvestwatch.services import store as store_svc

key_app = typer.Typer(help="The store key that seals restricted content: status, init, wrap, "
                           "rotate, recipients.", no_args_is_help=True)

NEW_PASSPHRASE_ENV = "HARVESTWATCH_KEY_NEW_PASSPHRASE"


def _store():
    return store_svc.open(_context.settings())


def _show(status: keys_svc.KeyStatus, json_out: bool) -> None:
    if json_out:
        emit_json(status.to_dict())
        return
    console.print(f"key: {status.mode}  unlocked: {'yes' if status.unlocked else 'no'}  "
                  f"restricted sources: {status.restricted_sources}", highlight=False)
    if status.clear_key:
        console.print(f"clear key: {status.clear_key}", highlight=False)
    if status.wraps:
        table("wrapped by", ["kind", "recipient"],
              [[w["kind"], w.get("recipient", "")] for w in status.wraps])
    if status.data_keys:
        table("data keys", ["id", "created", "current"],
              [[k["id"], k["created"], "yes" if k["current"] else ""] for k in status.data_keys])
    if status.advice:
        console.print(status.advice, highlight=False)


def _passphrase(no_passphrase: bool, recipients: list[str]) -> str | None:
    passphrase = None if no_passphrase else keys_svc.new_passphrase()
    if not passphrase and not recipients:
        raise ConfigError("give a passphrase (HARVESTWATCH_KEY_PASSPHRASE, or typed on a "
                          "terminal) or --recipient")
    return passphrase


@key_app.command("status")
def status(json_out: bool = typer.Option(False, "--json")) -> None:
    """Whether the key is wrapped, by what, its data keys, and whether it is unlocked now."""
    _show(keys_svc.status(_store()), json_out)


@key_app.command("init")
def init(recipient: list[str] = typer.Option([], "--recipient",
                                             help="age X25519 recipient (age1...) that may unlock "
                                                  "it too; repeatable."),
         no_passphrase: bool = typer.Option(False, "--no-passphrase",
                                            help="Wrap by the recipients only."),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """Make the store key, wrapped by HARVESTWATCH_KEY_PASSPHRASE (or one typed twice)."""
    out = keys_svc.init(_store(), passphrase=_passphrase(no_passphrase, recipient),
                        recipients=recipient, actor=_context.settings().actor)
    _show(out, json_out)


@key_app.command("wrap")
def wrap(recipient: list[str] = typer.Option([], "--recipient", help="age recipient; repeatable."),
         no_passphrase: bool = typer.Option(False, "--no-passphrase"),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """Migrate a clear key (keys/master.key or HARVESTWATCH_KEY): wrap it, seal what older
    versions kept in clear, and remove the clear file."""
    store = _store()
    from harvestwatch.core.progress import progress

    with progress("sealing", keys_svc.rotation_work(store)) as bar:
        out = keys_svc.wrap(store, passphrase=_passphrase(no_passphrase, recipient),
                            recipients=recipient, actor=_context.settings().actor,
                            on_progress=lambda what, n: [bar.step(what) for _ in range(n)])
    _show(out, json_out)


@key_app.command("rotate")
def rotate(json_out: bool = typer.Option(False, "--json")) -> None:
    """A new data key: every restricted blob and field sealed again under it, the old key
    dropped (safe to interrupt; run again to finish)."""
    store = _store()
    from harvestwatch.core.progress import progress

    with progress("re-sealing", keys_svc.rotation_work(store)) as bar:
        out = keys_svc.rotate(store, actor=_context.settings().actor,
                              on_progress=lambda what, n: [bar.step(what) for _ in range(n)])
    if json_out:
        emit_json(out.to_dict())
        return
    console.print(f"data key {out.key_id} now current; retired {', '.join(out.retired) or '-'}; "
                  f"{out.blobs} blob(s) and {out.rows} row(s) sealed again"
                  + (" (an interrupted rotation finished)" if out.resumed else ""), highlight=False)


@key_app.command("add-recipient")
def add_recipient(recipient: str = typer.Argument(..., help="age X25519 recipient (age1...)."),
                  json_out: bool = typer.Option(False, "--json")) -> None:
    """Let an age identity unlock the store key (HARVESTWATCH_KEY_IDENTITY=its file)."""
    _show(keys_svc.add_recipient(_store(), recipient, actor=_context.settings().actor), json_out)


@key_app.command("passphrase")
def passphrase(json_out: bool = typer.Option(False, "--json")) -> None:
    """Wrap the store key by a new passphrase (HARVESTWATCH_KEY_NEW_PASSPHRASE, or typed twice);
    the current one (HARVESTWATCH_KEY_PASSPHRASE or typed) unlocks it first."""
    new = keys_svc.new_passphrase(NEW_PASSPHRASE_ENV)
    if not new:
        raise ConfigError(f"set {NEW_PASSPHRASE_ENV} (or run on a terminal to type it)")
    _show(keys_svc.set_passphrase(_store(), new, actor=_context.settings().actor), json_out)


def register(app: typer.Typer) -> None:
    app.add_typer(key_app, name="key")
