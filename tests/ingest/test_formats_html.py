"""HTML pages: declared and undeclared charsets, metadata, and text from broken markup."""

from __future__ import annotations

import pytest

from harvestwatch.core.errors import EmptyInput
from harvestwatch.ingest.formats import detect_format, parse_bytes
from harvestwatch.ingest.formats.html import declared_charset

ZH_PAGE = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
           "<title>医院介绍</title></head><body><nav>首页 | 联系我们</nav><article>"
           "<p>我院肝脏移植平均等待时间为一周，费用合理，欢迎国际患者咨询。</p>"
           "<p>本院去年完成肾脏移植三百余例。</p></article></body></html>")
TW_PAGE = ("<html><head><title>醫院介紹</title></head><body><article>"
           "<p>本院肝臟移植平均等待時間為一週，費用合理，歡迎諮詢。</p></article></body></html>")


def test_gb2312_page_with_meta_charset():
    doc, = parse_bytes(ZH_PAGE.encode("gbk"), source="hospital.html")
    assert "等待时间为一周" in doc.text and "三百余例" in doc.text
    assert doc.title == "医院介绍" and doc.language == "zh"
    assert doc.metadata["encoding"] == "gb18030"


def test_big5_page_without_any_declaration():
    doc, = parse_bytes(TW_PAGE.encode("big5"), source="tw.html")
    assert "等待時間為一週" in doc.text and doc.metadata["encoding"] == "big5"


def test_http_charset_beats_meta_and_stale_declarations_lose_to_utf8():
    page = ("<html><head><meta charset='utf-8'><title>Rapport</title></head><body><p>"
            "Le médecin a déclaré que l'hôpital était complet depuis des mois.</p></body></html>")
    doc, = parse_bytes(page.encode("latin-1"), source="fr.html",
                       content_type="text/html; charset=ISO-8859-1")
    assert "médecin a déclaré" in doc.text and doc.metadata["encoding"] == "cp1252"
    stale = ZH_PAGE.encode("utf-8")  # says gb2312, is UTF-8
    doc, = parse_bytes(stale, source="stale.html")
    assert "等待时间为一周" in doc.text and doc.metadata["encoding"] == "utf-8"


def test_declared_charset_sources():
    assert declared_charset(b"<meta charset=\"big5\">", None) == "big5"
    assert declared_charset(b"<meta charset='big5'>", "text/html; charset=utf-8") == "utf-8"
    assert declared_charset(b"<p>none</p>", "text/html") is None


def _notes_page() -> bytes:
    return (b"<?xml version='1.0' encoding='utf-8'?><html><head><title>Notes</title>"
            b"<style>p{}</style></head><body><p>Unclosed <b>organ broker <i>notes</p>"
            b"<div>kidney&nbsp;7 days<ul><li>Tianjin</li><li>Shanghai</li></ul></div>")


def test_broken_markup_through_trafilatura():
    doc, = parse_bytes(_notes_page(), source="notes.html")
    assert doc.metadata["extractor"] == "trafilatura" and doc.title == "Notes"
    assert doc.text.startswith("Unclosed organ broker notes\nkidney")
    assert "Shanghai" in doc.text and "p{}" not in doc.text


def test_lxml_fallback_keeps_block_structure_and_title(monkeypatch):
    import trafilatura

    def choke(*args, **kwargs):
        raise ValueError("simulated trafilatura failure on hopeless markup")

    monkeypatch.setattr(trafilatura, "bare_extraction", choke)
    doc, = parse_bytes(_notes_page(), source="notes.html")
    assert doc.metadata["extractor"] == "lxml" and doc.title == "Notes"
    assert doc.text.splitlines() == ["Unclosed organ broker notes", "kidney 7 days",
                                     "Tianjin", "Shanghai"]


def test_page_without_text_is_empty_input():
    page = b"<html><head><script>var a = 1;</script></head><body><script>x()</script></body></html>"
    with pytest.raises(EmptyInput, match="blank.html: HTML page has no readable text"):
        parse_bytes(page, source="blank.html")


def test_comments_are_left_out():
    page = (b"<html><body><article><p>The hospital advertised kidney transplants within a week "
            b"for foreign patients paying in cash, according to the archived page.</p></article>"
            b"<section id='comments' class='comments'><div class='comment'><p>Great post, "
            b"visit my shop!</p></div></section></body></html>")
    doc, = parse_bytes(page, source="article.html")
    assert "within a week" in doc.text and "visit my shop" not in doc.text


@pytest.mark.parametrize("head, expected", [
    (b"  <!DOCTYPE html><title>x</title>", "html"),
    (b"<HTML><BODY>x", "html"),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", "html"),
    (b"plain words", "text"),
])
def test_html_sniffing(head, expected):
    assert detect_format(head, "upload.bin") == expected
