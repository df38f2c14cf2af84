"""The hospital page in a real browser (Debian chromium via Playwright); screenshots are written to
tests/e2e/screens/ (git-ignored) to be looked at."""

from __future__ import annotations

import pytest

from harvestwatch.core.config import Settings
from harvestwatch.services import registry as registry_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from tests.conftest import REPO, SHARED
from tests.live import browser_login, chromium_browser, live_server

pytestmark = pytest.mark.e2e
SCREENS = REPO / "tests" / "e2e" / "screens"
PASSWORD = "correct horse battery"
DEV = SHARED / "corpus" / "dev" / "docs"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not DEV.exists():
        pytest.skip("shared dev corpus not available")
    root = tmp_path_factory.mktemp("reg-e2e")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    store_svc.ingest(store, [str(DEV / "z03.txt"), str(DEV / "z05.txt")], kind="hospital_page")
    registry_svc.link_documents(store)
    users_svc.add_user(store, "vic", "viewer", PASSWORD)
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


def test_hospital_page_in_a_browser(server, browser):
    page = browser_login(browser, server, "vic", PASSWORD)
    page.click("text=Hospitals")
    page.wait_for_url(f"{server}/hospitals")
    assert page.locator("svg[aria-label='Hospitals by province'] rect").count() > 10
    page.fill("input[name=q]", "天津一中心")
    page.click("button:has-text('Filter')")
    page.click("text=Tianjin First Central Hospital")
    page.wait_for_url(f"{server}/hospitals/tianjin-first-central-hospital")
    assert page.locator("h1").inner_text() == "Tianjin First Central Hospital"
    assert page.locator("[lang='zh-Hant']").first.inner_text() == "天津市第一中心醫院"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "hospital.png"), full_page=True)
    page.goto(f"{server}/hospitals?province=Beijing")
    page.screenshot(path=str(SCREENS / "hospitals.png"), full_page=False)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/hospitals/qilu-hospital-shandong-university?occupancy=0.7:0.85:1&los=14:20:30")
    page.screenshot(path=str(SCREENS / "hospital-capacity.png"), full_page=True)
    assert "Consistent with" in page.locator("text=Capacity estimate >> xpath=..").inner_text()
    assert not errors
