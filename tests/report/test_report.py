"""Reports for the sample corpus: every figure cites a real span or data row; PDF renders."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime

import lxml.html
import pytest

from harvestwatch.analysis import datasets as ds
from harvestwatch.report import brief as report_svc
from harvestwatch.services import store as store_svc
from harvestwatch.store.models import Document
from tests.conftest import SAMPLES

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def corpus_store(sqlite_store, tmp_path):
    store_svc.ingest(sqlite_store, [str(SAMPLES)], kind="news", tags=["sample"])
    secret = tmp_path / "witness.txt"
    secret.write_text("A witness says 300 prisoners were killed for their organs at Sujiatun.")
    store_svc.ingest(sqlite_store, [str(secret)], kind="testimony", restricted=True)
    return sqlite_store


def _digits(s: str) -> list[str]:
    return [d.replace(",", "") for d in re.findall(r"\d[\d,]*", s)]


def test_every_citation_resolves_and_every_figure_is_in_its_source(corpus_store, tmp_path):
    report = report_svc.build_report(corpus_store, title="Sample brief", now=NOW)
    out = report_svc.write_report(corpus_store, report, tmp_path / "brief.html")
    html = out.read_text()
    tree = lxml.html.fromstring(html)
    with corpus_store.session() as s:
        texts = {d.id: d.text for d in s.query(Document).filter(Document.restricted.is_(False))}
    rows = {r.origin: r for r in ds.shipped_rows()}
    refs = {r.number: r for r in report.citations.refs}
    assert refs, "the report cites nothing"
    for r in refs.values():
        if r.kind == "span":
            assert texts[r.document_id][r.start:r.end] == r.quote
        else:
            assert rows[r.dataset_origin].quote == r.quote
    for fig in tree.xpath('//*[contains(concat(" ", @class, " "), " fig ")]'):
        sup = fig.getnext()
        cited = [int(a.text.strip("[]")) for a in (sup.xpath(".//a") if sup is not None else [])]
        if not cited:
            cell = fig.getparent().getnext()  # table rows cite in the source cell
            cited = [int(a.text.strip("[]")) for a in cell.xpath(".//sup/a")] if cell is not None else []
        numbers = _digits(fig.text_content())
        if numbers and fig.tag == "span":
            assert cited, f"figure without citation: {fig.text_content()[:60]}"
            quote = " ".join(refs[n].quote for n in cited).replace(",", "")
            for d in numbers:
                assert d in quote, (d, quote[:80])
    assert "Sujiatun" not in html
    assert "1 restricted document(s) left out" in html
    assert report.merkle_root in html


def test_report_is_deterministic_apart_from_the_timestamp(corpus_store, tmp_path):
    a = report_svc.write_report(corpus_store, report_svc.build_report(corpus_store, now=NOW), tmp_path / "a.html")
    b = report_svc.write_report(corpus_store, report_svc.build_report(corpus_store, now=NOW), tmp_path / "b.html")
    assert a.read_text() == b.read_text()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_renders_with_references_and_chinese(corpus_store, tmp_path):
    zh = tmp_path / "zh.txt"
    zh.write_text("官方称，2015年有2,766名公民逝世后器官捐献者。", encoding="utf-8")
    store_svc.ingest(corpus_store, [str(zh)], kind="official_statement")
    report = report_svc.build_report(corpus_store, sections=["sources", "claims", "analyses", "custody"], now=NOW)
    pdf = report_svc.write_report(corpus_store, report, tmp_path / "brief.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "References" in text and "Custody appendix" in text
    assert "官方称" in text  # Chinese title rendered as text, not boxes
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-01.png").stat().st_size > 5000


def test_unknown_section_is_refused(corpus_store):
    from harvestwatch.core.errors import ValidationError

    with pytest.raises(ValidationError, match="unknown section"):
        report_svc.build_report(corpus_store, sections=["gossip"])
