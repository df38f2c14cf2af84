"""Content-addressed blob folder: originals stored once, by SHA-256, exactly as received."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.store.crypto import Cipher


class BlobStore:
    """Blobs live at ``root/ab/cd/<sha256>``; encrypted blobs (restricted) end in ``.enc``."""

    def __init__(self, root: Path, cipher: Cipher):
        self.root = Path(root)
        self.cipher = cipher
        self.root.mkdir(parents=True, exist_ok=True)
        self._made: set[Path] = set()  # fan-out folders known to exist (mkdir is not free)

    def path(self, sha: str, encrypted: bool = False) -> Path:
        return self.root / sha[:2] / sha[2:4] / (sha + (".enc" if encrypted else ""))

    def exists(self, sha: str) -> bool:
        return self.path(sha).exists() or self.path(sha, True).exists()

    def put(self, data: bytes, *, encrypt: bool = False) -> tuple[str, bool]:
        """Store ``data``; returns ``(sha256, created)``. Atomic: temp file, fsync, rename."""
        sha = sha256_bytes(data)
        target = self.path(sha, encrypt)
        if target.exists():
            return sha, False
        if target.parent not in self._made:
            _make_folders(target.parent)
            self._made.add(target.parent)
        _write_atomic(target, self.cipher.encrypt(data, sha.encode()) if encrypt else data)
        return sha, True

    def read(self, sha: str) -> bytes:
        """The original bytes (decrypted when stored encrypted)."""
        enc = self.path(sha, True)
        if enc.exists():
            return self.cipher.decrypt(enc.read_bytes(), sha.encode())
        return self.path(sha).read_bytes()

    def sealed_hashes(self) -> list[str]:
        """The hashes of the blobs stored encrypted."""
        return sorted(p.name.removesuffix(".enc") for p in self.root.glob("??/??/*.enc")
                      if not p.name.startswith(".tmp-"))

    def reseal(self, sha: str) -> bool:
        """Encrypt a sealed blob again under the current data key (atomically: temp file, fsync,
        rename), unless it already is; True when it was rewritten."""
        target = self.path(sha, True)
        with target.open("rb") as fh:
            head = fh.read(20)
        if self.cipher.key_id_of(head) == self.cipher.current_key_id:
            return False
        data = self.read(sha)
        if sha256_bytes(data) != sha:
            raise ValueError(f"blob {sha} does not hash to its name; left as it is")
        _write_atomic(target, self.cipher.encrypt(data, sha.encode()))
        return True

    def check(self, sha: str) -> str | None:
        """None when the blob is present and hashes to ``sha``, else what is wrong."""
        if not self.exists(sha):
            return f"blob {sha} is missing"
        try:
            data = self.read(sha)
        except ValueError as exc:
            return f"blob {sha} cannot be decrypted ({exc})"
        actual = sha256_bytes(data)
        if actual != sha:
            return f"blob {sha} has changed (its bytes now hash to {actual})"
        return None

    def all_hashes(self) -> list[str]:
        return sorted(p.name.removesuffix(".enc") for p in self.root.glob("??/??/*")
                      if not p.name.startswith(".tmp-"))

    def temp_files(self) -> list[Path]:
        """Temporary files left by blob writes that were killed before their rename."""
        return sorted(self.root.glob("??/??/.tmp-*"))


def _write_atomic(target: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_folders(folder: Path) -> None:
    """``mkdir -p``, and each new folder's entry made durable in its parent (POSIX does not
    promise that fsyncing a folder also persists the folder's own name)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        _fsync_folder(new.parent)
