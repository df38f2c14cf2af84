"""OCR-read text is marked in briefs: the sources table gives the document's mean confidence and
each citation of an OCR-read span says how surely its own words were read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from harvestwatch.report import brief
from harvestwatch.report.citations import Citations
from harvestwatch.services import report as report_scope
from harvestwatch.services import store as store_svc
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_ocr_text_is_marked_with_its_confidence(sqlite_store, tmp_path):
    store_svc.ingest(sqlite_store, [str(FIXTURES / "regression_gif.gif"),
                                    str(sorted(SAMPLES.iterdir())[0])], extract=False)
    docs = {d["title"] or d["source"]: d for d in report_scope.scope(sqlite_store).documents}
    scan = next(d for d in docs.values() if d["ocr"])
    plain = next(d for d in docs.values() if not d["ocr"])
    assert scan["text"].startswith("This is text inside a GIF image")
    assert 50 < scan["ocr"]["confidence"] <= 100
    cites = Citations()
    cites.span(scan, 0, 4)  # "This"
    cites.span(plain, 0, 6)
    note = cites.refs[0].ocr
    assert note.startswith("text read by OCR (tesseract): cited words ") and note.endswith(
        f"% confident (document {scan['ocr']['confidence']}%)")
    assert cites.refs[1].ocr is None
    report = brief.build_report(sqlite_store, sections=["sources"], now=NOW)
    html = brief.write_report(sqlite_store, report, tmp_path / "brief.html").read_text(encoding="utf-8")
    assert html.count("text read by OCR, mean confidence") == 1
    assert f"mean confidence {scan['ocr']['confidence']}%" in html
