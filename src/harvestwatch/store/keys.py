"""The store's keys: data keys wrapped by a key-encryption key, itself wrapped by a passphrase
(scrypt) and/or age X25519 recipients; nothing in clear beside the data.

``<store>/keys/keyring.json`` (mode 0600) holds the wraps of the key-encryption key (KEK) and
the data keys (DEKs) sealed under it; ``current`` names the DEK new content is sealed with.
Unlocking takes, in order: ``HARVESTWATCH_KEY`` (a raw base64 data key, legacy), the
passphrase in ``HARVESTWATCH_KEY_PASSPHRASE``, the age identity file in
``HARVESTWATCH_KEY_IDENTITY``, then a prompt — only when stdin is a terminal. A store made
before wrapping keeps working from its clear ``keys/master.key`` until ``harvestwatch key
wrap`` wraps it and removes the file. ``cryptography`` and ``pyrage`` load only when used.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harvestwatch.core.errors import ConfigError

KEYRING = "keyring.json"
LEGACY = "master.key"
FORMAT = "harvestwatch-keyring/1"
PASSPHRASE_ENV = "HARVESTWATCH_KEY_PASSPHRASE"
IDENTITY_ENV = "HARVESTWATCH_KEY_IDENTITY"
RAW_ENV = "HARVESTWATCH_KEY"
SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1}
HOW_TO_UNLOCK = (f"set {PASSPHRASE_ENV} (or {IDENTITY_ENV} to an age identity file)")

_lock = threading.RLock()
_keks: dict[tuple[str, str], bytes] = {}  # (keyring path, KEK id) -> KEK unlocked in this process
prompts_allowed = True  # a server turns this off after unlocking at start


class StoreLocked(ConfigError):
    """Restricted content needs the store key and nothing given unlocks it."""


def keys_dir(store_dir: Path) -> Path:
    return Path(store_dir) / "keys"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _aead(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(key).encrypt(nonce, data, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag

    try:
        return _aead(key).decrypt(blob[:12], blob[12:], aad)
    except InvalidTag:
        return None


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


@dataclass
class Keyring:
    """The parsed keyring file; ``keys`` maps a DEK id to its wrapped bytes."""

    path: Path
    kek_id: str
    wraps: list[dict] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    current: str = ""
    retired: list[str] = field(default_factory=list)  # open old values; never seal new ones

    @classmethod
    def read(cls, path: Path) -> Keyring:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')!r} is not {FORMAT}")
            return cls(path, raw["kek_id"], raw["wraps"],
                       {k["id"]: k["key"] for k in raw["keys"]},
                       {k["id"]: k.get("created", "") for k in raw["keys"]}, raw["current"],
                       list(raw.get("retired", [])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: unreadable keyring ({exc})") from None

    def write(self, *, exclusive: bool = False) -> bool:
        """Atomically (temp file, fsync, rename), mode 0600. ``exclusive``: only if no keyring
        exists yet (two processes making a store's first key: one wins); False if one did."""
        data = {"format": FORMAT, "kek_id": self.kek_id, "current": self.current,
                "retired": self.retired, "wraps": self.wraps,
                "keys": [{"id": k, "created": self.created.get(k, ""), "key": v}
                         for k, v in self.keys.items()]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-keyring-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            if exclusive:
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    return False
                finally:
                    Path(tmp).unlink(missing_ok=True)
            else:
                os.replace(tmp, self.path)
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    # --- the KEK ---------------------------------------------------------------------------

    def unwrap_with_passphrase(self, passphrase: str) -> bytes | None:
        for w in self.wraps:
            if w.get("kind") == "passphrase":
                kek = _open(_scrypt(passphrase, unb64(w["salt"]), w["n"], w["r"], w["p"]),
                            unb64(w["kek"]), self.kek_id.encode())
                if kek is not None:
                    return kek
        return None

    def unwrap_with_identity(self, identity_file: Path) -> bytes | None:
        import pyrage

        try:
            lines = [ln.strip() for ln in Path(identity_file).read_text().splitlines()]
            idents = [pyrage.x25519.Identity.from_str(ln) for ln in lines
                      if ln.startswith("AGE-SECRET-KEY-")]
        except (OSError, ValueError, pyrage.IdentityError) as exc:
            raise ConfigError(f"{identity_file}: cannot read the age identity ({exc})") from None
        for w in self.wraps:
            if w.get("kind") == "age":
                try:
                    return pyrage.decrypt(unb64(w["kek"]), idents)
                except pyrage.DecryptError:
                    continue
        return None

    def add_passphrase(self, kek: bytes, passphrase: str) -> None:
        salt = os.urandom(16)
        wrapped = _seal(_scrypt(passphrase, salt, **SCRYPT), kek, self.kek_id.encode())
        self.wraps = [w for w in self.wraps if w.get("kind") != "passphrase"]
        self.wraps.append({"kind": "passphrase", "kdf": "scrypt", **SCRYPT, "salt": b64(salt),
                           "kek": b64(wrapped)})

    def rekey(self, old_kek: bytes, passphrase: str | None) -> bytes:
        """A new KEK: the data keys wrapped again under it, the passphrase wrap replaced (or
        dropped when None) and each age recipient's wrap made again. Returns the new KEK."""
        keys = self.data_keys(old_kek)
        recipients = [w["recipient"] for w in self.wraps if w.get("kind") == "age"]
        kek, self.kek_id, self.wraps = os.urandom(32), secrets.token_hex(8), []
        if passphrase:
            self.add_passphrase(kek, passphrase)
        for r in recipients:
            self.add_recipient(kek, r)
        for kid, key in keys.items():
            self.keys[kid] = b64(_seal(kek, key, b"hw-dek:" + kid.encode()))
        return kek

    def add_recipient(self, kek: bytes, recipient: str) -> None:
        import pyrage

        try:
            rcpt = pyrage.x25519.Recipient.from_str(recipient.strip())
        except (ValueError, pyrage.RecipientError) as exc:
            raise ConfigError(f"{recipient!r} is not an age X25519 recipient ({exc})") from None
        self.wraps = [w for w in self.wraps if w.get("recipient") != recipient.strip()]
        self.wraps.append({"kind": "age", "recipient": recipient.strip(),
                           "kek": b64(pyrage.encrypt(kek, [rcpt]))})

    # --- data keys -------------------------------------------------------------------------

    def data_keys(self, kek: bytes) -> dict[str, bytes]:
        out = {}
        for kid, wrapped in self.keys.items():
            key = _open(kek, unb64(wrapped), b"hw-dek:" + kid.encode())
            if key is None:
                raise ConfigError(f"{self.path}: data key {kid} does not open with the unlocked "
                                  "key-encryption key (altered keyring)")
            out[kid] = key
        return out

    def add_data_key(self, kek: bytes, key: bytes | None = None, kid: str | None = None) -> str:
        kid = kid or secrets.token_hex(8)
        key = key if key is not None else os.urandom(32)
        self.keys[kid] = b64(_seal(kek, key, b"hw-dek:" + kid.encode()))
        self.created[kid] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.current = kid
        return kid


def new_keyring(store_dir: Path, *, passphrase: str | None = None,
                recipients: list[str] = (), legacy_key: bytes | None = None) -> tuple[Keyring, bytes]:
    """A fresh keyring (not yet written): a random KEK wrapped by what is given, one DEK."""
    if not passphrase and not recipients:
        raise ConfigError("a store key needs a passphrase or an age recipient to wrap it")
    kek = os.urandom(32)
    ring = Keyring(keys_dir(store_dir) / KEYRING, secrets.token_hex(8))
    if passphrase:
        ring.add_passphrase(kek, passphrase)
    for r in recipients:
        ring.add_recipient(kek, r)
    ring.add_data_key(kek, legacy_key, "0" * 16 if legacy_key is not None else None)
    return ring, kek


def legacy_key(store_dir: Path) -> bytes | None:
    """The clear data key of an unwrapped store (``HARVESTWATCH_KEY`` or ``keys/master.key``)."""
    env = os.environ.get(RAW_ENV)
    if env:
        key = base64.b64decode(env)
    else:
        path = keys_dir(store_dir) / LEGACY
        if not path.exists():
            return None
        key = path.read_bytes()
    if len(key) != 32:
        raise ConfigError(f"encryption key must be 32 bytes, got {len(key)}")
    return key


def _interactive() -> bool:
    return prompts_allowed and sys.stdin is not None and sys.stdin.isatty()


def _prompt(text: str) -> str:
    import getpass

    return getpass.getpass(text)


def unlock_kek(ring: Keyring, *, interactive: bool | None = None) -> bytes:
    """The KEK, from the environment or a terminal prompt; ``StoreLocked`` when none is given."""
    cache = (str(ring.path), ring.kek_id)
    with _lock:
        if cache in _keks:
            return _keks[cache]
        passphrase = os.environ.get(PASSPHRASE_ENV)
        identity = os.environ.get(IDENTITY_ENV)
        kek = None
        if passphrase:
            kek = ring.unwrap_with_passphrase(passphrase)
            if kek is None and not identity:
                raise ConfigError(f"{PASSPHRASE_ENV} does not unlock the store key ({ring.path})")
        if kek is None and identity:
            kek = ring.unwrap_with_identity(Path(identity))
            if kek is None:
                raise ConfigError(f"{IDENTITY_ENV} ({identity}) does not unlock the store key "
                                  f"({ring.path})")
        if kek is None and (_interactive() if interactive is None else interactive):
            kek = ring.unwrap_with_passphrase(_prompt(f"passphrase for the store key "
                                                      f"({ring.path.parent.parent}): "))
            if kek is None:
                raise ConfigError(f"wrong passphrase for the store key ({ring.path})")
        if kek is None:
            raise StoreLocked(f"the store key is locked: {HOW_TO_UNLOCK}")
        _keks[cache] = kek
        return kek


def remember(ring: Keyring, kek: bytes) -> None:
    with _lock:
        _keks[(str(ring.path), ring.kek_id)] = kek


def forget_all() -> None:
    """Drop every unlocked KEK held by this process (tests; a server shutting down)."""
    with _lock:
        _keks.clear()


def new_passphrase_from_env_or_prompt() -> str | None:
    """A passphrase for a new keyring: the environment's, or asked twice on a terminal."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return passphrase
    if not _interactive():
        return None
    first = _prompt("new passphrase for the store key: ")
    if not first or first != _prompt("again: "):
        raise ConfigError("the passphrases differ (or are empty); nothing was changed")
    return first


def recipient_of(identity_file: Path) -> str:
    """The age recipient (public key) of an identity file."""
    import pyrage

    for line in Path(identity_file).read_text().splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-"):
            return str(pyrage.x25519.Identity.from_str(line.strip()).to_public())
    raise ConfigError(f"{identity_file}: no AGE-SECRET-KEY line")
