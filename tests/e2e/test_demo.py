"""The demo investigation: its manifest, a full build (once per module), a rebuild that adds
nothing, and a real browser finding real content on every page of the workbench's navigation.

Screenshots of every page are written to tests/e2e/screens/demo_*.png (git-ignored).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from harvestwatch.core.config import Settings
from harvestwatch.ingest.document import normalise_text
from harvestwatch.ingest.pipeline import KINDS
from harvestwatch.services import demo
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.store.ledger import LedgerEntry
from harvestwatch.store.models import Document
from harvestwatch.store.screening import ScreenRecord
from tests.live import browser_login, chromium_browser, live_server

pytestmark = pytest.mark.e2e
SCREENS = Path(__file__).parent / "screens"
PASSWORD = "correct horse battery"
ROOT = Path(demo.__file__).parent.parent / "demo"


def test_manifest_names_a_source_date_and_licence_for_every_document():
    docs, literature = demo.manifest()
    assert len(docs) >= 30 and len({d.id for d in docs}) == len(docs)
    by_language = {lang: sum(d.language == lang for d in docs) for lang in ("en", "zh-Hans", "zh-Hant")}
    assert all(n >= 5 for n in by_language.values()), by_language
    assert {"pdf", "warc", "scan"} <= {d.form for d in docs}
    for d in docs:
        assert d.kind in KINDS and d.url.startswith("http") and d.licence and d.excerpt, d.id
        assert d.published or d.date_note, f"{d.id}: neither a date nor why there is none"
        assert (ROOT / "documents" / d.file).read_text(encoding="utf-8").strip(), d.id
    assert sum(f.records for f in literature) >= 200


def test_rendered_and_reserved_files_say_what_they_are():
    docs, _ = demo.manifest()
    by_form = {d.form: d for d in docs if d.form in demo.ASSETS}
    pdf = (ROOT / "documents" / by_form["pdf"].stored_name).read_bytes()
    assert b"Rendered by harvestwatch" in pdf and b"not a government PDF" in pdf
    assert b"/CreationDate (D:" not in pdf  # a rendering date must not pass for the text's date
    warc = gzip.decompress((ROOT / "documents" / by_form["warc"].stored_name).read_bytes())
    assert b"RE-SERVED COPY, not a live capture" in warc and b"WARC-Target-URI: http://127.0.0.1:" in warc
    assert by_form["warc"].url.encode() in warc  # the original address, in the metadata record
    scan = (ROOT / "documents" / by_form["scan"].stored_name).read_bytes()
    assert b"NOT a scan of paper" in scan and b"/CreationDate (D:" not in scan
    for d in by_form.values():
        assert d.note and re.search(r"NOT|RE-SERVED", d.note), d.id


def test_literature_records_name_their_licence():
    _, literature = demo.manifest()
    for f in literature:
        text = (ROOT / f.file).read_text(encoding="utf-8")
        records = text.count("\nER  - ") + text.startswith("ER  - ")
        assert records == f.records == text.count("TY  - JOUR"), f.file
        assert text.count("\nN1  - ") == f.records, f"{f.file}: a record without its source/licence note"


def _path(url: str | None) -> str:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(unquote(url or ""))
    return parts.netloc + parts.path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings = Settings(store_dir=tmp_path_factory.mktemp("demo") / "store", actor="demo")
    store = store_svc.open(settings)
    report = demo.build(store)
    return settings, store, report


def test_build_stores_every_text_verbatim_with_its_source(built):
    _, store, report = built
    assert not report.failed, report.failed
    docs, _ = demo.manifest()
    with store.session() as s:
        stored = list(s.scalars(select(Document)))
        assert len(stored) == len(docs)
        texts = {r.id: " ".join(normalise_text(r.text).split()) for r in stored}
        by_id = {r.id: r for r in stored}
        for d in docs:
            if d.form != "html":
                continue
            lines = [" ".join(normalise_text(x).split()) for x in
                     (ROOT / "documents" / d.file).read_text(encoding="utf-8").splitlines() if x.strip()]
            match = [i for i, t in texts.items() if max(lines, key=len) in t]
            assert len(match) == 1, f"{d.id}: {len(match)} stored documents hold its longest line"
            row, text = by_id[match[0]], texts[match[0]]
            for line in lines:
                assert line in text, f"{d.id}: line lost: {line[:60]}"
            # the canonical URL is kept (up to the parser's normalisation of quoting and order)
            assert _path(row.url) == _path(d.url), (d.id, row.url)
            assert "demo" in row.tag_names and row.kind == d.kind
            if d.published and len(d.published) == 10:
                assert row.published == d.published, d.id
            else:
                assert row.published is None, f"{d.id}: a partial date was completed to {row.published}"
        scan = next(r for r in stored if r.title and r.title.startswith("人體器官移植條例"))
        assert "人體器官移植條例" in scan.text.replace(" ", "")  # OCR read the page image
        assert s.scalar(select(func.count()).select_from(ScreenRecord)) >= 200
    steps = {st.name: st for st in report.steps}
    assert steps["documents"].added == len(docs) and steps["literature"].added >= 200


def test_rebuild_adds_nothing_and_says_so(built):
    _, store, _ = built
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(LedgerEntry))
    again = demo.build(store)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == before
    assert again.added == 0 and not again.failed
    assert {st.name: st.present for st in again.steps}["documents"] == len(demo.manifest()[0])
    assert "up to date" in {st.name: st.detail for st in again.steps}["links"]


# What each page of the navigation must show on a fresh demo store, beyond its headings and
# forms: (CSS selector of the rows that carry content, least number of them, a text it holds).
PAGES = {
    "/": ("main table tr", 10, f"{len(demo.manifest()[0])} documents"),
    "/search?q=器官": ("ol.hits li", 5, "器官"),
    "/entities": ("main table tr", 20, "Falun Gong"),
    "/claims": ("main table tr", 20, "European Parliament"),
    "/corroboration": ("main li", 10, "independent line(s) of evidence"),
    "/analyses": ("main table tr, main li", 10, "Series"),
    "/hospitals": ("main table tr", 20, "Beijing"),
    "/review": ("main table tr", 5, "allegation"),
    "/screening": ("main table tr", 20, "organ transplant"),
}


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as b:
        yield b


def test_every_nav_page_shows_real_content(built, chromium):
    settings, store, _ = built
    users_svc.add_user(store, "ivan", "investigator", PASSWORD)
    SCREENS.mkdir(exist_ok=True)
    with live_server(settings) as base:
        page = browser_login(chromium, base, "ivan", PASSWORD)
        nav = page.eval_on_selector_all("header nav a", "els => els.map(e => e.getAttribute('href'))")
        assert set(nav) - {"/search", "/ingest"} <= set(PAGES), f"a nav page without a check: {nav}"
        found = {}
        for path, (selector, least, needle) in PAGES.items():
            page.goto(base + path)
            main = page.inner_text("main")
            found[path] = page.locator(selector).count()
            page.screenshot(path=str(SCREENS / f"demo_{path.strip('/').split('?')[0] or 'dashboard'}.png"))
            assert found[path] >= least and needle.lower() in main.lower(), (path, found[path], main[:300])
        page.goto(f"{base}/ingest")
        assert page.locator("main form input[type=file]").count() == 1
        (SCREENS / "demo_rows.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
