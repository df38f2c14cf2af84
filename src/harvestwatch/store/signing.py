"""The store's Ed25519 signing key: kept in ``<store>/keys/signing.key`` (0600), never in the blobs."""

from __future__ import annotations

import base64
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harvestwatch.core.errors import ConfigError
from harvestwatch.core.treehead import key_id

if TYPE_CHECKING:  # cryptography loads when a key is read, made or used, not to find its path
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_FILE = "signing.key"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    path: Path

    @property
    def public_raw(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private.public_key().public_bytes(serialization.Encoding.Raw,
                                                      serialization.PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def key_id(self) -> str:
        return key_id(self.public_raw)

    @property
    def public_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()


def key_path(store_dir: Path) -> Path:
    return Path(store_dir) / "keys" / KEY_FILE


def load_key(store_dir: Path, path: Path | None = None) -> SigningKey | None:
    """The store's key (or the key file ``path``), or None when it has none yet."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = path or key_path(store_dir)
    if not path.exists():
        return None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the store's signing key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: the store's signing key is not an Ed25519 key")
    return SigningKey(key, path)


@contextmanager
def creation_lock(store_dir: Path) -> Iterator[None]:
    """An exclusive lock (``keys/.lock``) held while a key is made, across processes."""
    folder = key_path(store_dir).parent
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def staged_path(store_dir: Path) -> Path:
    return key_path(store_dir).with_suffix(".key.new")


def stage_key(store_dir: Path) -> SigningKey:
    """Write a new key beside the real one (``signing.key.new``, 0600, fsynced).

    The key becomes the store's only through :func:`install_staged`, after its creation is
    committed to the ledger, so a crash in between never leaves a key the ledger does not know.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = staged_path(store_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_name(path.name + f".{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return SigningKey(key, path)


def load_staged(store_dir: Path) -> SigningKey | None:
    """A staged key left by an interrupted creation, or None (a torn write was never committed)."""
    path = staged_path(store_dir)
    if not path.exists():
        return None
    try:
        return load_key(store_dir, path)
    except ConfigError:
        return None


def install_staged(store_dir: Path) -> SigningKey:
    """Make the staged key the store's key (atomic rename, folder fsynced) and return it."""
    final = key_path(store_dir)
    os.replace(staged_path(store_dir), final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    key = load_key(store_dir)
    assert key is not None
    return key
