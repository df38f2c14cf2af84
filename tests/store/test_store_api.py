"""The store's Python API other layers build on: sessions, blobs, keys, items, ledger."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from sqlalchemy import func, select

from harvestwatch.core.config import Settings
from harvestwatch.core.evidence import Span
from harvestwatch.core.hashing import sha256_bytes, sha256_json
from harvestwatch.core.items import Item, Mention
from harvestwatch.core.quantity import Interval, Quantity
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store import ledger, open_store
from harvestwatch.store.items import replace_items
from harvestwatch.store.models import Document, ExtractedItem, LedgerEntry
from harvestwatch.store.verify import verify_store


def test_session_rolls_back_everything_on_error(any_store):
    with pytest.raises(RuntimeError), any_store.session() as s:
        ledger.append(s, actor="a", action="note", object_type="t", object_id=1, payload={})
        raise RuntimeError("boom")
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0
        entry = ledger.append(s, actor="a", action="note", object_type="t", object_id=1,
                              payload={"k": "v"})
    assert entry.seq == 1 and entry.prev_hash == ledger.GENESIS
    assert entry.payload_hash == sha256_json({"k": "v"})


def test_appends_after_a_rolled_back_savepoint_chain_onto_the_entry_before(any_store):
    with any_store.session() as s:
        first = ledger.append(s, actor="a", action="note", object_type="t", object_id=1, payload={})
        with pytest.raises(RuntimeError), s.begin_nested():
            ledger.append(s, actor="a", action="note", object_type="t", object_id=2, payload={})
            raise RuntimeError("boom")
        last = ledger.append(s, actor="a", action="note", object_type="t", object_id=3, payload={})
    assert (first.seq, last.seq) == (1, 2) and last.prev_hash == first.entry_hash
    with any_store.session() as s:
        assert not ledger.check_chain(s)
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 2


def test_reopening_is_idempotent(tmp_path):
    settings = Settings(store_dir=tmp_path / "s")
    open_store(settings).close()
    store = open_store(settings)  # migrations already at head: nothing to do, no error
    with store.session() as s:
        ledger.append(s, actor="a", action="note", object_type="t", object_id=1, payload={})
    store.close()


def test_blob_put_is_idempotent_and_leaves_no_temp_files(sqlite_store):
    data = "血液检测 blood test".encode()
    sha, created = sqlite_store.blobs.put(data)
    assert (sha, created) == (sha256_bytes(data), True)
    assert sqlite_store.blobs.put(data) == (sha, False)
    path = sqlite_store.blobs.path(sha)
    assert path.read_bytes() == data and path.parent.parent.name == sha[:2]
    assert not list(sqlite_store.blobs.root.rglob(".tmp-*"))
    assert sqlite_store.blobs.check(sha) is None
    path.write_bytes(data + b"!")
    assert "has changed" in sqlite_store.blobs.check(sha)
    path.unlink()
    assert "missing" in sqlite_store.blobs.check(sha)


def test_encrypted_blob_key_file_is_private_and_tamper_evident(sqlite_store):
    sha, _ = sqlite_store.blobs.put(b"witness statement", encrypt=True)
    ring = sqlite_store.cipher.keyring_path  # the data key, wrapped by the passphrase
    assert stat.S_IMODE(ring.stat().st_mode) == 0o600
    assert not (ring.parent / "master.key").exists()
    enc = sqlite_store.blobs.path(sha, encrypted=True)
    assert b"witness" not in enc.read_bytes()
    assert sqlite_store.blobs.read(sha) == b"witness statement"
    raw = bytearray(enc.read_bytes())
    raw[-1] ^= 0x01
    enc.write_bytes(bytes(raw))
    assert "cannot be decrypted" in sqlite_store.blobs.check(sha)


def test_key_from_environment_and_wrong_key_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("HARVESTWATCH_KEY", base64.b64encode(os.urandom(32)).decode())
    (tmp_path / "w.txt").write_text("A restricted witness account of blood tests in detention.")
    store = open_store(Settings(store_dir=tmp_path / "s"))
    report = ingest_paths(store, [str(tmp_path / "w.txt")], restricted=True)
    assert report.by_status("stored")
    assert not store.cipher.keyring_path.exists()  # the environment key was used, none written
    assert verify_store(store).ok
    store.close()
    monkeypatch.setenv("HARVESTWATCH_KEY", base64.b64encode(os.urandom(32)).decode())
    store = open_store(Settings(store_dir=tmp_path / "s"))
    result = verify_store(store)
    store.close()
    assert not result.ok
    assert any("cannot be decrypted" in p for p in result.problems)


def _doc_id(store, tmp_path):
    f = tmp_path / "d.txt"
    f.write_text("Dr. Wang said 60 kidneys were transplanted at the hospital in 2006.")
    return ingest_paths(store, [str(f)]).document_ids[0]


def test_replace_items_is_idempotent_per_extractor(any_store, tmp_path):
    doc_id = _doc_id(any_store, tmp_path)
    sixty = Quantity(Interval.exact(60), "organs", "transplants", 60)
    items = [Item(Span(0, 8), "Dr. Wang", Mention("person", "Wang")),
             Item(Span(14, 24), "60 kidneys", sixty),
             Item(Span(0, 8), "Dr. Wang", Mention("person", "Dr. Wang"))]
    with any_store.session() as s:
        assert replace_items(s, doc_id, "rules/1", items) == 2  # the duplicate span is dropped
        replace_items(s, doc_id, "other/1", items[:1])
    with any_store.session() as s:
        assert replace_items(s, doc_id, "rules/1", items[1:2]) == 1  # a re-run replaces
    with any_store.session() as s:
        rows = list(s.scalars(select(ExtractedItem).order_by(ExtractedItem.extractor)))
        sha = s.get(Document, doc_id).sha256
    assert [(r.extractor, r.item_type, r.text) for r in rows] == [
        ("other/1", "entity", "Dr. Wang"), ("rules/1", "quantity", "60 kidneys")]
    assert all(r.document_sha256 == sha for r in rows)
    assert rows[1].canonical is None
    assert Quantity.from_dict(rows[1].data) == sixty  # the reading survives the row
    with pytest.raises(LookupError), any_store.session() as s:
        replace_items(s, 999, "rules/1", items)
