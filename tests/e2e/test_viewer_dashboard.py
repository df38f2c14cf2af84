"""A viewer's dashboard in a real browser (Debian chromium) holds no trace of a restricted
document, even after a reviewer's "Verify now" found a problem with it; an investigator's
dashboard lists it. Screenshots go to tests/e2e/screens/ (viewer-dashboard.png, looked at)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvestwatch.core.config import Settings
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from tests.live import browser_login, chromium_browser, live_server

pytestmark = pytest.mark.e2e
SCREENS = Path(__file__).parent / "screens"
PASSWORD = "correct horse battery"
FILE_NAME = "heronsgate-witness-9K.txt"
UNIQUE = ("Heronsgate", "Velmorin", "Astarbeck")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("viewer-dash")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    public = root / "waiting-times.txt"
    public.write_text("Tianjin First Central Hospital advertised liver transplants with a waiting "
                      "time of two weeks in 2006, the report by David Matas said.")
    store_svc.ingest(store, [str(public)], kind="news")
    secret = root / FILE_NAME
    secret.write_text("Heronsgate statement: the guard Velmorin Astarbeck said 43 prisoners were "
                      "blood-tested in 2006 and their organs taken.")
    rid = store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True).document_ids[0]
    sha = store_svc.show_document(store, rid, include_restricted=True)["sha256"]
    with store.engine.begin() as conn:  # a tampered row, so verify reports a restricted problem
        conn.exec_driver_sql("UPDATE documents SET kind = 'news' WHERE id = ?", (rid,))
    for name, role in (("ivan", "investigator"), ("rita", "reviewer"), ("vic", "viewer")):
        users_svc.add_user(store, name, role, PASSWORD)
    with live_server(settings) as url:
        yield url, rid, sha


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as b:
        yield b


def test_viewer_dashboard_has_no_restricted_trace(server, chromium):
    base, rid, sha = server
    rita = browser_login(chromium, base, "rita", PASSWORD)
    rita.click("text=Verify now and sign a tree head")
    rita.wait_for_url(f"{base}/")
    assert "problem(s)" in rita.inner_text("#last-verify")
    rita.close()

    vic = browser_login(chromium, base, "vic", PASSWORD)
    SCREENS.mkdir(exist_ok=True)
    vic.screenshot(path=str(SCREENS / "viewer-dashboard.png"), full_page=True)
    text, html = vic.inner_text("body"), vic.content()
    assert "waiting-times.txt" in text or "Tianjin" in text  # the public document is listed
    assert "problem(s)" in text and "shown to admins and investigators only" in text
    for trace in (*UNIQUE, FILE_NAME, sha[:12], sha[:16]):
        assert trace.lower() not in html.lower(), trace
    assert f'href="/documents/{rid}"' not in html
    vic.close()

    ivan = browser_login(chromium, base, "ivan", PASSWORD)
    ivan.screenshot(path=str(SCREENS / "investigator-dashboard.png"), full_page=True)
    html = ivan.content()
    assert f'href="/documents/{rid}"' in html and sha[:16] in html  # cleared: listed, with its problem
    ivan.close()
