"""RFC 6962 Merkle tree: the Certificate Transparency test vectors and the RFC's own definitions.

``vectors/`` holds transparency-dev/merkle's testdata (Apache-2.0): leaf inputs with the
root of every prefix, and every inclusion and consistency probe (valid and mutated).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from harvestwatch.core import merkle

VECTORS = Path(__file__).with_name("vectors")
TREE = json.loads((VECTORS / "tree.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(x)) for x in TREE["leaf_inputs"]]


def _b64(values):
    return [base64.b64decode(v) for v in values or []]


def _probes(kind):
    return json.loads((VECTORS / f"{kind}_probes.json").read_text())["probes"]


def _mth(leaves):
    """MTH exactly as RFC 6962 §2.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split_point(len(leaves))
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m, leaves):
    if len(leaves) == 1:
        return []
    k = merkle.split_point(len(leaves))
    if m < k:
        return _path(m, leaves[:k]) + [_mth(leaves[k:])]
    return _path(m - k, leaves[k:]) + [_mth(leaves[:k])]


def _subproof(m, leaves, whole):
    if m == len(leaves):
        return [] if whole else [_mth(leaves)]
    k = merkle.split_point(len(leaves))
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


def test_leaf_hashes_and_every_prefix_root_match_the_vectors():
    assert [x.hex() for x in LEAVES] == TREE["leaf_hashes"]
    for size, want in enumerate(TREE["root_hashes"]):
        assert merkle.root_of(LEAVES[:size]).hex() == want


def test_leaves_and_nodes_are_separated_and_odd_trees_are_not_padded():
    a, b, c = (merkle.leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert merkle.root_of([a, b, c]) != merkle.root_of([a, b, c, c])
    # A node can never pass for a leaf: an inner hash is not the leaf hash of its children.
    assert merkle.node_hash(a, b) != merkle.leaf_hash(a + b)
    # A proof for a leaf beyond the tree does not verify.
    proof = merkle.inclusion_proof(2, 3, merkle.memory_range_hash([a, b, c]))
    assert not merkle.verify_inclusion(3, 3, c, proof, merkle.root_of([a, b, c]))
    assert not merkle.verify_inclusion(3, 4, c, proof, merkle.root_of([a, b, c]))


@pytest.mark.parametrize("probe", _probes("inclusion"), ids=lambda p: p["file"].split("inclusion/")[1])
def test_inclusion_probes(probe):
    ok = merkle.verify_inclusion(probe["leafIdx"], probe["treeSize"], base64.b64decode(probe["leafHash"]),
                                 _b64(probe["proof"]), base64.b64decode(probe["root"]))
    assert ok is not probe["wantErr"]
    if not probe["wantErr"] and probe["treeSize"] <= len(LEAVES) and probe["root"]:
        if base64.b64decode(probe["root"]) == merkle.root_of(LEAVES[:probe["treeSize"]]):
            made = merkle.inclusion_proof(probe["leafIdx"], probe["treeSize"],
                                          merkle.memory_range_hash(LEAVES))
            assert made == _b64(probe["proof"])


@pytest.mark.parametrize("probe", _probes("consistency"), ids=lambda p: p["file"].split("consistency/")[1])
def test_consistency_probes(probe):
    ok = merkle.verify_consistency(probe["size1"], probe["size2"], base64.b64decode(probe["root1"]),
                                   base64.b64decode(probe["root2"]), _b64(probe["proof"]))
    assert ok is not probe["wantErr"]
    if not probe["wantErr"] and probe["size2"] <= len(LEAVES):
        made = merkle.consistency_proof(probe["size1"], probe["size2"], merkle.memory_range_hash(LEAVES))
        assert made == _b64(probe["proof"])


def test_vectors_cover_generation():
    made = [p for p in _probes("inclusion") + _probes("consistency") if not p["wantErr"] and p["proof"]]
    assert len(made) >= 8


def test_every_proof_up_to_40_leaves_matches_the_rfc_definitions():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(40)]
    rh = merkle.memory_range_hash(leaves)
    for n in range(1, 41):
        root = _mth(leaves[:n])
        assert merkle.root_of(leaves[:n]) == root
        for m in range(n):
            proof = merkle.inclusion_proof(m, n, rh)
            assert proof == _path(m, leaves[:n])
            assert merkle.verify_inclusion(m, n, leaves[m], proof, root)
            assert not merkle.verify_inclusion(m, n, leaves[(m + 1) % 40], proof, root)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, n, rh)
            assert proof == (_subproof(m, leaves[:n], True) if m < n else [])
            old = _mth(leaves[:m])
            assert merkle.verify_consistency(m, n, old, root, proof)
            if m < n:
                assert not merkle.verify_consistency(m, n, _mth(leaves[1:m + 1]), root, proof)


def test_frontier_reports_every_completed_subtree():
    seen = {}
    frontier = merkle.Frontier(on_node=lambda level, index, h: seen.__setitem__((level, index), h))
    frontier.extend(LEAVES)
    assert seen[(3, 0)].hex() == TREE["root_hashes"][8]
    assert seen[(1, 3)] == merkle.node_hash(LEAVES[6], LEAVES[7])
    resumed = merkle.Frontier(5, merkle.Frontier(0).nodes or _frontier_nodes(LEAVES[:5]))
    resumed.extend(LEAVES[5:])
    assert resumed.root() == frontier.root()
    with pytest.raises(ValueError):
        merkle.Frontier(5, [LEAVES[0]])


def _frontier_nodes(leaves):
    f = merkle.Frontier()
    f.extend(leaves)
    return f.nodes
