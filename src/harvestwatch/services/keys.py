"""The store key: status, first wrap, migration of a clear key, rotation, recipients.

Restricted content is sealed with a data key; the data keys are wrapped by a key-encryption
key that a passphrase (scrypt) and/or age X25519 recipients unlock (see ``store.keys``).
Every change is audited: a custody ledger entry (``key_*``, object ``store_key``) and an
access-log row.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from harvestwatch.core.errors import ConfigError
from harvestwatch.services import audit
from harvestwatch.store import Store, keys, sealed
from harvestwatch.store.models import Source

__all__ = ["KeyStatus", "RotateResult", "status", "init", "wrap", "rotate", "add_recipient",
           "set_passphrase", "ready_to_seal", "unlock_at_start", "new_passphrase"]


@dataclass
class KeyStatus:
    """Where the store key stands; ``mode``: none | clear (unwrapped) | wrapped."""

    mode: str
    keyring: str
    unlocked: bool
    restricted_sources: int
    wraps: list[dict] = field(default_factory=list)
    data_keys: list[dict] = field(default_factory=list)
    clear_key: str | None = None  # the clear key's origin: a file beside the data or the env
    advice: str | None = None

    def to_dict(self) -> dict:
        return {"mode": self.mode, "keyring": self.keyring, "unlocked": self.unlocked,
                "restricted_sources": self.restricted_sources, "wraps": self.wraps,
                "data_keys": self.data_keys, "clear_key": self.clear_key, "advice": self.advice}


def _restricted_sources(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Source)
                        .where(Source.restricted.is_(True))) or 0


def _legacy_file(store: Store):
    return keys.keys_dir(store.settings.store_dir) / keys.LEGACY


def status(store: Store) -> KeyStatus:
    """The key's state, without prompting (``unlocked``: usable from the environment now)."""
    path = store.cipher.keyring_path
    n = _restricted_sources(store)
    if path.exists():
        ring = keys.Keyring.read(path)
        wraps = [{"kind": w["kind"], **({"recipient": w["recipient"]} if "recipient" in w else {})}
                 for w in ring.wraps]
        data = [{"id": k, "created": ring.created.get(k, ""), "current": k == ring.current,
                 "retired": k in ring.retired} for k in ring.keys]
        advice = ("a rotation was interrupted: run 'harvestwatch key rotate' to finish it"
                  if _unfinished(ring) else None)
        return KeyStatus("wrapped", str(path), store.cipher.available(), n, wraps, data,
                         advice=advice)
    origin = ("HARVESTWATCH_KEY" if os.environ.get(keys.RAW_ENV)
              else str(_legacy_file(store)) if _legacy_file(store).exists() else None)
    if origin:
        return KeyStatus("clear", str(path), True, n, clear_key=origin,
                         advice="the data key is not wrapped: run 'harvestwatch key wrap'")
    return KeyStatus("none", str(path), False, n,
                     advice="no store key yet: one is made (wrapped by "
                            f"{keys.PASSPHRASE_ENV}) with the first restricted ingest, or by "
                            "'harvestwatch key init'")


def _record(store: Store, action: str, key_id: str, payload: dict, actor: str | None) -> None:
    with store.session() as s:  # key commands exist only in the CLI
        audit.record(s, actor=actor or store.settings.actor, action=action,
                     object_type="store_key", object_id=key_id, payload=payload, via="cli")


def _wrap_kinds(passphrase: str | None, recipients: list[str]) -> list[str]:
    return (["passphrase"] if passphrase else []) + [f"age:{r}" for r in recipients]


def init(store: Store, *, passphrase: str | None, recipients: list[str] = (),
         actor: str | None = None) -> KeyStatus:
    """Make the store's first key, wrapped by the passphrase and/or the age recipients."""
    if store.cipher.keyring_path.exists():
        raise ConfigError(f"{store.cipher.keyring_path} exists already: use 'key rotate', "
                          "'key passphrase' or 'key add-recipient'")
    if keys.legacy_key(store.settings.store_dir) is not None:
        raise ConfigError("this store has a clear key: use 'harvestwatch key wrap' to wrap it")
    ring, kek = keys.new_keyring(store.settings.store_dir, passphrase=passphrase,
                                 recipients=list(recipients))
    ring.write()
    keys.remember(ring, kek)
    store.cipher.reload()
    _record(store, "key_init", ring.current, {"wraps": _wrap_kinds(passphrase, list(recipients))},
            actor)
    return status(store)


def wrap(store: Store, *, passphrase: str | None, recipients: list[str] = (),
         actor: str | None = None, on_progress: Callable[[str, int], None] | None = None) -> KeyStatus:
    """Migrate a clear key: wrap it, seal what older versions left in clear, remove the file.

    The clear key may survive in old backups: run ``rotate`` afterwards to retire it.
    """
    if store.cipher.keyring_path.exists():
        raise ConfigError(f"{store.cipher.keyring_path} exists already; nothing to wrap")
    clear = keys.legacy_key(store.settings.store_dir)
    if clear is None:
        raise ConfigError("no clear key to wrap (no keys/master.key, no HARVESTWATCH_KEY): "
                          "use 'harvestwatch key init'")
    ring, kek = keys.new_keyring(store.settings.store_dir, passphrase=passphrase,
                                 recipients=list(recipients), legacy_key=clear)
    ring.write()
    keys.remember(ring, kek)
    store.cipher.reload()
    rows = sealed.reseal(store.session, store.cipher, on_batch=on_progress)
    legacy = _legacy_file(store)
    removed = legacy.exists()
    if removed:
        _shred(legacy)
    _record(store, "key_wrap", ring.current, {"wraps": _wrap_kinds(passphrase, list(recipients)),
                                              "rows_sealed": rows, "clear_file_removed": removed},
            actor)
    out = status(store)
    out.advice = ("wrapped; the clear key may remain in older backups: run 'harvestwatch key "
                  "rotate' to retire it" + ("; unset HARVESTWATCH_KEY" if not removed else ""))
    return out


def _shred(path) -> None:
    """Overwrite a clear key file, make that durable, then remove it."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.write(os.urandom(size))
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class RotateResult:
    key_id: str
    retired: list[str]
    blobs: int
    rows: int
    resumed: bool

    def to_dict(self) -> dict:
        return {"key_id": self.key_id, "retired": self.retired, "blobs": self.blobs,
                "rows": self.rows, "resumed": self.resumed}


def _ring(store: Store) -> tuple[keys.Keyring, bytes]:
    path = store.cipher.keyring_path
    if not path.exists():
        if keys.legacy_key(store.settings.store_dir) is not None:
            raise ConfigError("the store key is in clear: run 'harvestwatch key wrap' first")
        raise ConfigError("the store has no key yet: run 'harvestwatch key init'")
    ring = keys.Keyring.read(path)
    return ring, keys.unlock_kek(ring)


def _unfinished(ring: keys.Keyring) -> list[str]:
    """Old data keys a rotation began to replace but has not yet retired."""
    return [k for k in ring.keys if k != ring.current and k not in ring.retired]


def rotate(store: Store, *, actor: str | None = None,
           on_progress: Callable[[str, int], None] | None = None) -> RotateResult:
    """A new data key; every sealed blob and row sealed again under it; the old key retired.

    A retired key seals nothing new and opens nothing the store holds once this returns; it
    stays in the keyring (wrapped like the others), so that a value a writer sealed with it
    while the rotation ran still opens (and the next rotation seals it again): nothing is
    ever lost to a rotation. Processes already running switch to the new key on their next
    write. Killed at any point, every value still opens; running ``rotate`` again finishes.
    """
    ring, kek = _ring(store)
    resumed = bool(_unfinished(ring))
    if not resumed:
        ring.add_data_key(kek)
        ring.write()
    retiring = _unfinished(ring)
    store.cipher.reload()
    blobs = rows = 0
    for again in (False, True):  # a second pass takes what writers sealed meanwhile
        for sha in store.blobs.sealed_hashes():
            blobs += store.blobs.reseal(sha)
            if on_progress and not again:
                on_progress("blobs", 1)
        rows += sealed.reseal(store.session, store.cipher, on_batch=None if again else on_progress)
    _record(store, "key_rotate", ring.current, {"retired": retiring, "blobs": blobs, "rows": rows},
            actor)
    ring = keys.Keyring.read(ring.path)
    ring.retired += [k for k in retiring if k not in ring.retired]
    ring.write()
    store.cipher.reload()
    return RotateResult(ring.current, retiring, blobs, rows, resumed)


def rotation_work(store: Store) -> int:
    """How many blobs and restricted rows a rotation goes through (for a progress bar)."""
    with store.session() as s:
        rows = sum(len(list(sealed._restricted_ids(s, spec))) for spec in sealed.TABLES)
    return rows + len(store.blobs.sealed_hashes())


def add_recipient(store: Store, recipient: str, *, actor: str | None = None) -> KeyStatus:
    """Let an age X25519 identity unlock the store key too."""
    ring, kek = _ring(store)
    ring.add_recipient(kek, recipient)
    ring.write()
    _record(store, "key_recipient", ring.current, {"recipient": recipient.strip()}, actor)
    return status(store)


def set_passphrase(store: Store, passphrase: str, *, actor: str | None = None) -> KeyStatus:
    """A new key-encryption key wrapped by a new passphrase (and again for each age
    recipient); the data keys wrapped under it. An old copy of the keyring and the old
    passphrase open none of the keys wrapped from now on."""
    if not passphrase:
        raise ConfigError("the new passphrase is empty")
    ring, kek = _ring(store)
    kek = ring.rekey(kek, passphrase)
    ring.write()
    keys.remember(ring, kek)
    _record(store, "key_passphrase", ring.current, {"wraps": [w["kind"] for w in ring.wraps]}, actor)
    return status(store)


def ready_to_seal(store: Store) -> None:
    """Unlock the store key now (environment, or a prompt on a terminal), or make the store's
    first one; raises ``StoreLocked`` naming what to set."""
    store.cipher.ready_to_seal()


def unlock_at_start(store: Store) -> str | None:
    """Unlock a wrapped key now (environment, or a prompt on a terminal), then allow no more
    prompts (a server). Returns why restricted content stays locked, or None."""
    try:
        if store.cipher.keyring_path.exists():
            store.cipher.unlock()
        return None
    except keys.StoreLocked as exc:
        return str(exc)
    finally:
        keys.prompts_allowed = False


def new_passphrase(env: str = keys.PASSPHRASE_ENV) -> str | None:
    """A passphrase to wrap the key with: from ``env``, or asked twice on a terminal."""
    if os.environ.get(env):
        return os.environ[env]
    if env == keys.PASSPHRASE_ENV:
        return keys.new_passphrase_from_env_or_prompt()
    saved = os.environ.get(keys.PASSPHRASE_ENV)
    os.environ.pop(keys.PASSPHRASE_ENV, None)  # ask, rather than reuse the unlocking one
    try:
        return keys.new_passphrase_from_env_or_prompt()
    finally:
        if saved is not None:
            os.environ[keys.PASSPHRASE_ENV] = saved
