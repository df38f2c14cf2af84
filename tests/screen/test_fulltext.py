"""Missing statements read on the full paper: a record linked to a PDF in the evidence store
(by DOI or by document reference) is screened on the PDF's text, section by section; one with
only a methods column on its abstract and methods."""

from __future__ import annotations

import csv
import io

from harvestwatch.services import screen as svc
from harvestwatch.services import store as store_svc
from harvestwatch.store.models import Document

PAPER = [
    "Liver transplantation from donors at a single centre\ndoi: 10.5555/hw.test.001\nMethods\n"
    "Organs came from deceased donors after citizen donation.\nEthics statement\n"
    "The hospital ethics committee approved the study.\n"
    "Written informed consent was obtained from donor families.",
    "References\n1. Lee K. Consent in organ donation. 2012.",
]


def make_pdf(pages: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for page in pages:
        for i, line in enumerate(page.splitlines()):
            c.drawString(72, 760 - 16 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_records_linked_to_a_stored_pdf_are_screened_on_its_full_text(sqlite_store, tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf(PAPER))
    store_svc.ingest(sqlite_store, [str(pdf)], extract=False)
    with sqlite_store.session() as s:
        sha = s.query(Document.sha256).scalar()
    rows = [("by-doi", "10.5555/HW.TEST.001", "", ""), ("unlinked", "", "", ""), ("by-ref", "", sha[:12], ""),
            ("dangling", "", "deadbeefdeadbeef", ""),
            ("methods-only", "", "", "Kidneys came from deceased donors; the ethics committee approved the "
                                     "study and written informed consent was obtained.")]
    f = tmp_path / "records.csv"
    with f.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "abstract", "doi", "year", "document", "methods", "affiliations"])
        for rid, doi, ref, methods in rows:
            w.writerow([rid, f"Liver transplantation outcomes ({rid})", "We report 50 liver transplantations.", doi,
                        2019, ref, methods, "Department of Liver Surgery, West China Hospital, Sichuan University, "
                        "Chengdu 610041, China"])
    svc.import_files(sqlite_store, [str(f)])
    assert svc.run(sqlite_store)["screened"] == 5
    by_record: dict[str, dict[str, str]] = {}
    for r in svc.flags(sqlite_store):
        by_record.setdefault(r["id"], {})[r["rule"]] = r["strength"]
        assert "West China Hospital" in r["explanation"]  # the affiliation that makes the rules apply
    missing = {"donor_source_missing", "consent_missing", "ethics_missing"}
    assert not missing & set(by_record.get("by-doi", {}))
    assert not missing & set(by_record.get("by-ref", {}))
    assert not missing & set(by_record.get("methods-only", {}))  # abstract + methods when that is all
    # Read on the title and abstract only, an absent statement is a hedged flag.
    for rid in ("unlinked", "dangling"):
        assert {by_record[rid][rule] for rule in missing} == {"hedged"}
