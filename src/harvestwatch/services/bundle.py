"""Evidence bundles: originals with their custody, proven in a signed tree head, checkable offline."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from harvestwatch.core.errors import InputError, PermissionDenied
from harvestwatch.core.roles import CLEARED
from harvestwatch.core.treehead import SignedHead
from harvestwatch.custody import verify_bundle
from harvestwatch.custody.verify_bundle import BundleReport, check_bundle, write_stored_zip
from harvestwatch.services import audit, custody
from harvestwatch.store import Store, ledger, tree
from harvestwatch.store.custody_models import TreeHead
from harvestwatch.store.documents import find_document
from harvestwatch.store.models import LedgerEntry

__all__ = ["export_bundle", "verify_bundle_file", "BundleResult"]

EXPORT_ACTION = "bundle_export"
CONSISTENCY_HEADS = 100  # consistency proofs from this many earlier signed heads
VERIFIER_MODULES = {"verify_bundle.py": "harvestwatch.custody", "merkle.py": "harvestwatch.core",
                    "treehead.py": "harvestwatch.core", "hashing.py": "harvestwatch.core"}


@dataclass(frozen=True)
class BundleResult:
    path: Path
    documents: list[str]
    entries: int
    tree_size: int
    root_hash: str
    key_id: str
    encrypted: bool
    export_seq: int

    def to_dict(self) -> dict:
        return {"path": str(self.path), "documents": self.documents, "entries": self.entries,
                "tree_size": self.tree_size, "root_hash": self.root_hash, "key_id": self.key_id,
                "encrypted": self.encrypted, "export_seq": self.export_seq}


def export_bundle(store: Store, refs: list[str], out: Path, *, include_restricted: bool = False,
                  role: str = "admin", recipient: str | None = None, tsa_url: str | None = None,
                  actor: str | None = None, via: str = "cli") -> BundleResult:
    """Write ``out``: the documents ``refs`` (ids or sha256), their ledger entries and proofs.

    Restricted documents need ``include_restricted`` and a cleared ``role``. With ``recipient``
    (an age X25519 public key) the zip is encrypted to it. The export is audited (an access-log
    row and a ledger entry, ``services.audit``), and the bundle's signed head covers the entry.
    """
    if not refs:
        raise InputError("bundle", "name at least one document (id or sha256)")
    if include_restricted and role not in CLEARED:
        raise PermissionDenied(f"role {role!r} may not export restricted documents")
    age_recipient = _recipient(recipient) if recipient else None
    out = Path(out)
    actor = actor or store.settings.actor
    with store.session() as session:
        docs = []
        for ref in dict.fromkeys(refs):
            doc = find_document(session, ref, include_restricted=include_restricted)
            docs.append({"sha256": doc.sha256, "id": doc.id, "title": doc.title,
                         "mime": doc.mime, "kind": doc.kind, "restricted": doc.restricted,
                         "source": doc.source.name, "source_sha256": doc.source.blob_sha256})
        export = audit.record(session, actor=actor, action=EXPORT_ACTION, object_type="bundle",
                              object_id=str(out), via=via, payload={
                                  "documents": [d["sha256"] for d in docs],
                                  "include_restricted": include_restricted,
                                  "encrypted_to": recipient})
        session.flush()
        export_seq = export.seq
    head = custody.checkpoint(store, tsa_url=tsa_url)
    members: list[tuple[str, bytes]] = []
    with store.session() as session:
        wanted = {export_seq}
        for d in docs:
            wanted |= {e.seq for e in ledger.entries_for(session, "document", d["sha256"])}
            wanted |= {e.seq for e in ledger.entries_for(session, "source", d["source_sha256"])}
            d["ingest_entry"] = next((e.seq for e in ledger.entries_for(session, "document", d["sha256"])
                                      if e.action == "ingest"), None)
        wanted |= {e.seq for e in ledger.entries_for(session, "signing_key", head.key_id)}
        seqs = sorted(s for s in wanted if s <= head.tree_size)
        entries = [e.to_dict() for e in session.scalars(
            select(LedgerEntry).where(LedgerEntry.seq.in_(seqs)).order_by(LedgerEntry.seq))]
        proofs = {seq: tree.inclusion(session, seq, head.tree_size) for seq in seqs}
        earlier = sorted({r.tree_size for r in session.scalars(
            select(TreeHead).where(TreeHead.tree_size < head.tree_size, TreeHead.tree_size > 0)
            .order_by(TreeHead.id.desc()).limit(CONSISTENCY_HEADS))})
        consistency = {m: tree.consistency(session, m, head.tree_size) for m in earlier}
    for d in docs:
        members.append((f"originals/{d['sha256']}", store.blobs.read(d["sha256"])))
    members.append(("ledger/entries.jsonl", "".join(
        json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries).encode()))
    for seq in seqs:
        members.append((f"proofs/{seq}.json", _json({"seq": seq, "leaf_index": seq - 1,
                                                     "tree_size": head.tree_size,
                                                     "proof": [p.hex() for p in proofs[seq]]})))
    for m, proof in consistency.items():
        members.append((f"proofs/consistency/{m}.json", _json({
            "old_size": m, "tree_size": head.tree_size, "proof": [p.hex() for p in proof]})))
    members.append(("head.json", _json(head.to_dict())))
    members.append(("public_key.pem", custody.signing_key(store).public_pem.encode()))
    if head.timestamp_token:
        import base64

        members.append(("timestamp/token.tsr", base64.b64decode(head.timestamp_token)))
        members.append(("timestamp/signature.bin", head.signature_bytes))
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    members.append(("manifest.json", _json({
        "format": verify_bundle.FORMAT, "created_at": created, "created_by": actor,
        "export_entry": export_seq, "key_id": head.key_id,
        "tree_head": {"tree_size": head.tree_size, "root_hash": head.root_hash},
        "documents": docs})))
    members.append(("README.md", _readme(head, len(docs), created).encode()))
    for name, package in VERIFIER_MODULES.items():
        members.append((f"verifier/{name}", resources.files(package).joinpath(name).read_bytes()))
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    members.append(("SHA256SUMS", sums.encode()))
    try:
        data = write_stored_zip(members)
    except ValueError as exc:
        raise InputError(str(out), str(exc)) from None
    if age_recipient is not None:
        import pyrage

        data = pyrage.encrypt(data, [age_recipient])
    _write_atomic(out, data)
    return BundleResult(out, [d["sha256"] for d in docs], len(entries), head.tree_size,
                        head.root_hash, head.key_id, age_recipient is not None, export_seq)


def verify_bundle_file(path: Path, *, identity: Path | None = None, key: str | None = None,
                       tsa_ca: Path | None = None, against: list[str] = ()) -> BundleReport:
    """Check a bundle file offline (no store is opened); decrypt it first with an age identity.

    ``against``: signed heads published earlier (HEAD.json) that the bundle's head must extend.
    """
    heads: list[tuple[str, SignedHead]] = [(p, custody.read_head_file(p)) for p in against]
    path = Path(path)
    try:
        data = path.read_bytes()
        ca = Path(tsa_ca).read_bytes() if tsa_ca else None
    except OSError as exc:
        raise InputError(str(exc.filename or path), f"cannot read ({exc.strerror})") from None
    if identity is not None:
        import pyrage

        try:
            ident = pyrage.x25519.Identity.from_str(_identity_line(Path(identity)))
            data = pyrage.decrypt(data, [ident])
        except (pyrage.DecryptError, pyrage.IdentityError, ValueError) as exc:
            raise InputError(str(path), f"cannot decrypt with {identity} ({exc})") from None
    return check_bundle(data, name=path.name, expected_key=key, tsa_ca=ca, against=heads)


def _recipient(value: str):
    import pyrage

    try:
        return pyrage.x25519.Recipient.from_str(value.strip())
    except (pyrage.RecipientError, ValueError):
        raise InputError(value, "not an age X25519 public key (age1...)") from None


def _identity_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the age identity ({exc.strerror})") from None
    for line in lines:
        if line.startswith("AGE-SECRET-KEY-"):
            return line.strip()
    raise InputError(str(path), "no AGE-SECRET-KEY- line in the identity file")


def _json(obj: dict) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _readme(head, n_documents: int, created: str) -> str:
    template = resources.files("harvestwatch.custody").joinpath("bundle_readme.md").read_text("utf-8")
    timestamp = (f", and timestamped by {head.tsa_url} (RFC 3161 token in `timestamp/`)."
                 if head.timestamp_token else ".")
    return template.format(created_at=created, n_documents=n_documents, key_id=head.key_id,
                           key_prefix=head.key_id[:16], tree_size=head.tree_size,
                           root_hash=head.root_hash, issued_at=head.issued_at,
                           timestamp_line=timestamp)


def _write_atomic(out: Path, data: bytes) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".bundle-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(str(out), f"cannot write the bundle ({exc.strerror})") from None
