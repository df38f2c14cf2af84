"""Encryption at rest for restricted content (AES-256-GCM under the store's data keys).

Sealed text is ``enc:v2:<key id>:<base64>``; a sealed blob starts ``HWE2`` and the key id.
``enc:v1:`` text and headerless blobs come from stores made before keys were wrapped; they
open with any data key. Keys come from ``store.keys`` (see there for how a store unlocks).
"""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

from harvestwatch.store import keys as keymod

TEXT_PREFIX = "enc:v1:"
TEXT_V2 = "enc:v2:"
BLOB_MAGIC = b"HWE2"
LEGACY_ID = "0" * 16  # the id a clear legacy key keeps once wrapped
NEEDS_KEY = ("restricted content needs a store key: set HARVESTWATCH_KEY_PASSPHRASE "
             "(or run 'harvestwatch key init')")


def is_sealed_text(value: object) -> bool:
    return isinstance(value, str) and (value.startswith(TEXT_V2) or value.startswith(TEXT_PREFIX))


class Cipher:
    """The store's data keys, loaded (and unlocked) on first use."""

    def __init__(self, store_dir: Path):
        self.store_dir = Path(store_dir)
        self._keys: dict[str, bytes] | None = None
        self._current: str | None = None
        self._stamp: int | None = None  # the keyring file's mtime when its keys were loaded
        self._loading = threading.RLock()  # blob writer threads may ask for it at once

    # --- keys ---------------------------------------------------------------------------

    @property
    def keyring_path(self) -> Path:
        return keymod.keys_dir(self.store_dir) / keymod.KEYRING

    def _load(self, *, create: bool = False) -> dict[str, bytes]:
        with self._loading:
            if self._keys is not None:
                return self._keys
            if self.keyring_path.exists():
                self._stamp = self.keyring_path.stat().st_mtime_ns
                ring = keymod.Keyring.read(self.keyring_path)
                self._keys = ring.data_keys(keymod.unlock_kek(ring))
                self._current = ring.current
            elif (legacy := keymod.legacy_key(self.store_dir)) is not None:
                self._keys, self._current = {LEGACY_ID: legacy}, LEGACY_ID
            elif create:
                self._create()
            else:
                raise keymod.StoreLocked(NEEDS_KEY)
            return self._keys

    def _create(self) -> None:
        """The store's first key, wrapped by the passphrase (environment or terminal) or by
        the recipient of ``HARVESTWATCH_KEY_IDENTITY``."""
        passphrase = keymod.new_passphrase_from_env_or_prompt()
        identity = os.environ.get(keymod.IDENTITY_ENV)
        recipients = [keymod.recipient_of(Path(identity))] if identity else []
        if not passphrase and not recipients:
            raise keymod.StoreLocked(NEEDS_KEY)
        ring, kek = keymod.new_keyring(self.store_dir, passphrase=passphrase,
                                       recipients=recipients)
        if not ring.write(exclusive=True):  # another process made it first: use theirs
            self._load()
            return
        self._stamp = self.keyring_path.stat().st_mtime_ns
        keymod.remember(ring, kek)
        self._keys, self._current = ring.data_keys(kek), ring.current

    def reload(self) -> None:
        """Forget the loaded keys (the keyring changed: rotated, wrapped)."""
        with self._loading:
            self._keys, self._current, self._stamp = None, None, None

    @property
    def current_key_id(self) -> str:
        self._load(create=True)
        assert self._current is not None
        return self._current

    def key_ids(self) -> list[str]:
        return list(self._load())

    def ready_to_seal(self) -> None:
        """Unlock the store key now, or make the store's first one (see ``_create``)."""
        self._load(create=True)

    def unlock(self) -> None:
        """Load the keys now (prompting on a terminal when needed); raise if that fails."""
        self._load()

    def available(self) -> bool:
        """Whether sealed content can be opened now (no prompt asked)."""
        with self._loading:
            if self._keys is not None:
                return True
            allowed = keymod.prompts_allowed
            keymod.prompts_allowed = False
            try:
                self._load()
                return True
            except keymod.StoreLocked:
                return False
            finally:
                keymod.prompts_allowed = allowed

    def _key(self, kid: str) -> bytes | None:
        keys = self._load()
        if kid not in keys and kid != LEGACY_ID:  # rotated by another process since loaded
            self.reload()
            keys = self._load()
        return keys.get(kid)

    # --- bytes ---------------------------------------------------------------------------

    def _fresh(self) -> None:
        """Reload when the keyring changed on disk (rotated by another process), so that
        new values are sealed with the current key."""
        if self._stamp is not None:
            try:
                changed = self.keyring_path.stat().st_mtime_ns != self._stamp
            except FileNotFoundError:
                changed = True
            if changed:
                self.reload()

    def encrypt(self, data: bytes, aad: bytes = b"") -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        with self._loading:
            self._fresh()
            keys = self._load(create=True)
            kid = self._current
        nonce = os.urandom(12)
        return BLOB_MAGIC + kid.encode() + nonce + AESGCM(keys[kid]).encrypt(nonce, data, aad)

    def key_id_of(self, blob: bytes) -> str | None:
        """The id of the key a sealed value was made with (None: a legacy value, no id)."""
        if blob[:4] == BLOB_MAGIC and len(blob) >= 20:
            return blob[4:20].decode("ascii", "replace")
        return None

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        kid = self.key_id_of(blob)
        if kid is not None and (key := self._key(kid)) is not None:
            candidates, body = [key], blob[20:]
        else:
            candidates, body = list(self._load().values()), blob
        for key in candidates:
            try:
                return AESGCM(key).decrypt(body[:12], body[12:], aad)
            except InvalidTag:
                continue
        raise ValueError("authentication failed: wrong key or altered bytes")

    # --- text ----------------------------------------------------------------------------

    def encrypt_text(self, text: str, aad: bytes = b"") -> str:
        blob = self.encrypt(text.encode(), aad)
        return f"{TEXT_V2}{self.key_id_of(blob)}:" + base64.b64encode(blob[20:]).decode()

    def text_key_id(self, value: str) -> str | None:
        if value.startswith(TEXT_V2):
            return value[len(TEXT_V2):].split(":", 1)[0]
        return None

    def decrypt_text(self, value: str, aad: bytes = b"") -> str:
        if value.startswith(TEXT_V2):
            kid, body = value[len(TEXT_V2):].split(":", 1)
            blob = BLOB_MAGIC + kid.encode() + base64.b64decode(body)
        elif value.startswith(TEXT_PREFIX):  # made before wrapped keys, with no associated data
            blob, aad = base64.b64decode(value[len(TEXT_PREFIX):]), b""
        else:
            return value
        return self.decrypt(blob, aad).decode()
