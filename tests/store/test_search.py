"""Search: English and Chinese, 1–2 character queries, traditional ↔ simplified, filters."""

from __future__ import annotations

import pytest

from harvestwatch.core.errors import NotFound
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services.store import search_documents, show_document
from tests.conftest import SAMPLES

ZH_TRAD = "醫院宣稱腎臟移植等待時間只有兩週，法輪功學員被強制抽血。"
ZH_SIMP = "官方否认强摘器官的指控，称所有器官捐献者都是自愿的。"


@pytest.fixture
def populated(any_store, tmp_path):
    ingest_paths(any_store, [str(SAMPLES)], kind="news", tags=["sample"])
    (tmp_path / "tw.txt").write_bytes(ZH_TRAD.encode("big5"))
    (tmp_path / "cn.txt").write_text(ZH_SIMP, encoding="gb18030")
    ingest_paths(any_store, [str(tmp_path / "tw.txt")], kind="testimony", tags=["zh"])
    ingest_paths(any_store, [str(tmp_path / "cn.txt")], kind="official_statement", tags=["zh"])
    secret = tmp_path / "witness.txt"
    secret.write_text("Witness X saw kidneys removed from a living prisoner in Sujiatun.")
    ingest_paths(any_store, [str(secret)], kind="testimony", restricted=True)
    return any_store


def test_english_phrase_with_highlight(populated):
    hits, total = search_documents(populated, '"Bloody Harvest"')
    assert total == 1
    assert "[[Bloody Harvest]]" in hits[0].snippet
    start, end = hits[0].highlights[0]
    text = show_document(populated, hits[0].document_id)["text"]
    assert text[start:end] == "Bloody Harvest"


def test_chinese_one_and_two_character_queries(populated):
    assert search_documents(populated, "肾")[1] == 1  # simplified query, traditional document
    assert search_documents(populated, "腎")[1] == 1
    assert search_documents(populated, "器官")[1] == 1
    hits, _ = search_documents(populated, "两周")
    assert hits and "[[兩週]]" in hits[0].snippet  # highlighted in the original script


def test_traditional_query_finds_simplified_text(populated):
    hits, total = search_documents(populated, "否認強摘")
    assert total == 1 and hits[0].kind == "official_statement"


def test_filters(populated):
    assert search_documents(populated, "organ", kind="news")[1] == 3
    assert search_documents(populated, "organ", kind="testimony")[1] == 0
    assert search_documents(populated, "器官", language="zh", tag="zh")[1] == 1
    assert search_documents(populated, "器官", language="en")[1] == 0


def test_restricted_documents_hidden_unless_cleared(populated):
    assert search_documents(populated, "Sujiatun")[1] == 0
    hits, total = search_documents(populated, "Sujiatun", include_restricted=True)
    assert total == 1 and "[[Sujiatun]]" in hits[0].snippet
    with pytest.raises(NotFound):
        show_document(populated, hits[0].document_id)
    doc = show_document(populated, hits[0].document_id, include_restricted=True, actor="auditor")
    assert "living prisoner" in doc["text"]


def test_restricted_blob_and_text_encrypted_at_rest(populated):
    from sqlalchemy import select

    from harvestwatch.store.models import Document

    with populated.session() as s:  # the row holds it sealed; the loaded object, opened
        doc = s.scalar(select(Document).where(Document.restricted.is_(True)))
        assert "Sujiatun" in doc.text
        stored = s.execute(select(Document.__table__.c.text)
                           .where(Document.id == doc.id)).scalar()
        assert stored.startswith("enc:v2:") and "Sujiatun" not in stored
        sha = doc.sha256
    raw = populated.blobs.path(sha, encrypted=True).read_bytes()
    assert b"Sujiatun" not in raw
    assert b"Sujiatun" in populated.blobs.read(sha)
