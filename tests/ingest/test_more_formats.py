"""RAR, DjVu, Outlook PST and Access files (Aleph's fixtures) read through Debian tools."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harvestwatch.core.errors import CorruptInput, UnsupportedFormat
from harvestwatch.ingest import tools
from harvestwatch.ingest.formats import Nest, parse_payload

FIXTURES = Path(__file__).with_name("fixtures")


def _parse(name: str, **kw):
    return parse_payload((FIXTURES / name).read_bytes(), source=name, ocr="defer", **kw)


@pytest.mark.skipif(not shutil.which("unar"), reason="Debian unar not installed")
def test_rar_members_become_child_documents():
    docs = _parse("test-documents.rar")
    assert docs[0].mime == "application/vnd.rar"
    assert docs[0].text.startswith("RAR archive with 9 file(s):")
    children = {d.member: d for d in docs[1:] if d.parent == 0}
    assert "Indexation du fichier" in children["test-documents/testHTML.html"].text
    assert "sample Open Office document" in children["test-documents/testOpenOffice2.odt"].text
    assert "Squares" in children["test-documents/testEXCEL.xls"].text
    assert all(d.relation == "member" for d in children.values())


@pytest.mark.skipif(not shutil.which("unar"), reason="Debian unar not installed")
def test_rar_shares_the_archive_limits():
    with pytest.raises(Exception, match="nested over 0 deep"):
        _parse("test-documents.rar", nest=Nest(max_depth=0))
    with pytest.raises(Exception, match="over 3 archive members"):
        _parse("test-documents.rar", nest=Nest(max_members=3))
    with pytest.raises(Exception, match="expand beyond 1,000 bytes"):
        _parse("test-documents.rar", nest=Nest(max_expanded=1000))


@pytest.mark.skipif(not shutil.which("unar"), reason="Debian unar not installed")
def test_rar_symlink_is_listed_not_followed_and_a_broken_rar_fails_in_one_line():
    docs = _parse("badrar.rar")  # a RAR holding only a link pointing outside the archive
    assert len(docs) == 1 and docs[0].mime == "application/vnd.rar"
    assert ("secret.txt\t36 bytes\tnot read: symbolic link to "
            "/ingestors/tests/fixtures/secret.txt, not followed") in docs[0].text
    with pytest.raises(CorruptInput, match="cut.rar: damaged RAR archive"):
        parse_payload(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64, source="cut.rar")


@pytest.mark.skipif(not shutil.which("unar"), reason="Debian unar not installed")
def test_truncated_rar_keeps_what_it_can_and_names_the_rest():
    data = (FIXTURES / "test-documents.rar").read_bytes()[:30000]
    docs = parse_payload(data, source="trunc.rar", ocr="defer")
    assert "not read" in docs[0].text and docs[0].metadata["skipped"]
    assert any("Squares" in d.text for d in docs[1:])


@pytest.mark.skipif(not shutil.which("djvutxt"), reason="Debian djvulibre-bin not installed")
def test_djvu_text_layer_with_page_offsets():
    doc, = _parse("Test_rs20846.djvu")
    assert doc.mime == "image/vnd.djvu"
    assert "Executive Orders: Issuance and Revocation" in doc.text
    assert "Congressional Research Service" in doc.text
    assert doc.metadata["page_count"] == len(doc.pages) > 1
    start, end = doc.pages[1]
    assert "Summary" in doc.text[start:end] and doc.text[:doc.pages[0][1]].count("Summary") == 0


@pytest.mark.skipif(not shutil.which("readpst"), reason="Debian pst-utils not installed")
def test_pst_messages_become_child_documents():
    docs = _parse("testPST.pst")
    assert docs[0].mime == "application/vnd.ms-outlook-pst"
    assert docs[0].text.startswith("Outlook PST Mailbox with 6 message(s):")
    messages = [d for d in docs if d.relation == "message"]
    assert len(messages) == 6
    assert any(m.title == "Feature Generators" and "kenigma1122@gmail.com" in m.author
               for m in messages)
    assert any("putfield/putstatic" in m.text for m in messages)


@pytest.mark.skipif(not shutil.which("mdb-export"), reason="Debian mdbtools not installed")
def test_access_tables_as_text():
    doc, = _parse("Books_be.mdb")
    assert doc.mime == "application/x-msaccess"
    assert "Table: Books" in doc.text and "Table: Authors" in doc.text
    assert "Hunt for Red October" in doc.text and "Shakespeare, William" in doc.text
    assert {t["name"] for t in doc.metadata["tables"]} >= {"Books", "Authors"}


@pytest.mark.parametrize("name, package", [("Test_rs20846.djvu", "djvulibre-bin"),
                                           ("testPST.pst", "pst-utils"),
                                           ("Books_be.mdb", "mdbtools"),
                                           ("test-documents.rar", "unar")])
def test_missing_tool_names_the_debian_package(monkeypatch, name, package):
    monkeypatch.setattr(tools.shutil, "which", lambda _: None)
    with pytest.raises(UnsupportedFormat, match=f"Debian package {package}"):
        _parse(name)


def test_tool_past_its_time_limit_is_stopped():
    with pytest.raises(Exception, match="took over 1 s; stopped"):
        tools.run_tool(["sleep", "30"], "slow.bin", timeout=1)
