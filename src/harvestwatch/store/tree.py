"""The ledger as a stored RFC 6962 tree: signed heads, cached subtree nodes, proofs in O(log n).

Each signed head keeps its frontier, so the next head hashes only the entries appended
since. Heads cache every perfect subtree of at least ``2**CACHE_LEVEL`` leaves they complete
(about n/16 rows); a proof then reads O(log n) nodes plus at most two runs of
``2**CACHE_LEVEL`` entries. Cached nodes only speed proofs up: a proof is checked against a
signed root, and ``verify`` recomputes every root from the entries themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from harvestwatch.core import merkle
from harvestwatch.core.errors import CustodyBroken
from harvestwatch.core.treehead import SignedHead, head_message
from harvestwatch.store import ledger
from harvestwatch.store.custody_models import MerkleNode, TreeHead
from harvestwatch.store.models import LedgerEntry
from harvestwatch.store.signing import SigningKey

CACHE_LEVEL = 5
CHUNK = 50_000


def ledger_size(session: Session) -> int:
    return session.scalar(select(func.max(LedgerEntry.seq))) or 0


def leaves(session: Session, start: int, end: int) -> list[bytes]:
    """Leaf hashes of entries ``start+1 .. end`` (leaf indexes ``start .. end-1``)."""
    hashes = list(session.scalars(select(LedgerEntry.entry_hash).where(
        LedgerEntry.seq > start, LedgerEntry.seq <= end).order_by(LedgerEntry.seq)))
    if len(hashes) != end - start:
        raise CustodyBroken([f"ledger entries {start + 1}..{end} are not all present; run verify"])
    return [ledger.leaf(h) for h in hashes]


def iter_leaves(session: Session, start: int, end: int) -> Iterator[bytes]:
    for lo in range(start, end, CHUNK):
        yield from leaves(session, lo, min(end, lo + CHUNK))


class StoredTree:
    """Range hashes over the ledger, from cached nodes where they exist.

    ``prefetch`` reads every node and leaf a set of ranges needs in two queries, so a proof
    costs a couple of round trips instead of one per node.
    """

    def __init__(self, session: Session):
        self.session = session
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.leaf_hashes: dict[int, bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        if (level, index) in self.nodes:
            return self.nodes[(level, index)]
        if level >= CACHE_LEVEL:
            cached = self.session.get(MerkleNode, (level, index))
            if cached is not None:
                return bytes.fromhex(cached.hash)
            return merkle.node_hash(self.node(level - 1, 2 * index), self.node(level - 1, 2 * index + 1))
        start, end = index << level, (index + 1) << level
        if all(i in self.leaf_hashes for i in range(start, end)):
            return merkle.root_of(self.leaf_hashes[i] for i in range(start, end))
        return merkle.root_of(leaves(self.session, start, end))

    def range_hash(self, start: int, end: int) -> bytes:
        """Root of leaves [start, end): its perfect subtrees, folded right to left."""
        parts = [self.node(level, index) for level, index in _perfect_parts(start, end)]
        if not parts:
            return merkle.EMPTY_ROOT
        root = parts[-1]
        for node in reversed(parts[:-1]):
            root = merkle.node_hash(node, root)
        return root

    def prefetch(self, ranges: list[tuple[int, int]]) -> None:
        ids = [p for start, end in ranges for p in _perfect_parts(start, end)]
        cached = {p for p in ids if p[0] >= CACHE_LEVEL}
        if cached:
            # OR of (level, idx) pairs: SQLite answers each from the primary key, whereas a
            # row-value IN scans the table.
            for row in self.session.scalars(select(MerkleNode).where(or_(*(
                    and_(MerkleNode.level == level, MerkleNode.idx == index)
                    for level, index in sorted(cached))))):
                self.nodes[(row.level, row.idx)] = bytes.fromhex(row.hash)
        spans: dict[int, tuple[int, int]] = {}  # per block of 2**CACHE_LEVEL leaves
        for level, index in ids:
            if level < CACHE_LEVEL:
                start, end = index << level, (index + 1) << level
                lo, hi = spans.get(start >> CACHE_LEVEL, (start, end))
                spans[start >> CACHE_LEVEL] = (min(lo, start), max(hi, end))
        for lo, hi in spans.values():  # at most two blocks: the leaf's and the right edge's
            self.leaf_hashes.update(zip(range(lo, hi), leaves(self.session, lo, hi), strict=True))


def _perfect_parts(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) that make up leaves [start, end), left to right."""
    parts = []
    at = start
    while at < end:
        level = (end - at).bit_length() - 1
        if at:
            level = min(level, (at & -at).bit_length() - 1)
        parts.append((level, at >> level))
        at += 1 << level
    return parts


def _ranges(make_proof) -> list[tuple[int, int]]:
    """The leaf ranges a proof will ask about (the proof's shape depends on sizes only)."""
    asked: list[tuple[int, int]] = []
    make_proof(lambda start, end: asked.append((start, end)) or b"")
    return asked


def latest_head(session: Session) -> TreeHead | None:
    return session.scalar(select(TreeHead).order_by(TreeHead.tree_size.desc(), TreeHead.id.desc()).limit(1))


def head_for(session: Session, tree_size: int) -> TreeHead | None:
    return session.scalar(select(TreeHead).where(TreeHead.tree_size == tree_size)
                          .order_by(TreeHead.id.desc()).limit(1))


def signed(row: TreeHead) -> SignedHead:
    return SignedHead(tree_size=row.tree_size, root_hash=row.root_hash, issued_at=row.issued_at,
                      public_key=row.public_key, signature=row.signature, key_id=row.key_id,
                      timestamp_token=row.tsa_token, tsa_url=row.tsa_url)


def _frontier_to(session: Session, size: int) -> merkle.Frontier:
    """The frontier at ``size``, extended from the largest head at or below it; new nodes cached."""
    base = session.scalar(select(TreeHead).where(TreeHead.tree_size <= size)
                          .order_by(TreeHead.tree_size.desc(), TreeHead.id.desc()).limit(1))
    frontier = merkle.Frontier()
    if base is not None and len(base.frontier) == base.tree_size.bit_count():
        frontier = merkle.Frontier(base.tree_size, [bytes.fromhex(h) for h in base.frontier])
    new: list[dict] = []
    frontier.on_node = lambda level, index, h: new.append(
        {"level": level, "idx": index, "hash": h.hex()}) if level >= CACHE_LEVEL else None
    for lo in range(frontier.size, size, CHUNK):
        frontier.extend(leaves(session, lo, min(size, lo + CHUNK)))
        _cache(session, new)
        new.clear()
    frontier.on_node = None
    return frontier


def _cache(session: Session, nodes: list[dict]) -> None:
    if not nodes:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(MerkleNode).on_conflict_do_nothing(), nodes)


def checkpoint(session: Session, key: SigningKey, *, tsa_url: str | None = None) -> TreeHead:
    """Sign a head over every entry now in the ledger (timestamped by ``tsa_url`` if given)."""
    from harvestwatch.store.timestamp import request_timestamp

    ledger.lock_head(session)
    size = ledger_size(session)
    top = latest_head(session)
    if top is not None and top.tree_size > size:
        raise CustodyBroken([f"tree head {top.id} signed {top.tree_size} ledger entries but the "
                             f"ledger ends at entry {size}: it was cut; run verify"])
    frontier = _frontier_to(session, size)
    root = frontier.root().hex()
    issued = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    signature = key.sign(head_message(size, root, issued))
    token = None
    if tsa_url:
        import base64

        token = request_timestamp(tsa_url, base64.b64decode(signature))
    row = TreeHead(tree_size=size, root_hash=root, issued_at=issued, key_id=key.key_id,
                   public_key=key.public_b64, signature=signature,
                   frontier=[n.hex() for n in frontier.nodes], tsa_url=tsa_url, tsa_token=token)
    session.add(row)
    session.flush()
    return row


def inclusion(session: Session, seq: int, tree_size: int) -> list[bytes]:
    """The inclusion proof of entry ``seq`` in the tree of ``tree_size`` entries."""
    stored = StoredTree(session)
    stored.prefetch(_ranges(lambda rh: merkle.inclusion_proof(seq - 1, tree_size, rh)))
    return merkle.inclusion_proof(seq - 1, tree_size, stored.range_hash)


def consistency(session: Session, old_size: int, tree_size: int) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` entries to that of ``tree_size``."""
    stored = StoredTree(session)
    stored.prefetch(_ranges(lambda rh: merkle.consistency_proof(old_size, tree_size, rh)))
    return merkle.consistency_proof(old_size, tree_size, stored.range_hash)


def roots_at(session: Session, sizes: set[int]) -> dict[int, bytes]:
    """The root over the first ``n`` entries for each ``n`` in ``sizes``, from the entries alone."""
    out: dict[int, bytes] = {}
    wanted = sorted(s for s in sizes if s >= 0)
    frontier = merkle.Frontier()
    if 0 in sizes:
        out[0] = frontier.root()
    rows = session.execute(select(LedgerEntry.seq, LedgerEntry.entry_hash).order_by(LedgerEntry.seq)
                           .execution_options(yield_per=CHUNK))
    pending = [s for s in wanted if s > 0]
    for seq, entry_hash in rows:
        if not pending:
            break
        if seq != frontier.size + 1:
            break  # a gap: check_chain names it; no root past it can match
        frontier.append(ledger.leaf(entry_hash))
        while pending and pending[0] == frontier.size:
            out[pending.pop(0)] = frontier.root()
    return out
