"""Registry pages: list with filters and province chart, the outside view, review, PDF brief, roles."""

from __future__ import annotations

import re
import subprocess

import pytest
from fastapi.testclient import TestClient

from harvestwatch.core.config import Settings
from harvestwatch.services import registry as registry_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from tests.conftest import SHARED

PASSWORD = "correct horse battery"
DEV = SHARED / "corpus" / "dev" / "docs"
SECRET = "Witness K. said the night ward of Tianjin First Central Hospital held 90 beds for prisoners."
pytestmark = pytest.mark.skipif(not DEV.exists(), reason="shared dev corpus not available")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("regweb")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    store_svc.ingest(store, [str(DEV / "z03.txt"), str(DEV / "z05.txt")], kind="hospital_page")
    secret = root / "witness.txt"
    secret.write_text(SECRET, encoding="utf-8")
    store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True)
    registry_svc.link_documents(store)
    for name, role in (("ada", "admin"), ("rita", "reviewer"), ("vic", "viewer")):
        users_svc.add_user(store, name, role, PASSWORD)
    return create_app(settings)


def _client(app, name: str) -> TestClient:
    c = TestClient(app)
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf": token, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303
    return c


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_list_filters_and_province_chart(app):
    c = _client(app, "vic")
    r = c.get("/hospitals")
    assert r.status_code == 200 and "<svg" in r.text and "Hospitals by province" in r.text
    assert "Tianjin First Central Hospital" in r.text
    only = c.get("/hospitals", params={"province": "Beijing", "accredited": "1"}).text
    assert "Peking Union Medical College Hospital" in only and "Qilu Hospital" not in only
    by_name = c.get("/hospitals", params={"q": "天津一中心"}).text
    assert by_name.count('href="/hospitals/tianjin') == 1
    assert TestClient(app).get("/hospitals", follow_redirects=False).status_code == 303  # login first


def test_outside_view_cites_everything_and_never_shows_restricted(app):
    for who in ("vic", "ada"):  # even a cleared admin sees the outside view without restricted sources
        html = _client(app, who).get("/hospitals/tianjin-first-central-hospital").text
        assert "天津市第一中心医院" in html and "天津市第一中心醫院" in html
        assert "KMG-2016" in html and "NGO classification" in html
        assert "stoporganharvesting.org" in html  # every figure links to its source
        assert "器官移植中心" in html  # the stored hospital page names it
        assert "Witness K." not in html and "witness.txt" not in html and "90 beds" not in html
    pdf = _client(app, "vic").get("/hospitals/tianjin-first-central-hospital/brief.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True).stdout.decode()
    assert "Tianjin First Central Hospital" in text and "Witness K." not in text


def test_capacity_on_the_page_uses_the_readers_stated_assumptions(app):
    c = _client(app, "vic")
    plain = c.get("/hospitals/qilu-hospital-shandong-university").text
    assert "No estimate:" in plain and "length_of_stay missing" in plain
    est = c.get("/hospitals/qilu-hospital-shandong-university",
                params={"occupancy": "0.7:0.85:1", "los": "14:20:30"}).text
    assert "Consistent with" in est and "user assumption (length of stay)" in est
    tianjin = c.get("/hospitals/tianjin-first-central-hospital", params={"los": "14:20:30"}).text
    assert "refused" in tianjin and "must lie within" in tianjin  # 100-131% occupancy is named
    bad = c.get("/hospitals/tianjin-first-central-hospital", params={"los": "abc"})
    assert bad.status_code == 200 and "expected N, MIN:MAX or MIN:MODE:MAX" in bad.text


def test_review_needs_a_reviewer_and_a_csrf_token(app):
    assert _client(app, "vic").get("/hospitals/proposals").status_code == 403
    rita = _client(app, "rita")
    page = rita.get("/hospitals/proposals")
    assert page.status_code == 200 and "当年成功完成肝脏移植7例" in page.text
    assert SECRET not in page.text  # proposals from restricted documents stay out
    hidden = registry_svc.list_proposals(app.state.store, include_restricted=True)
    assert any(p["restricted"] and p["value"] == 90 for p in hidden)  # it exists, but not for the page
    pid = int(re.search(r'action="/hospitals/proposals/(\d+)"', page.text).group(1))
    assert rita.post(f"/hospitals/proposals/{pid}", data={"decision": "accept"}).status_code == 403
    r = rita.post(f"/hospitals/proposals/{pid}", data={"decision": "reject", "note": "not a figure",
                                                       "csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert "rejected by rita" in rita.get("/hospitals/proposals", params={"status": "rejected"}).text


def test_unknown_hospital_is_a_404_page(app):
    r = _client(app, "vic").get("/hospitals/nowhere-general")
    assert r.status_code == 404 and "no hospital" in r.text
