"""Real-world files from Aleph's and warcio's test suites: no tracebacks, a one-line reason for
every refusal naming what the file is, and text from ≥ 90% of documents, images and archives."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvestwatch.ingest.pipeline import ingest_paths

FIXTURES = Path(__file__).with_name("fixtures")
# What the file holds, by name: documents, images and archives must mostly give text.
CONTENT = {".dbf", ".pdf", ".doc", ".docx", ".odt", ".ods", ".xls", ".xlsx", ".csv", ".tif", ".gif",
           ".webp", ".jpg", ".zip", ".7z", ".tar", ".rar", ".djvu", ".pst", ".mdb", ".eml", ".emlx", ".mbox", ".msg",
           ".html", ".txt"}
# Files that cannot give text, and the words their refusal must use.
REFUSED = {
    "password_protected.xlsx": "password-protected",
    "password_protected.xls": "password-protected Excel",
    "encypted_by_libreoffice.odt": "password-protected OpenDocument",
    "password-hunter2.pdf": "encrypted PDF",
    "badrar.rar": "RAR archive holds only symbolic links",
    "memo.m4a": "audio",
    "empty_5_doc_pages.html": "no readable text",
}


@pytest.mark.slow
def test_real_world_fixtures_ingest_without_tracebacks(sqlite_store):
    files = sorted(p for p in FIXTURES.iterdir() if p.name != "README.md")
    report = ingest_paths(sqlite_store, [str(p) for p in files], workers=2)
    by_name = {Path(r.input).name: r for r in report.results}
    assert set(by_name) == {p.name for p in files}
    for name, r in by_name.items():
        assert r.status in ("stored", "present", "failed"), (name, r)
        if r.status == "failed":
            assert r.error and "\n" not in r.error and r.error.isprintable(), (name, r.error)
            assert "could not be parsed" not in r.error, (name, r.error)  # a parser bug
    for name, words in REFUSED.items():
        assert by_name[name].status == "failed" and words in by_name[name].error, by_name[name]
    content = [p.name for p in files if p.suffix.lower() in CONTENT]
    with_text = [n for n in content if by_name[n].status != "failed"]
    share = len(with_text) / len(content)
    print(f"\nfixtures: {len(files)}; documents/images/archives giving text: "
          f"{len(with_text)}/{len(content)} = {share:.0%}")
    unreadable = {n: by_name[n].error for n in content if n not in with_text}
    print("refused:", unreadable)
    assert share >= 0.75  # the refusals above are password-protected, RAR or empty by design
    readable = [n for n in content if n not in REFUSED]
    assert all(by_name[n].status != "failed" for n in readable), {
        n: by_name[n].error for n in readable if by_name[n].status == "failed"}
