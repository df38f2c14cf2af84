"""Archives, e-mail and spreadsheets: members and attachments become child documents linked to
their parent (in the store and in custody); bombs and encrypted members are reported."""

from __future__ import annotations

import io
import tarfile
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from harvestwatch.core.errors import DecompressionBomb
from harvestwatch.ingest.formats import parse_bytes
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.store import ledger
from harvestwatch.store.ingest_links import DocumentLink
from harvestwatch.store.models import Document
from harvestwatch.store.verify import verify_store

FIXTURES = Path(__file__).with_name("fixtures")


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_is_refused_by_ratio_and_total_size():
    bomb = _zip({"zeros.txt": b"\0" * (50 * 1024 * 1024)})  # 50 MB in ~50 KB
    with pytest.raises(DecompressionBomb, match=r"bomb.zip: .*zeros.txt.* \(a zip bomb\)"):
        parse_bytes(bomb, source="bomb.zip")
    # many members, each harmless, together past the total limit (42.zip style)
    layered = _zip({f"layer{i}.zip": bomb for i in range(3)}, zipfile.ZIP_STORED)
    with pytest.raises(DecompressionBomb):
        parse_bytes(layered, source="layers.zip")


def test_nested_archive_members_are_children_of_their_archives(sqlite_store, tmp_path):
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        data = b"Witness statement: he was taken to the hospital ward for tests."
        info = tarfile.TarInfo("statements/witness.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    outer = _zip({"inner.tar.gz": inner.getvalue(),
                  "notes.html": b"<html><body><p>Hospital page about kidneys.</p></body></html>"})
    path = tmp_path / "evidence.zip"
    path.write_bytes(outer)
    report = ingest_paths(sqlite_store, [str(path)])
    assert report.by_status("stored"), report.results
    with sqlite_store.session() as s:
        docs = {d.id: d for d in s.scalars(select(Document))}
        links = {(docs[x.parent_id].mime, docs[x.child_id].mime, x.name)
                 for x in s.scalars(select(DocumentLink))}
        witness = next(d for d in docs.values() if "Witness" in d.text)
        entries = [e for e in ledger.entries_for(s, "document", witness.sha256)]
    assert ("application/zip", "application/x-tar", "inner.tar.gz") in links
    assert ("application/zip", "text/html", "notes.html") in links
    assert ("application/x-tar", "text/plain", "statements/witness.txt") in links
    assert entries[0].payload["parent"]["relation"] == "member"  # custody names the parent
    fam = ingest_svc.family(sqlite_store, witness.id)
    assert fam["parents"][0]["name"] == "statements/witness.txt" and not fam["children"]
    assert verify_store(sqlite_store).ok


def test_encrypted_member_is_reported_not_fatal():
    data = (FIXTURES / "7z_password.7z").read_bytes()
    archive, = parse_bytes(data, source="7z_password.7z")
    assert "secret.txt" in archive.text and "a password is needed" in archive.text
    assert archive.metadata["skipped"] == ["secret.txt: encrypted member: a password is needed "
                                           "to read it"]
    # a zip with one encrypted member and one plain one (flag bit 0 set by hand)
    raw = bytearray(_zip({"locked.txt": b"secret words", "open.txt": b"open words here"},
                         zipfile.ZIP_STORED))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # local and central headers of the first member
        at = raw.index(sig)
        flag = at + (6 if sig == b"PK\x03\x04" else 8)
        raw[flag] |= 1
    docs = parse_bytes(bytes(raw), source="mixed.zip")
    assert [d.member for d in docs] == [None, "open.txt"]
    assert "locked.txt: encrypted member" in docs[0].metadata["skipped"][0]


def test_7z_and_tar_fixtures_give_their_members():
    docs = parse_bytes((FIXTURES / "test-documents.zip").read_bytes(), source="t.zip")
    names = {d.member for d in docs[1:]}
    assert {"testWORD.doc", "testPDF.pdf", "testEXCEL.xls", "testRTF.rtf", "testPPT.ppt",
            "testOpenOffice2.odt"} <= names
    assert all(d.text for d in docs)
    broken, = parse_bytes((FIXTURES / "badtar.tar").read_bytes(), source="badtar.tar")
    assert "not read" in broken.text


def test_mbox_with_attachments_links_messages_and_attachments(sqlite_store, tmp_path):
    messages = []
    for i in range(2):
        msg = EmailMessage()
        msg["From"] = f"Witness {i} <w{i}@example.org>"
        msg["To"] = "investigator@example.org"
        msg["Subject"] = f"Statement {i}"
        msg["Date"] = "Tue, 14 Mar 2006 10:00:00 +0800"
        msg["Message-ID"] = f"<m{i}@example.org>"
        msg.set_content(f"Attached is my statement number {i} about the hospital.")
        msg.add_attachment(f"In 2006 I waited {i + 2} weeks for a kidney.".encode(),
                           maintype="text", subtype="plain", filename=f"statement{i}.txt")
        msg.add_attachment(_zip({"scan-list.txt": b"ward 7, ward 9"}), maintype="application",
                           subtype="zip", filename="list.zip")
        messages.append(b"From w%d@example.org Tue Mar 14 10:00:00 2006\n" % i + msg.as_bytes())
    path = tmp_path / "mail.mbox"
    path.write_bytes(b"\n".join(messages))
    report = ingest_paths(sqlite_store, [str(path)])
    assert report.by_status("stored"), report.results
    with sqlite_store.session() as s:
        docs = {d.id: d for d in s.scalars(select(Document))}
        links = list(s.scalars(select(DocumentLink)))
    box = next(d for d in docs.values() if d.mime == "application/mbox")
    mails = [docs[x.child_id] for x in links if x.parent_id == box.id]
    assert [m.title for m in mails] == ["Statement 0", "Statement 1"]
    first = mails[0]
    assert first.meta["email"]["message-id"] == "<m0@example.org>"
    assert first.author == "Witness 0 <w0@example.org>" and first.published == "2006-03-14"
    attached = {x.name: docs[x.child_id] for x in links if x.parent_id == first.id}
    assert set(attached) == {"statement0.txt", "list.zip"}
    assert attached["statement0.txt"].text == "In 2006 I waited 2 weeks for a kidney."
    assert any(docs[x.child_id].text == "ward 7, ward 9" for x in links
               if x.parent_id == attached["list.zip"].id)
    assert verify_store(sqlite_store).ok


def test_outlook_msg_and_eml_fixtures():
    msg, = parse_bytes((FIXTURES / "piste.msg").read_bytes(), source="piste.msg")
    assert msg.mime == "application/vnd.ms-outlook" and msg.metadata["email"]["subject"]
    eml = parse_bytes((FIXTURES / "email_multipart_nested.eml").read_bytes(), source="n.eml")
    assert eml[0].metadata["email"]["from"] == "john.doe@example.org"


def test_spreadsheet_with_merged_cells_keeps_the_value_once():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Transplants"
    sheet.append(["Hospital", "2005", "2006"])
    sheet.append(["Tianjin First Central", 600, 900])
    sheet.append(["Zhongshan", 300, None])
    sheet.merge_cells("B3:C3")
    sheet["A5"] = "Source: hospital website, captured 2006"
    sheet.merge_cells("A5:C5")
    buf = io.BytesIO()
    book.save(buf)
    doc, = parse_bytes(buf.getvalue(), source="hospitals.xlsx")
    assert doc.text.splitlines() == ["Sheet: Transplants", "Hospital\t2005\t2006",
                                     "Tianjin First Central\t600\t900", "Zhongshan\t300",
                                     "Source: hospital website, captured 2006"]
    assert sorted(doc.metadata["sheets"][0]["merged"]) == ["A5:C5", "B3:C3"]


def test_legacy_and_open_office_files_through_libreoffice():
    import shutil

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make install)")
    doc, = parse_bytes((FIXTURES / "doc.doc").read_bytes(), source="doc.doc")
    assert "Sample Word Document" in doc.text and doc.mime == "application/msword"
    odt, = parse_bytes((FIXTURES / "Plan.odt").read_bytes(), source="Plan.odt")
    assert "Trump tower" in odt.text
    xls, = parse_bytes((FIXTURES / "rom.xls").read_bytes(), source="rom.xls")
    assert xls.text.startswith("Sheet: ")


def test_a_sheet_becomes_a_dataset_whose_values_cite_their_cells(sqlite_store, tmp_path):
    from openpyxl import Workbook

    from harvestwatch.services import analysis as analysis_svc

    book = Workbook()
    sheet = book.active
    sheet.title = "Liver"
    sheet.append(["Year", "Liver transplants", "Note"])
    sheet.append([2005, 2500, "hospital report"])
    sheet.append([2006, 3000, None])
    sheet.append(["Total", 5500, None])
    path = tmp_path / "liver.xlsx"
    book.save(path)
    report = ingest_paths(sqlite_store, [str(path)])
    doc_id = report.results[0].document_ids[0]
    text = ingest_svc.sheet_dataset(sqlite_store, doc_id, sheet="Liver", year_col="A",
                                    value_col="B", metric="liver_transplants", country="CN",
                                    unit="transplants")
    lines = text.splitlines()
    assert len(lines) == 3 and lines[1].startswith("liver_transplants,CN,2005,2500,transplants,")
    sha = report.results[0].sha256
    assert f"harvestwatch:document/{sha}#sheet=Liver&cell=B3" in lines[2]
    out = tmp_path / "liver.csv"
    out.write_text(text, encoding="utf-8")
    imported = analysis_svc.import_dataset(sqlite_store, out)
    assert imported
