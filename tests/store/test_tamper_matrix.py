"""Tamper matrix: (blob byte, ledger row, payload, deleted tail, rewritten middle, fork)
× (verify, verify --against, bundle verify --against): every case detected and named.

OLD.json is a signed head published before the tampering. For the bundle column the
attacker also drops the store's own heads (else the export itself refuses), then exports a
bundle of the first document and hands it over with the store's signature.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from harvestwatch.custody.verify_bundle import check_bundle
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import custody
from harvestwatch.services.bundle import export_bundle
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES
from tests.store.test_custody import _rechain


def _sql(store, *statements):
    with store.session() as s:
        for statement in statements:
            s.execute(text(statement))


def blob_byte(store, doc):
    path = store.blobs.path(doc)
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))


def ledger_row(store, doc):
    _sql(store, f"UPDATE ledger SET actor = 'mallory' WHERE object_id = '{doc}' AND action = 'ingest'")


def payload(store, doc):
    _sql(store, "UPDATE ledger SET payload = replace(payload, '\"text_sha256\"', '\"text_sha256x\"') "
                f"WHERE object_id = '{doc}' AND action = 'ingest'")


def deleted_tail(store, doc):
    _sql(store, "DELETE FROM ledger WHERE seq > 5")


def rewritten_middle(store, doc):
    _sql(store, "UPDATE ledger SET actor = 'mallory' WHERE seq = 3")
    _rechain(store)


def fork(store, doc):
    """The history rewritten and signed again for the same size, beside the old heads."""
    _sql(store, "UPDATE ledger SET actor = 'mallory' WHERE seq = 7")
    _rechain(store)
    _sql(store, "DELETE FROM merkle_nodes")
    from harvestwatch.store import tree
    from harvestwatch.store.custody_models import TreeHead

    key = custody.signing_key(store)
    with store.session() as s:  # a head over the rewritten entries, not extended from the old
        frontier = tree._frontier_to(s, 0)
        frontier.extend(tree.leaves(s, 0, 7))
        root = frontier.root().hex()
        from harvestwatch.core.treehead import head_message

        s.add(TreeHead(tree_size=7, root_hash=root, issued_at="2026-12-03T00:00:00Z",
                       key_id=key.key_id, public_key=key.public_b64,
                       signature=key.sign(head_message(7, root, "2026-12-03T00:00:00Z")),
                       frontier=[n.hex() for n in frontier.nodes]))


KINDS = {
    blob_byte: "has changed",
    ledger_row: "fields do not match",
    payload: "payload does not match",
    deleted_tail: "the ledger ends at entry 5",
    rewritten_middle: "no longer hash to its signed root",
    fork: "fork:",
}
BUNDLE = {
    blob_byte: "the original was changed",
    ledger_row: "its fields do not match its entry hash",
    payload: "its payload does not match its payload hash",
    deleted_tail: "OLD.json covers 7 entries but the bundle's head only 6",
    rewritten_middle: "the bundle does not prove its log extends OLD.json",
    fork: "the bundle does not prove its log extends OLD.json",  # the fork grew on past 7
}


@pytest.fixture
def tampered(request, sqlite_store):
    custody.signing_key(sqlite_store)
    docs = [r.sha256 for r in ingest_paths(sqlite_store, [str(SAMPLES)]).results]
    published = custody.checkpoint(sqlite_store)  # 7 entries
    request.param(sqlite_store, docs[0])
    return request.param, sqlite_store, docs[0], published


@pytest.mark.parametrize("tampered", list(KINDS), indirect=True, ids=lambda f: f.__name__)
def test_verify(tampered):
    kind, store, _, _ = tampered
    problems = verify_store(store).problems
    assert any(KINDS[kind] in p for p in problems), problems


@pytest.mark.parametrize("tampered", list(KINDS), indirect=True, ids=lambda f: f.__name__)
def test_verify_against(tampered):
    kind, store, _, published = tampered
    _sql(store, "DELETE FROM tree_heads", "DELETE FROM merkle_nodes")  # only OLD.json is left
    problems = verify_store(store, against=[("OLD.json", published)]).problems
    named = {blob_byte: "has changed", ledger_row: "fields do not match",
             payload: "payload does not match", deleted_tail: "OLD.json covers ledger entries 1..7",
             rewritten_middle: "OLD.json: ledger entries 1..7 no longer hash",
             fork: "OLD.json: ledger entries 1..7 no longer hash"}[kind]
    assert any(named in p for p in problems), problems


@pytest.mark.parametrize("tampered", list(KINDS), indirect=True, ids=lambda f: f.__name__)
def test_bundle_verify(tampered, tmp_path):
    kind, store, doc, published = tampered
    _sql(store, "DELETE FROM tree_heads", "DELETE FROM merkle_nodes")
    out = tmp_path / "case.zip"
    export_bundle(store, [doc], out)
    report = check_bundle(out.read_bytes(), against=[("OLD.json", published)])
    assert any(BUNDLE[kind] in p for p in report.problems), report.problems
