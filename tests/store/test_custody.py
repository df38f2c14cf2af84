"""Signed tree heads, RFC 3161 timestamps from a local TSA, proofs, consistency and verify --against."""

from __future__ import annotations

import base64
import json
import stat

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from harvestwatch.cli import app
from harvestwatch.core import merkle
from harvestwatch.core.errors import FetchError, NotFound
from harvestwatch.core.treehead import SignedHead, parse_head
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import custody
from harvestwatch.store import ledger
from harvestwatch.store.models import LedgerEntry
from harvestwatch.store.timestamp import describe, verify_token
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES
from tests.store.conftest import make_ca


def _ingest(store, path=SAMPLES):
    custody.signing_key(store)  # 'svc.open' makes it on init
    return ingest_paths(store, [str(path)], kind="news")


def _add_entries(store, n, start=0):
    with store.session() as s:
        for i in range(start, start + n):
            ledger.append(s, actor="t", action="note", object_type="note", object_id=i, payload={"i": i})


def _rechain(store):
    """What an attacker with the database does after editing entries: recompute every hash."""
    with store.session() as s:
        prev = ledger.GENESIS
        for e in s.query(LedgerEntry).order_by(LedgerEntry.seq):
            from harvestwatch.core.hashing import sha256_json

            e.payload_hash = sha256_json(e.payload)
            e.prev_hash = prev
            e.entry_hash = ledger.entry_hash(e.seq, e.at, e.actor, e.action, e.object_type,
                                             e.object_id, e.payload_hash, prev)
            prev = e.entry_hash


def test_key_is_made_once_kept_out_of_blobs_and_recorded(sqlite_store):
    key = custody.signing_key(sqlite_store)
    assert custody.signing_key(sqlite_store).key_id == key.key_id
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    assert sqlite_store.settings.blob_dir not in key.path.parents
    entries = ledger.entries_for(sqlite_store.session().__enter__(), "signing_key", key.key_id)
    assert len(entries) == 1 and entries[0].payload["public_key"] == key.public_b64
    pub = custody.public_key(sqlite_store)
    assert pub["key_id"] == key.key_id and "BEGIN PUBLIC KEY" in pub["pem"]


def test_key_creation_interrupted_at_either_step_leaves_a_store_that_verifies(sqlite_store):
    from harvestwatch.store import signing

    store_dir = sqlite_store.settings.store_dir
    # Killed after the key was staged but before its ledger entry committed: a new key is made.
    lost = signing.stage_key(store_dir)
    key = custody.signing_key(sqlite_store)
    assert key.key_id != lost.key_id
    assert verify_store(sqlite_store).ok
    # Killed after the ledger entry committed but before the rename: the recorded key is installed.
    key.path.unlink()
    staged = signing.stage_key(store_dir)
    with sqlite_store.session() as s:
        ledger.append(s, actor="t", action=custody.KEY_ACTION, object_type="signing_key",
                      object_id=staged.key_id, payload={"public_key": staged.public_b64})
    assert custody.signing_key(sqlite_store).key_id == staged.key_id
    assert not signing.staged_path(store_dir).exists()


def test_signed_head_verifies_and_names_a_bad_signature(sqlite_store):
    _ingest(sqlite_store)
    head = custody.checkpoint(sqlite_store)
    assert head.tree_size == 7 and head.signature_problem() is None
    assert parse_head(json.loads(json.dumps(head.to_dict()))) == head
    forged = SignedHead(**{**head.__dict__, "tree_size": head.tree_size - 1})
    assert "does not verify" in forged.signature_problem()
    assert verify_store(sqlite_store).ok


def test_timestamp_round_trip_with_a_local_tsa(sqlite_store, local_tsa, tmp_path):
    _ingest(sqlite_store)
    head = custody.checkpoint(sqlite_store, tsa_url=local_tsa.url)
    signature = base64.b64decode(head.signature)
    assert describe(head.timestamp_token, signature).imprint_ok
    assert verify_token(head.timestamp_token, signature, local_tsa.ca_pem) is None
    assert "does not verify" in verify_token(head.timestamp_token, signature + b"x", local_tsa.ca_pem)
    make_ca(tmp_path / "other", "Other")  # a token does not chain to someone else's CA
    other = (tmp_path / "other" / "ca.crt").read_bytes()
    assert "does not verify" in verify_token(head.timestamp_token, signature, other)
    assert verify_store(sqlite_store).ok
    with sqlite_store.session() as s:  # a token moved onto another head is named
        s.execute(text("INSERT INTO tree_heads (tree_size, root_hash, issued_at, key_id, "
                       "public_key, signature, frontier, tsa_url, tsa_token) SELECT tree_size, "
                       "root_hash, issued_at, key_id, public_key, signature, frontier, tsa_url, "
                       ":tok FROM tree_heads"), {"tok": base64.b64encode(b"junk").decode()})
    assert any("timestamp token cannot be read" in p for p in verify_store(sqlite_store).problems)


def test_unreachable_tsa_is_one_clear_error(sqlite_store):
    _ingest(sqlite_store)
    with pytest.raises(FetchError, match="timestamp authority unreachable"):
        custody.checkpoint(sqlite_store, tsa_url="http://127.0.0.1:9/tsa")
    assert custody.latest_head(sqlite_store) is None  # nothing half-signed is kept


def test_proofs_carry_index_and_size_and_cover_new_entries(sqlite_store):
    _ingest(sqlite_store)
    custody.checkpoint(sqlite_store)
    _add_entries(sqlite_store, 90)
    with pytest.raises(NotFound, match="numbered 1..97"):
        custody.prove_entry(sqlite_store, 0)
    with pytest.raises(NotFound):
        custody.prove_entry(sqlite_store, -1)
    with pytest.raises(NotFound):
        custody.prove_entry(sqlite_store, 98)
    old = custody.prove_entry(sqlite_store, 3, tree_size=7)
    assert old["valid"] and old["tree_size"] == 7
    new = custody.prove_entry(sqlite_store, 97)  # newer than every head: one is signed now
    assert new["valid"] and (new["leaf_index"], new["tree_size"]) == (96, 97)
    assert len(new["proof"]) <= 7
    proof = [bytes.fromhex(p) for p in new["proof"]]
    root = bytes.fromhex(new["head"]["root_hash"])
    leaf = merkle.leaf_hash(bytes.fromhex(new["entry"]["entry_hash"]))
    assert merkle.verify_inclusion(96, 97, leaf, proof, root)
    assert not merkle.verify_inclusion(95, 97, leaf, proof, root)
    for seq in (1, 33, 64, 65, 96):  # cached nodes and entries give the RFC proof
        got = custody.prove_entry(sqlite_store, seq)
        assert got["valid"], seq


def test_honest_growth_is_consistent_and_verifies_against_old_heads(any_store, tmp_path):
    _ingest(any_store)
    old = custody.checkpoint(any_store)
    _add_entries(any_store, 40)
    mid = custody.checkpoint(any_store)
    _add_entries(any_store, 5, start=40)
    report = custody.consistency(any_store, old)
    assert report.ok, report.problems
    assert report.new.tree_size == old.tree_size + 45
    assert merkle.verify_consistency(old.tree_size, report.new.tree_size,
                                     bytes.fromhex(old.root_hash), bytes.fromhex(report.new.root_hash),
                                     [bytes.fromhex(p) for p in report.proof])
    assert custody.consistency(any_store, old, mid).ok
    result = verify_store(any_store, against=[("OLD.json", old), ("MID.json", mid)])
    assert result.ok, result.problems


def test_cut_tail_with_its_heads_is_caught_only_against_a_published_head(any_store):
    _ingest(any_store)
    _add_entries(any_store, 3)
    published = custody.checkpoint(any_store)
    with any_store.session() as s:  # cut the tail and every head that covered it
        s.execute(text("DELETE FROM ledger WHERE seq > 7"))
        s.execute(text("DELETE FROM tree_heads"))
        s.execute(text("DELETE FROM merkle_nodes"))
    assert verify_store(any_store).ok  # the chain alone cannot tell
    result = verify_store(any_store, against=[("OLD.json", published)])
    assert result.problems == [f"OLD.json covers ledger entries 1..{published.tree_size} but the "
                               "ledger ends at entry 7: its tail was cut"]
    report = custody.consistency(any_store, published, old_name="OLD.json")
    assert not report.ok and "the log was cut" in report.problems[0]


def test_rewritten_middle_is_caught_against_a_published_head(sqlite_store):
    _ingest(sqlite_store)
    published = custody.checkpoint(sqlite_store)
    with sqlite_store.session() as s:
        s.execute(text("UPDATE ledger SET actor = 'mallory' WHERE seq = 4"))
        s.execute(text("DELETE FROM tree_heads"))
    _rechain(sqlite_store)
    assert verify_store(sqlite_store).ok
    result = verify_store(sqlite_store, against=[("OLD.json", published)])
    assert len(result.problems) == 1
    assert "OLD.json: ledger entries 1..7 no longer hash to its signed root" in result.problems[0]
    report = custody.consistency(sqlite_store, published, old_name="OLD.json")
    assert any("no longer hash to the root OLD.json signed" in p for p in report.problems)


def test_fork_two_heads_for_one_size_is_named(sqlite_store):
    _ingest(sqlite_store)
    published = custody.checkpoint(sqlite_store)
    with sqlite_store.session() as s:
        s.execute(text("UPDATE ledger SET actor = 'mallory' WHERE seq = 7"))
        s.execute(text("DELETE FROM tree_heads"))
        s.execute(text("DELETE FROM merkle_nodes"))
    _rechain(sqlite_store)
    forked = custody.checkpoint(sqlite_store)  # the store's key signs the rewritten history
    assert forked.tree_size == published.tree_size and forked.root_hash != published.root_hash
    result = verify_store(sqlite_store, against=[("OLD.json", published)])
    assert any(p.startswith("fork: tree head") and "OLD.json sign the same 7 entries" in p
               for p in result.problems)
    report = custody.consistency(sqlite_store, published, forked, old_name="OLD.json",
                                 new_name="NEW.json")
    assert report.problems == ["fork: OLD.json and NEW.json sign the same 7 entries with "
                               "different roots"]


def test_head_from_another_key_is_named(sqlite_store, tmp_path):
    from harvestwatch.core.config import Settings
    from harvestwatch.store import open_store

    _ingest(sqlite_store)
    other = open_store(Settings(store_dir=tmp_path / "other", actor="x"))
    _ingest(other)
    foreign = custody.checkpoint(other)
    other.close()
    result = verify_store(sqlite_store, against=[("THEIRS.json", foreign)])
    assert any("THEIRS.json: signed by key" in p and "does not vouch for" in p for p in result.problems)


def test_cli_checkpoint_consistency_and_verify_against(tmp_path, local_tsa):
    runner = CliRunner()
    base = ["--store", str(tmp_path / "s")]
    assert runner.invoke(app, [*base, "ingest", str(SAMPLES), "--no-extract"]).exit_code == 0
    head_file = tmp_path / "HEAD.json"
    out = runner.invoke(app, [*base, "ledger", "checkpoint", "--tsa", local_tsa.url, "--out",
                              str(head_file)])
    assert out.exit_code == 0, out.output
    saved = json.loads(head_file.read_text())
    assert saved["timestamp_token"] and saved["tree_size"] == 7  # key entry + 6 ingest entries
    key = runner.invoke(app, [*base, "ledger", "key", "--json"])
    assert json.loads(key.output)["key_id"] == saved["key_id"]
    assert runner.invoke(app, [*base, "ingest", str(tmp_path / "HEAD.json"), "--no-extract"]).exit_code == 0
    out = runner.invoke(app, [*base, "ledger", "consistency", str(head_file)])
    assert out.exit_code == 0 and "consistent" in out.output
    out = runner.invoke(app, [*base, "verify", "--against", str(head_file)])
    assert out.exit_code == 0 and "intact" in out.output
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    out = runner.invoke(app, [*base, "verify", "--against", str(bad)])
    assert out.exit_code != 0 and "not a harvestwatch-tree-head/1 document" in str(out.exception)


def test_stored_tree_proofs_equal_the_rfc_proofs_over_the_entries(sqlite_store):
    from harvestwatch.store import tree

    custody.signing_key(sqlite_store)
    for n in (39, 60, 50):  # heads at 40, 100 and 150 entries: cached nodes up to level 6
        _add_entries(sqlite_store, n)
        custody.checkpoint(sqlite_store)
    with sqlite_store.session() as s:
        leaves = tree.leaves(s, 0, 150)
        rh = merkle.memory_range_hash(leaves)
        assert s.execute(text("SELECT count(*) FROM merkle_nodes")).scalar() > 0
        for size in (40, 100, 150):
            for seq in range(1, size + 1, 7):
                assert tree.inclusion(s, seq, size) == merkle.inclusion_proof(seq - 1, size, rh)
            for old in range(1, size, 9):
                assert tree.consistency(s, old, size) == merkle.consistency_proof(old, size, rh)
