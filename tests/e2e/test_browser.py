"""End-to-end in a real browser (Debian chromium via Playwright) against a live server.

Screenshots of the main pages are written to tests/e2e/screens/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harvestwatch.core.config import Settings
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from tests.conftest import SAMPLES
from tests.live import browser_login, chromium_browser, live_server

pytestmark = pytest.mark.e2e
SCREENS = Path(__file__).parent / "screens"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    store_svc.ingest(store, [str(SAMPLES)], kind="news", tags=["sample"])
    secret = root / "witness.txt"
    secret.write_text("Witness statement: a guard at Sujiatun said organs were taken from prisoners.")
    store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True)
    users_svc.add_user(store, "ivan", "investigator", PASSWORD)
    users_svc.add_user(store, "vic", "viewer", PASSWORD)
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as b:
        yield b


def _shot(page, name: str) -> None:
    SCREENS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_investigator_workflow(server, chromium, tmp_path):
    page = browser_login(chromium, server, "ivan", PASSWORD)
    assert "documents" in page.inner_text("main")
    _shot(page, "dashboard")

    upload = tmp_path / "hospital.txt"
    upload.write_text("该医院宣称肾脏移植等待时间为两周，官方否认强摘器官的指控。", encoding="utf-8")
    page.goto(f"{server}/ingest")
    page.set_input_files("input[name=files]", str(upload))
    page.select_option("select[name=kind]", "hospital_page")
    page.click("main form button[type=submit]")
    page.wait_for_selector("table.results")
    assert "stored" in page.inner_text("table.results")
    _shot(page, "ingest")

    page.goto(f"{server}/search?q=Falun+Gong")
    assert page.locator("ol.hits li").count() == 3
    _shot(page, "search_en")
    page.goto(f"{server}/search?q=两周")
    hits = page.locator("ol.hits li")
    assert hits.count() == 1 and "两周" in hits.first.inner_text()
    _shot(page, "search_zh")

    page.goto(f"{server}/search?q=Politburo")
    page.click("ol.hits li a.hit")
    page.wait_for_selector("article.doctext")
    quantity = page.locator("div.text mark.hl-quantity[data-item]").first
    quantity.scroll_into_view_if_needed()
    quantity.click()
    panel = page.locator("#item-panel")
    assert "quantity" in panel.inner_text()
    _shot(page, "document")
    panel.locator("input[name=note]").fill("checked against the source")
    panel.locator("button[value=confirm]").click()
    page.wait_for_selector("article.doctext")

    page.goto(f"{server}/analyses")
    page.wait_for_selector(".chart svg")
    _shot(page, "analyses")
    page.goto(f"{server}/entities?type=person")
    assert "David Matas" in page.inner_text("main")
    _shot(page, "entities")
    page.goto(f"{server}/review")
    _shot(page, "review")
    page.close()


def test_viewer_cannot_reach_restricted(server, chromium):
    page = browser_login(chromium, server, "vic", PASSWORD)
    page.goto(f"{server}/search?q=Sujiatun")
    assert page.locator("ol.hits li").count() == 0
    for doc_id in range(1, 8):
        response = page.goto(f"{server}/documents/{doc_id}")
        if response.status == 200:
            assert "Sujiatun" not in page.inner_text("main")
    api = page.request.get(f"{server}/api/search?q=Sujiatun").json()
    assert api["total"] == 0
    assert page.goto(f"{server}/ingest").status == 403
    page.close()
