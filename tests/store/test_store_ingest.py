"""Ingesting into the store: originals once by sha256, near-duplicates linked, custody recorded."""

from __future__ import annotations

from sqlalchemy import select

from harvestwatch.core.hashing import sha256_file
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store import ledger
from harvestwatch.store.models import Document, LedgerEntry, Source
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES


def test_seed_articles_stored_once_by_sha256(any_store):
    report = ingest_paths(any_store, [str(SAMPLES)], kind="news", tags=["sample"])
    assert len(report.by_status("stored")) == 3 and not report.by_status("failed")
    for path in sorted(SAMPLES.iterdir()):
        sha = sha256_file(path)
        assert any_store.blobs.read(sha) == path.read_bytes()
    again = ingest_paths(any_store, [str(SAMPLES)])
    assert len(again.by_status("present")) == 3
    with any_store.session() as s:
        assert s.query(Source).count() == 3
        assert s.query(Document).count() == 3
        docs = list(s.scalars(select(Document)))
        assert all(d.language == "en" and d.kind == "news" and d.tag_names == ["sample"] for d in docs)
        assert ledger.check_chain(s) == []
    assert verify_store(any_store).ok


def test_near_duplicate_is_linked_not_merged(any_store, tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.md"
    a.write_text("The hospital advertised a waiting time of two weeks for a kidney.\n")
    b.write_text("\ufeffThe hospital advertised a waiting time of two weeks for a kidney.\r\n",
                 encoding="utf-8")
    report = ingest_paths(any_store, [str(a), str(b)])
    assert len(report.by_status("stored")) == 2
    with any_store.session() as s:
        first, second = s.scalars(select(Document).order_by(Document.id))
        assert first.sha256 != second.sha256
        assert first.text_sha256 == second.text_sha256
        assert second.near_duplicate_of == first.id


def test_ledger_records_actor_action_and_hash_chain(sqlite_store, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("Testimony of a former detainee about blood tests in custody.")
    ingest_paths(sqlite_store, [str(f)], actor="alice")
    with sqlite_store.session() as s:
        entries = list(s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)))
    assert [e.action for e in entries] == ["ingest", "ingest"]
    assert {e.actor for e in entries} == {"alice"}
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[0].prev_hash == ledger.GENESIS


def test_ledger_root_is_rfc6962_over_entry_hashes():
    from harvestwatch.core import merkle

    hashes = [ledger.sha256_json({"i": i}) for i in range(7)]
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes]
    assert ledger.merkle_root(hashes) == merkle.root_of(leaves).hex()
    assert ledger.merkle_root(hashes) != ledger.merkle_root([*hashes, hashes[-1]])
