"""Encryption at rest for restricted content (AES-GCM, one key per store)."""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

from harvestwatch.core.errors import ConfigError

TEXT_PREFIX = "enc:v1:"


class Cipher:
    """AES-256-GCM with a key from ``HARVESTWATCH_KEY`` (base64) or ``<store>/keys/master.key``."""

    def __init__(self, key_file: Path):
        self.key_file = key_file
        self._key: bytes | None = None
        self._loading = threading.Lock()

    def _load(self) -> bytes:
        with self._loading:  # blob writer threads may ask for it at once
            if self._key is None:
                env = os.environ.get("HARVESTWATCH_KEY")
                if env:
                    key = base64.b64decode(env)
                elif self.key_file.exists():
                    key = self.key_file.read_bytes()
                else:
                    self.key_file.parent.mkdir(parents=True, exist_ok=True)
                    key = os.urandom(32)
                    fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(key)
                if len(key) != 32:
                    raise ConfigError(f"encryption key must be 32 bytes, got {len(key)}")
                self._key = key
            return self._key

    def encrypt(self, data: bytes, aad: bytes = b"") -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        return nonce + AESGCM(self._load()).encrypt(nonce, data, aad)

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(self._load()).decrypt(blob[:12], blob[12:], aad)
        except InvalidTag:
            raise ValueError("authentication failed: wrong key or altered bytes") from None

    def encrypt_text(self, text: str) -> str:
        return TEXT_PREFIX + base64.b64encode(self.encrypt(text.encode())).decode()

    def decrypt_text(self, value: str) -> str:
        if not value.startswith(TEXT_PREFIX):
            return value
        return self.decrypt(base64.b64decode(value[len(TEXT_PREFIX):])).decode()
