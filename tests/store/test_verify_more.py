"""Verify also vouches for source rows and for ledger entries covered by signed tree heads."""

from __future__ import annotations

from sqlalchemy import text

from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import custody
from harvestwatch.services.store import export_jsonl
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES


def _ingest(store):
    report = ingest_paths(store, [str(SAMPLES)], kind="news")
    assert len(report.by_status("stored")) == 3
    return report


def test_edited_source_row_is_named(any_store):
    _ingest(any_store)
    with any_store.session() as s:
        s.execute(text("UPDATE sources SET kind = 'official_statement' WHERE id = 2"))
    result = verify_store(any_store)
    assert not result.ok
    assert len(result.problems) == 1
    assert result.problems[0].startswith("source 2 (")
    assert "row 'sources.kind' differs from what ledger recorded" in result.problems[0]


def test_source_row_without_ledger_entry_is_named(sqlite_store):
    _ingest(sqlite_store)
    with sqlite_store.session() as s:
        s.execute(text("INSERT INTO sources (blob_sha256, name, size, kind, restricted, actor, "
                       "ingested_at) VALUES (:sha, 'planted.txt', 1, 'news', 0, 'mallory', "
                       "'2026-01-01 00:00:00')"), {"sha": "ab" * 32})
    result = verify_store(sqlite_store)
    assert any("abababababab" in p and "not vouched for" in p for p in result.problems)


def test_truncated_ledger_tail_is_caught_by_signed_head(any_store, tmp_path):
    custody.signing_key(any_store)  # made on init by 'svc.open'
    _ingest(any_store)
    with (tmp_path / "out.jsonl").open("w") as fh:
        export_jsonl(any_store, fh, destination="out.jsonl")  # the export itself is an entry
    head = custody.checkpoint(any_store)
    size = head.tree_size
    assert verify_store(any_store).ok
    with any_store.session() as s:
        s.execute(text("DELETE FROM ledger WHERE seq = :n"), {"n": size})
    result = verify_store(any_store)
    # The hash chain alone is still intact; only the signed head reveals the cut.
    assert len(result.problems) == 1
    assert f"covers ledger entries 1..{size} but the ledger ends at entry {size - 1}" in result.problems[0]


def test_rewritten_entry_breaks_signed_head_and_proof(sqlite_store):
    _ingest(sqlite_store)
    head = custody.checkpoint(sqlite_store)
    assert custody.prove_entry(sqlite_store, 3)["valid"]
    with sqlite_store.session() as s:
        s.execute(text("UPDATE ledger SET actor = 'mallory' WHERE seq = 3"))
    result = verify_store(sqlite_store)
    assert any("entry 3: fields do not match" in p for p in result.problems)
    # An attacker who also recomputes the entry hashes still cannot match the signed head.
    from harvestwatch.store import ledger
    from harvestwatch.store.models import LedgerEntry

    with sqlite_store.session() as s:
        prev = ledger.GENESIS
        for e in s.query(LedgerEntry).order_by(LedgerEntry.seq):
            e.prev_hash = prev
            e.entry_hash = ledger.entry_hash(e.seq, e.at, e.actor, e.action, e.object_type,
                                             e.object_id, e.payload_hash, prev)
            prev = e.entry_hash
    result = verify_store(sqlite_store)
    assert not any("fields do not match" in p for p in result.problems)
    assert any(f"signed root {head.root_hash[:16]}" in p for p in result.problems)
    assert not custody.prove_entry(sqlite_store, 3)["valid"]
