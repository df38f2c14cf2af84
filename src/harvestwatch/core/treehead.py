"""Signed tree heads: the text a store signs, and its JSON form (``HEAD.json``).

A head says "the ledger's first ``tree_size`` entries have RFC 6962 root ``root_hash``", at
``issued_at``, signed with the store's Ed25519 key. The optional RFC 3161 timestamp token is
over the signature bytes, so it dates the signed head. Standard library only (plus
``cryptography`` to check a signature): evidence bundles ship a copy of this module, with
the entry hash that makes a ledger entry a leaf.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    from harvestwatch.core.hashing import sha256_json
except ImportError:  # run from an evidence bundle's verifier/ folder
    from hashing import sha256_json  # type: ignore[no-redef]

FORMAT = "harvestwatch-tree-head/1"


def entry_hash(seq: int, at: str, actor: str, action: str, object_type: str, object_id: str,
               payload_hash: str, prev_hash: str) -> str:
    """A ledger entry's hash: SHA-256 of the canonical JSON of its fields (its Merkle leaf input)."""
    return sha256_json({"seq": seq, "at": at, "actor": actor, "action": action,
                        "object_type": object_type, "object_id": object_id,
                        "payload_hash": payload_hash, "prev_hash": prev_hash})


def head_message(tree_size: int, root_hash: str, issued_at: str) -> bytes:
    """The exact bytes signed: four lines of text, newline-terminated."""
    return (f"harvestwatch tree head v1\nsize {tree_size}\nroot {root_hash}\n"
            f"time {issued_at}\n").encode()


def key_id(public_key: bytes) -> str:
    """SHA-256 of the raw 32-byte Ed25519 public key, in hex (the key's fingerprint)."""
    return hashlib.sha256(public_key).hexdigest()


@dataclass(frozen=True)
class SignedHead:
    tree_size: int
    root_hash: str  # hex
    issued_at: str  # UTC, ISO 8601
    public_key: str  # base64 of the raw Ed25519 key
    signature: str  # base64
    key_id: str = ""
    timestamp_token: str | None = None  # base64 RFC 3161 TimeStampResp over the signature
    tsa_url: str | None = None

    @property
    def message(self) -> bytes:
        return head_message(self.tree_size, self.root_hash, self.issued_at)

    @property
    def signature_bytes(self) -> bytes:
        return base64.b64decode(self.signature)

    def to_dict(self) -> dict:
        return {"format": FORMAT} | asdict(self)

    def signature_problem(self, trusted_key_ids: set[str] | None = None) -> str | None:
        """None when the signature is good (and by a trusted key, if a set is given), else why not."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            raw = base64.b64decode(self.public_key, validate=True)
            key = Ed25519PublicKey.from_public_bytes(raw)
            key.verify(base64.b64decode(self.signature, validate=True), self.message)
        except (ValueError, InvalidSignature):
            return "its Ed25519 signature does not verify"
        if self.key_id and self.key_id != key_id(raw):
            return "its key id does not match its public key"
        if trusted_key_ids is not None and key_id(raw) not in trusted_key_ids:
            return f"it is signed by key {key_id(raw)[:16]}, which is not a key of this store"
        return None


def parse_head(data: dict, source: str = "tree head") -> SignedHead:
    """A head from its JSON form; ValueError naming the first missing or malformed field."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{source}: not a {FORMAT} document")
    try:
        head = SignedHead(tree_size=int(data["tree_size"]), root_hash=str(data["root_hash"]),
                          issued_at=str(data["issued_at"]), public_key=str(data["public_key"]),
                          signature=str(data["signature"]), key_id=str(data.get("key_id") or ""),
                          timestamp_token=data.get("timestamp_token"),
                          tsa_url=data.get("tsa_url"))
    except KeyError as exc:
        raise ValueError(f"{source}: field {exc.args[0]!r} is missing") from None
    except (TypeError, ValueError):
        raise ValueError(f"{source}: tree_size must be a whole number") from None
    if head.tree_size < 0 or len(head.root_hash) != 64 or not _is_hex(head.root_hash):
        raise ValueError(f"{source}: tree_size or root_hash is malformed")
    return head


def read_head(path: str | Path) -> SignedHead:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read a tree head ({exc})") from None
    return parse_head(data, str(path))


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True
