"""Restricted means encrypted, all of it: a unique word of a restricted dossier appears in no
file of the store (database, WAL, blobs, keys, anything) after ingest, extraction, a review,
a search and a cleared view — in any form the search index would hold."""

from __future__ import annotations

import io
import sqlite3
import unicodedata
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from harvestwatch.core.config import Settings
from harvestwatch.core.errors import ConfigError
from harvestwatch.core.folding import fold_for_search
from harvestwatch.report.brief import build_cached
from harvestwatch.services import extract as extract_svc
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.services import report as report_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.services.report import ReportOptions
from harvestwatch.store import keys
from harvestwatch.store.models import ExtractedItem, LedgerEntry
from harvestwatch.store.verify import verify_store
from harvestwatch.web.app import create_app
from tests.web.conftest import login

WORD = "Qwerbanix"  # unique Latin word: in the file names, title, text, items and the note
HANZI = "鬱瀾嶼"  # unique traditional Chinese name; the search index would fold it to 郁澜屿
TEXT = (f"{WORD} testimony\n\nDr. {WORD} Wu, a surgeon at {HANZI}醫院 in Beijing, told us that "
        f"120 kidneys were taken from {WORD} prisoners in 2006. \"I saw prisoners killed for "
        f"their organs at {WORD},\" he said. The Ministry of Health denied it.\n")


def forms(word: str) -> set[bytes]:
    """Every spelling of ``word`` a store could hold: raw, cased, folded, in UTF-8 and UTF-16."""
    spelled = {word, word.lower(), word.upper(), word.casefold(), fold_for_search(word),
               unicodedata.normalize("NFKC", word), word.encode("unicode_escape").decode()}
    return {s.encode(enc) for s in spelled for enc in ("utf-8", "utf-16-le", "utf-16-be")}


def leaks(root: Path) -> dict[str, int]:
    """Occurrences of any form of the unique words, per file under ``root``."""
    found: dict[str, int] = {}
    needles = forms(WORD) | forms(HANZI)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        n = sum(data.count(needle) for needle in needles)
        if n:
            found[str(path.relative_to(root))] = n
    return found


def _dossier(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{WORD}_witness.txt").write_text(TEXT, encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{WORD}_annex/{HANZI}.txt", f"Annex: {WORD} and {HANZI} again.\n")
    (folder / f"{WORD}_annex.zip").write_bytes(buf.getvalue())
    return folder


def test_a_restricted_dossier_leaves_no_trace_in_any_store_file(tmp_path):
    settings = Settings(store_dir=tmp_path / "store", actor="setup")
    store = store_svc.open(settings)
    store_svc.ingest(store, [str(_dossier(tmp_path))], kind="testimony", restricted=True)
    users_svc.add_user(store, "ada", "admin", "correct horse battery")
    with store.session() as s:  # loaded items are opened: the word is in some of them
        item = next(i for i in s.scalars(select(ExtractedItem).order_by(ExtractedItem.id))
                    if WORD in i.text)
        doc_id = item.document_id
    users_svc.review_item(store, item.id, "confirm", user="ada", role="admin",
                          note=f"checked {WORD} against the {HANZI} roster")
    hits, total = store_svc.search_documents(store, WORD.lower(), include_restricted=True)
    assert total >= 1 and f"[[{WORD}]]" in hits[0].snippet
    assert store_svc.search_documents(store, "郁澜屿", include_restricted=True)[1] >= 1
    assert store_svc.search_documents(store, WORD)[1] == 0  # not without clearance
    names = [(e["label"], e["name"]) for e in extract_svc.list_entities(store, include_restricted=True)]
    label, name = next((lb, n) for lb, n in names if WORD in (n or ""))
    assert not any((n or "").startswith("enc:") for _, n in names)  # opened, never sealed text
    assert all(WORD not in (e["name"] or "") for e in extract_svc.list_entities(store))
    mentions = store_svc.entity_mentions(store, label, name, include_restricted=True)
    assert mentions and all(WORD in m["context"] for m in mentions)
    assert not store_svc.entity_mentions(store, label, name)
    assert store_svc.search_documents(store, "kidneys", entity=name, include_restricted=True)[1]
    shown = store_svc.show_document(store, doc_id, include_restricted=True, actor="ada")
    assert WORD in shown["text"] and WORD in (shown["title"] or "") + shown["source"]
    client = TestClient(create_app(settings))
    assert login(client, "ada", "correct horse battery").status_code == 303
    assert WORD in client.get(f"/documents/{doc_id}").text  # a cleared user reads it
    assert WORD in client.get("/search", params={"q": WORD.lower()}).text  # and finds it
    key, brief = build_cached(store, ReportOptions(include_restricted=True,  # links rebuilt too
                                                   sections=("sources", "claims")), actor="ada")
    assert WORD in brief.read_text(encoding="utf-8")  # a cleared brief, kept outside the store
    assert not brief.is_relative_to(settings.store_dir)
    assert report_svc.cached_path(store, key, "html") == brief
    store_svc.checkpoint(store)
    report = verify_store(store)
    assert report.ok, report.to_dict()
    assert leaks(settings.store_dir) == {}  # with the WAL and SHM still there
    with store.session() as s:  # the ledger vouches with hashes, not names or notes
        payloads = [e.payload for e in s.scalars(select(LedgerEntry))]
    assert any("name_sha256" in p for p in payloads) and any("note_sha256" in p for p in payloads)
    store.close()
    con = sqlite3.connect(settings.store_dir / "harvestwatch.sqlite3")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("VACUUM")
    con.close()
    assert leaks(settings.store_dir) == {}
    assert leaks(tmp_path / "in")  # the test can see the word where it is (in the inputs)


def test_a_public_store_needs_no_key_and_a_locked_one_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    keys.forget_all()
    folder = _dossier(tmp_path)
    store = store_svc.open(Settings(store_dir=tmp_path / "store"))
    store_svc.ingest(store, [str(folder / f"{WORD}_witness.txt")], extract=False)
    assert verify_store(store).ok
    assert not (tmp_path / "store" / "keys" / keys.KEYRING).exists()
    with pytest.raises(ConfigError, match="HARVESTWATCH_KEY_PASSPHRASE"):
        store_svc.ingest(store, [str(folder / f"{WORD}_annex.zip")], restricted=True)
    store.close()


def test_restricted_content_while_locked_is_a_one_line_error(tmp_path, monkeypatch):
    settings = Settings(store_dir=tmp_path / "store")
    store = store_svc.open(settings)
    report = store_svc.ingest(store, [str(_dossier(tmp_path) / f"{WORD}_witness.txt")],
                              restricted=True, extract=False)
    doc_id = report.document_ids[0]
    store.close()
    keys.forget_all()
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    locked = store_svc.open(settings)
    with pytest.raises(ConfigError, match="locked: set HARVESTWATCH_KEY_PASSPHRASE"):
        store_svc.show_document(locked, doc_id, include_restricted=True)
    result = verify_store(locked)
    assert not result.ok and not result.problems
    assert any("store key is locked" in line for line in result.incomplete)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not the passphrase")
    with pytest.raises(ConfigError, match="does not unlock"):
        store_svc.show_document(store_svc.open(settings), doc_id, include_restricted=True)


def test_a_restricted_input_that_fails_is_reported_but_not_recorded(tmp_path):
    store = store_svc.open(Settings(store_dir=tmp_path / "store"))
    bad = tmp_path / f"{WORD}_broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf " + WORD.encode())
    report = store_svc.ingest(store, [str(bad)], restricted=True, extract=False)
    assert report.by_status("failed")
    assert ingest_svc.failures(store) == []  # its name would be in clear
    store.close()
    assert leaks(tmp_path / "store") == {}
