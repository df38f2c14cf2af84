"""Real-world files from Aleph's and warcio's test suites: no tracebacks, a one-line reason for
every refusal naming what the file is, and text from ≥ 90% of documents, images and archives
(with the passwords their makers used; ≥ 85% unattended)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harvestwatch.ingest.pipeline import Limits, ingest_paths
from harvestwatch.ingest.sniff import content_class

FIXTURES = Path(__file__).with_name("fixtures")
# What must mostly give text, by what the bytes are (ingest.sniff.content_class): documents
# (e-mail messages and tables included), images and archives. Web captures (warcio's broken
# WARCs), structured data (.json, .vcf, .ics) and audio are reported apart.
CONTENT = ("document", "e-mail", "image", "archive")
# Files that cannot give text unattended, and the words their refusal must use.
REFUSED = {
    "password_protected.xlsx": "password-protected",
    "password_protected.xls": "password-protected Excel",
    "encypted_by_libreoffice.odt": "password-protected OpenDocument",
    "password-hunter2.pdf": "encrypted PDF",
    "memo.m4a": "audio",
    "empty_5_doc_pages.html": "no readable text",
}
# The passwords Aleph's fixtures were made with, as a source would hand them over.
PASSWORDS = ("hunter2", "password")


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
    classes = {p.name: content_class(p.read_bytes(), p.name) for p in files}
    content = [n for n, c in classes.items() if c in CONTENT]
    with_text = [n for n in content if by_name[n].status != "failed"]
    share = len(with_text) / len(content)
    protected = [n for n in content if n not in with_text and "password" in by_name[n].error]
    retried = ingest_paths(sqlite_store, [str(FIXTURES / n) for n in protected],
                           limits=Limits(passwords=PASSWORDS))
    opened = [Path(r.input).name for r in retried.results if r.status == "stored"]
    share_given = (len(with_text) + len(opened)) / len(content)
    print(f"\nfixtures: {len(files)}; by content: "
          + ", ".join(f"{c} {n}" for c, n in sorted(Counter(classes.values()).items())))
    for c in sorted(set(classes.values())):
        names = [n for n, k in classes.items() if k == c]
        print(f"  {c}: {sum(by_name[n].status != 'failed' for n in names)}/{len(names)} give text")
    print(f"documents, e-mail, images and archives giving text: {len(with_text)}/{len(content)} "
          f"= {share:.1%} unattended; {len(with_text) + len(opened)}/{len(content)} = "
          f"{share_given:.1%} with the passwords given ({', '.join(opened)} opened)")
    print("no text:", {n: by_name[n].error for n in classes
                       if by_name[n].status == "failed" and n not in opened})
    assert share >= 0.85  # left: password-protected (4) and an HTML page with no text in it
    assert share_given >= 0.9
    assert sorted(opened) == ["password-hunter2.pdf", "password_protected.xlsx"]
    readable = [n for n in content if n not in REFUSED]
    assert all(by_name[n].status != "failed" for n in readable), {
        n: by_name[n].error for n in readable if by_name[n].status == "failed"}
