"""A workbench over a store with the sample corpus, a restricted testimony and four users."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from harvestwatch.core.config import Settings
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from tests.conftest import SAMPLES

PASSWORD = "correct horse battery"
HOSTILE = ('<script>alert("pwned")</script><img src=x onerror=alert(1)> The hospital said '
           '"kidneys are available within two weeks," a nurse told investigators.')


@pytest.fixture(scope="module")
def web_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    store_svc.ingest(store, [str(SAMPLES)], kind="news", tags=["sample"])
    hostile = root / "hostile.txt"  # plain text, so the markup stays in the document text
    hostile.write_text(HOSTILE)
    store_svc.ingest(store, [str(hostile)], kind="hospital_page")
    secret = root / "witness.txt"
    secret.write_text("Witness statement: a guard at Sujiatun said organs were taken from "
                      "over 300 prisoners in the basement.")
    store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True)
    zh = root / "zh.txt"
    zh.write_text("据调查，天津市第一中心医院宣称肝脏移植等待时间为两周。官方否认指控。", encoding="utf-8")
    store_svc.ingest(store, [str(zh)], kind="news")
    for name, role in (("ada", "admin"), ("ivan", "investigator"), ("rita", "reviewer"), ("vic", "viewer"),
                       ("lim", "viewer")):
        users_svc.add_user(store, name, role, PASSWORD)
    return settings


@pytest.fixture(scope="module")
def app(web_store):
    return create_app(web_store)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf": token,
                                       "next": "/"}, follow_redirects=False)


@pytest.fixture
def as_user(app):
    def make(name: str) -> TestClient:
        client = TestClient(app)
        assert login(client, name).status_code == 303
        return client
    return make


def app_routes(app) -> list:
    """Every endpoint route of ``app``, including those of included routers."""
    def walk(routes):
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            elif hasattr(r, "methods") and hasattr(r, "dependant"):
                yield r
    return list(walk(app.routes))
