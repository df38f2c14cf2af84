"""Every custody-fact row is vouched for by the ledger: documents, users and roles, reviews, claims."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from harvestwatch.core.errors import PermissionDenied
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import users
from harvestwatch.services.extract import extract_documents
from harvestwatch.store.models import ExtractedItem
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES


def test_deleted_document_row_of_a_plain_file_is_named(any_store):
    report = ingest_paths(any_store, [str(SAMPLES)])
    sha = report.results[0].sha256
    with any_store.session() as s:
        doc_id = s.execute(text("SELECT id FROM documents WHERE sha256 = :s"), {"s": sha}).scalar()
        for table in ("search_text", "search_facets"):  # what a tamperer must remove first
            s.execute(text(f"DELETE FROM {table} WHERE document_id = :d"), {"d": doc_id})
        s.execute(text("DELETE FROM document_tags WHERE document_id = :d"), {"d": doc_id})
        s.execute(text("DELETE FROM documents WHERE id = :d"), {"d": doc_id})
    result = verify_store(any_store)
    assert result.problems == [f"document {sha[:12]}: recorded in the ledger but its row is missing"]


def test_role_changes_are_entries_and_a_changed_row_is_named(any_store):
    users.add_user(any_store, "ada", "viewer", "correct horse", actor="admin")
    users.set_role(any_store, "ada", "reviewer", actor="admin")
    with pytest.raises(PermissionDenied):
        users.set_role(any_store, "ada", "admin", actor="ada", actor_role="reviewer")
    assert verify_store(any_store).ok
    with any_store.session() as s:
        s.execute(text("UPDATE users SET role = 'admin' WHERE name = 'ada'"))
    assert verify_store(any_store).problems == [
        "user 'ada': role is 'admin' but the ledger recorded 'reviewer' (a role change outside "
        "the workbench)"]


def test_planted_user_and_swapped_password_are_named(sqlite_store):
    users.add_user(sqlite_store, "ada", "viewer", "correct horse", actor="admin")
    users.add_user(sqlite_store, "bob", "viewer", "battery staple", actor="admin")
    with sqlite_store.session() as s:
        s.execute(text("INSERT INTO users (name, role, password_hash, created_at) SELECT "
                       "'mallory', 'admin', password_hash, created_at FROM users WHERE name = 'ada'"))
        s.execute(text("UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE "
                       "name = 'ada') WHERE name = 'bob'"))
        s.execute(text("DELETE FROM users WHERE name = 'ada'"))
    problems = verify_store(sqlite_store).problems
    assert "user 'mallory': row is not vouched for by any ledger entry" in problems
    assert "user 'bob': password hash differs from what ledger recorded" in problems
    assert "user 'ada': recorded in the ledger but its row is missing" in problems


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A store with the samples ingested and extracted (spaCy loads once for the module)."""
    from harvestwatch.core.config import Settings
    from harvestwatch.store import open_store

    store = open_store(Settings(store_dir=tmp_path_factory.mktemp("x") / "store", actor="tester"))
    ingest_paths(store, [str(SAMPLES)])
    extract_documents(store)
    yield store
    store.close()


def _copy(extracted, tmp_path):
    """A private copy of the extracted store to tamper with."""
    import shutil

    from harvestwatch.core.config import Settings
    from harvestwatch.store import open_store

    shutil.copytree(extracted.settings.store_dir, tmp_path / "store")
    return open_store(Settings(store_dir=tmp_path / "store", actor="tester"))


def test_extracted_items_are_vouched_and_an_edited_claim_is_named(extracted, tmp_path):
    assert verify_store(extracted).ok
    store = _copy(extracted, tmp_path)
    with store.session() as s:
        item = s.scalar(select(ExtractedItem).where(ExtractedItem.item_type == "quantity").limit(1))
        s.execute(text("UPDATE extracted_items SET text = 'none at all' WHERE id = :i"), {"i": item.id})
        doc_id, family = item.document_id, item.extractor.split("/")[0]
    problems = verify_store(store).problems
    assert len(problems) == 1
    assert problems[0].startswith(f"document {doc_id}: extracted items of '{family}' differ from "
                                  "what ledger entry")
    store.close()


def test_review_decisions_are_vouched(extracted, tmp_path):
    store = _copy(extracted, tmp_path)
    with store.session() as s:
        ids = list(s.scalars(select(ExtractedItem.id).where(ExtractedItem.item_type == "quantity")
                             .limit(2)))
    users.review_item(store, ids[0], "confirm", user="rita", role="reviewer")
    users.review_item(store, ids[1], "reject", user="rita", role="reviewer", note="misread")
    assert verify_store(store).ok
    with store.session() as s:
        s.execute(text("UPDATE review_decisions SET decision = 'reject' WHERE item_id = :i"), {"i": ids[0]})
        s.execute(text("DELETE FROM review_decisions WHERE item_id = :i"), {"i": ids[1]})
    problems = verify_store(store).problems
    assert any(p.startswith(f"review decision 1 (item {ids[0]}): row 'review_decisions' differs")
               for p in problems)
    assert any(f"(item {ids[1]}): recorded in the ledger but its row is missing" in p for p in problems)
    store.close()


def test_interrupted_extraction_is_incomplete_not_intact(extracted, tmp_path):
    store = _copy(extracted, tmp_path)

    def crash(doc_id):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        extract_documents(store, on_document=crash)
    result = verify_store(store)
    assert not result.ok and not result.problems  # nothing differs, but the run did not finish
    assert len(result.incomplete) == 1
    assert "is incomplete: 1 of 3 documents done" in result.incomplete[0]
    extract_documents(store)  # finishing the work settles it
    assert verify_store(store).ok
    store.close()


def test_cli_role_change_is_a_ledger_entry_by_its_actor(tmp_path):
    import json

    from typer.testing import CliRunner

    from harvestwatch.cli import app

    runner = CliRunner()
    base = ["--store", str(tmp_path / "s"), "--actor", "boss"]
    assert runner.invoke(app, [*base, "user", "add", "ada", "--role", "viewer", "--password",
                               "correct horse"]).exit_code == 0
    out = runner.invoke(app, [*base, "user", "role", "ada", "investigator"])
    assert out.exit_code == 0 and "viewer -> investigator" in out.output
    entry = json.loads(runner.invoke(app, [*base, "ledger", "show", "--json", "--limit", "1"]).output)[0]
    assert (entry["action"], entry["actor"], entry["payload"]["role"]) == ("user_role", "boss", "investigator")
    assert runner.invoke(app, [*base, "verify"]).exit_code == 0
