"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs (pure, stdlib only).

Leaves hash as SHA-256(0x00 ‖ entry), inner nodes as SHA-256(0x01 ‖ left ‖ right); a tree of
``n`` leaves splits at the largest power of two below ``n``. Proof generation asks a
``RangeHash`` for the root of a run of leaves, so a stored tree can answer it from cached
subtree nodes in O(log n) look-ups; verification needs nothing but the proof.

This module imports only the standard library: evidence bundles ship a copy of it beside
their verifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

RangeHash = Callable[[int, int], bytes]  # (start, end) -> root of leaves[start:end]


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The roots of the perfect subtrees that make up a tree so far (its compact range).

    Appending a leaf costs amortised two hashes; ``root()`` folds the frontier right to
    left. ``on_node(level, index, hash)`` hears of every perfect subtree completed.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = (),
                 on_node: Callable[[int, int, bytes], None] | None = None):
        if len(nodes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier nodes, "
                             f"not {len(nodes)}")
        self.size = size
        self.nodes = list(nodes)  # largest subtree first
        self.on_node = on_node

    def append(self, leaf: bytes) -> None:
        node, index, level = leaf, self.size, 0
        while index & 1:  # merge while the new subtree completes a bigger one
            node = node_hash(self.nodes.pop(), node)
            index >>= 1
            level += 1
            if self.on_node:
                self.on_node(level, index, node)
        self.nodes.append(node)
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            root = node_hash(node, root)
        return root


def root_of(leaves: Iterable[bytes]) -> bytes:
    """Merkle tree hash over leaf hashes."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def memory_range_hash(leaves: Sequence[bytes]) -> RangeHash:
    """A ``RangeHash`` over leaf hashes held in memory (O(end - start) per call)."""
    return lambda start, end: root_of(leaves[start:end])


def inclusion_proof(index: int, size: int, range_hash: RangeHash) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]): the audit path of leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(range_hash(start + k, end))
            end = start + k
        else:
            path.append(range_hash(start, start + k))
            start += k
    path.reverse()  # the deepest sibling first
    return path


def consistency_proof(old_size: int, new_size: int, range_hash: RangeHash) -> list[bytes]:
    """RFC 9162 PROOF(old_size, D[0:new_size]); empty when the sizes are equal or old is 0."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} leaves to {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(range_hash(start + k, end))
            end = start + k
        else:
            proof.append(range_hash(start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(range_hash(start, end))
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` (RFC 9162 §2.1.3.2).

    Raises ValueError when the proof cannot belong to a tree of ``size`` leaves.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the proof is shorter than the tree is deep")
    return r


def _hashes(*values: bytes) -> bool:
    """Whether every value is a SHA-256 digest (32 bytes)."""
    return all(isinstance(v, bytes) and len(v) == 32 for v in values)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    if not _hashes(leaf, root, *proof):
        return False
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ValueError:
        return False


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows the tree of ``new_size`` extends the one of ``old_size`` (RFC 9162 §2.1.4.2)."""
    if old_size <= 0 or new_size < old_size:
        return False  # an empty tree proves nothing; callers treat size 0 as trivially extended
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof or not _hashes(old_root, new_root, *proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
