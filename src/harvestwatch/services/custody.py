"""Custody use cases: the store's signing key, signed tree heads, inclusion and consistency proofs."""

from __future__ import annotations

from dataclasses import dataclass, field

from harvestwatch.core import merkle
from harvestwatch.core.errors import InputError, NotFound
from harvestwatch.core.treehead import SignedHead
from harvestwatch.store import Store, ledger, signing, tree
from harvestwatch.store.models import LedgerEntry

__all__ = ["signing_key", "public_key", "checkpoint", "latest_head", "prove_entry",
           "consistency", "ConsistencyReport", "read_head_file", "list_heads"]

KEY_ACTION = "key_create"


def signing_key(store: Store, *, actor: str | None = None) -> signing.SigningKey:
    """The store's Ed25519 key, made on first use; making it is a ledger entry with its public key.

    The key is staged beside the real file, its ledger entry committed, and only then renamed
    into place: a crash at any point leaves either no key (made again next time) or a key the
    ledger records.
    """
    store_dir = store.settings.store_dir
    key = signing.load_key(store_dir)
    if key is not None:
        return key
    with signing.creation_lock(store_dir):
        key = signing.load_key(store_dir)  # another process may have made it meanwhile
        if key is not None:
            return key
        staged = signing.load_staged(store_dir)
        with store.session() as session:
            if staged is None or not ledger.entries_for(session, "signing_key", staged.key_id):
                staged = signing.stage_key(store_dir)
                ledger.append(session, actor=actor or store.settings.actor, action=KEY_ACTION,
                              object_type="signing_key", object_id=staged.key_id,
                              payload={"algorithm": "Ed25519", "public_key": staged.public_b64})
        return signing.install_staged(store_dir)


def public_key(store: Store) -> dict:
    """The store's public key: id (SHA-256 fingerprint), raw base64 and PEM."""
    key = signing_key(store)
    return {"key_id": key.key_id, "algorithm": "Ed25519", "public_key": key.public_b64,
            "pem": key.public_pem}


def checkpoint(store: Store, *, tsa_url: str | None = None) -> SignedHead:
    """Sign a tree head over the whole ledger now (RFC 3161-timestamped when ``tsa_url`` is given)."""
    key = signing_key(store)
    with store.session() as session:
        return tree.signed(tree.checkpoint(session, key, tsa_url=tsa_url))


def list_heads(store: Store, *, limit: int = 20) -> list[dict]:
    """The latest signed tree heads, newest first."""
    from sqlalchemy import select

    from harvestwatch.store.custody_models import TreeHead

    with store.session() as session:
        rows = session.scalars(select(TreeHead).order_by(TreeHead.id.desc()).limit(limit))
        return [{"id": r.id} | tree.signed(r).to_dict() for r in rows]


def latest_head(store: Store) -> SignedHead | None:
    with store.session() as session:
        row = tree.latest_head(session)
        return tree.signed(row) if row else None


def prove_entry(store: Store, seq: int, *, tree_size: int | None = None) -> dict:
    """An inclusion proof of ledger entry ``seq`` in a signed head.

    Against the head of ``tree_size`` when given, else the latest head; a new head is signed
    when none covers the entry yet.
    """
    with store.session() as session:
        size = tree.ledger_size(session)
    if not 1 <= seq <= size:
        raise NotFound(f"no ledger entry {seq}: entries are numbered 1..{size}")
    with store.session() as session:
        row = tree.head_for(session, tree_size) if tree_size else tree.latest_head(session)
        if tree_size and row is None:
            raise NotFound(f"no signed tree head of size {tree_size}; see 'ledger heads'")
        if tree_size and seq > tree_size:
            raise NotFound(f"ledger entry {seq} is not in the tree of size {tree_size}")
    if row is None or row.tree_size < seq:
        head = checkpoint(store)
    else:
        head = tree.signed(row)
    with store.session() as session:
        entry = session.get(LedgerEntry, seq)
        proof = tree.inclusion(session, seq, head.tree_size)
        leaf = ledger.leaf(entry.entry_hash)
        return {"seq": seq, "leaf_index": seq - 1, "tree_size": head.tree_size,
                "entry": entry.to_dict(), "leaf_hash": leaf.hex(),
                "proof": [p.hex() for p in proof], "head": head.to_dict(),
                "valid": merkle.verify_inclusion(seq - 1, head.tree_size, leaf, proof,
                                                 bytes.fromhex(head.root_hash))}


@dataclass
class ConsistencyReport:
    old: SignedHead
    new: SignedHead
    proof: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "old": {"tree_size": self.old.tree_size, "root_hash": self.old.root_hash},
                "new": {"tree_size": self.new.tree_size, "root_hash": self.new.root_hash},
                "proof": self.proof, "problems": self.problems, "notes": self.notes,
                "new_head": self.new.to_dict()}


def consistency(store: Store, old: SignedHead, new: SignedHead | None = None,
                *, old_name: str = "OLD", new_name: str = "NEW") -> ConsistencyReport:
    """Whether the ledger only grew from ``old`` to ``new`` (a head signed now when None).

    The proof is computed from the ledger's entries, then checked against both signed roots:
    a cut tail, a rewritten entry or a fork each come out as a named problem.
    """
    key = signing_key(store)
    signed_now = new is None
    if new is None:
        new = checkpoint(store)
        new_name = "the head signed now"
    report = ConsistencyReport(old, new)
    for name, head in ((old_name, old), (new_name, new)):
        if problem := head.signature_problem():
            report.problems.append(f"{name}: {problem}")
        elif head.key_id and head.key_id != key.key_id:
            report.notes.append(f"{name} is signed by key {head.key_id[:16]}, not this store's "
                                f"key {key.key_id[:16]}")
    if old.tree_size > new.tree_size:
        report.problems.append(f"{old_name} covers {old.tree_size} ledger entries but {new_name} "
                               f"only {new.tree_size}: the log was cut (or the heads are swapped)")
        return report
    if not signed_now and old.tree_size == new.tree_size and old.root_hash != new.root_hash:
        report.problems.append(f"fork: {old_name} and {new_name} sign the same {old.tree_size} "
                               f"entries with different roots")
        return report
    with store.session() as session:
        size = tree.ledger_size(session)
        if new.tree_size > size:
            report.problems.append(f"{new_name} covers {new.tree_size} entries but the ledger ends "
                                   f"at entry {size}: it was cut")
            return report
        leaves = list(tree.iter_leaves(session, 0, new.tree_size))
    rh = merkle.memory_range_hash(leaves)
    for name, head in ((old_name, old), (new_name, new)):
        if merkle.root_of(leaves[:head.tree_size]).hex() != head.root_hash:
            report.problems.append(
                f"ledger entries 1..{head.tree_size} no longer hash to the root {name} signed "
                f"({head.root_hash[:16]}): entries were rewritten since, or {name} is from a fork")
    proof = merkle.consistency_proof(old.tree_size, new.tree_size, rh)
    report.proof = [p.hex() for p in proof]
    if old.tree_size and not merkle.verify_consistency(
            old.tree_size, new.tree_size, bytes.fromhex(old.root_hash),
            bytes.fromhex(new.root_hash), proof) and not report.problems:
        report.problems.append(f"the consistency proof from {old.tree_size} to {new.tree_size} "
                               "entries does not verify")
    return report


def read_head_file(path: str) -> SignedHead:
    """A signed tree head from a JSON file (InputError naming the file if it is not one)."""
    from harvestwatch.core.treehead import read_head

    try:
        return read_head(path)
    except ValueError as exc:
        raise InputError(path, str(exc).removeprefix(f"{path}: ")) from None
