"""Workbench pages and API: roles, restricted documents, CSRF, escaping, review, ingest."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from harvestwatch.services import store as store_svc
from tests.web.conftest import PASSWORD, csrf_of, login


def _restricted_id(client) -> int:
    hits = client.get("/api/search", params={"q": "Sujiatun"}).json()["hits"]
    return hits[0]["document_id"]


def test_pages_need_login(app):
    client = TestClient(app)
    r = client.get("/search?q=organ", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/search", params={"q": "organ"}).status_code == 401


def test_login_wrong_password_and_rate_limit(app):
    client = TestClient(app)
    for _ in range(5):
        assert login(client, "lim", "wrong password").status_code == 401
    assert login(client, "lim", PASSWORD).status_code == 429  # blocked even with the right one


def test_session_cookie_is_httponly_and_samesite(app):
    client = TestClient(app)
    r = login(client, "rita")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_csrf_required_on_forms(as_user):
    client = as_user("rita")
    r = client.post("/review/1", data={"decision": "confirm", "csrf": "forged"})
    assert r.status_code == 403
    r = client.post("/api/review/1", json={"decision": "confirm"})
    assert r.status_code == 403


def test_search_english_and_chinese(as_user):
    client = as_user("vic")
    html = client.get("/search", params={"q": '"Bloody Harvest"'}).text
    assert "1 document(s)" in html and "<mark>Bloody Harvest</mark>" in html
    html = client.get("/search", params={"q": "肝脏"}).text
    assert "1 document(s)" in html
    html = client.get("/search", params={"q": "organ", "entity": "David Matas"}).text
    assert "1 document(s)" in html


def test_document_page_highlights_and_escapes(as_user):
    client = as_user("vic")
    hits = client.get("/api/search", params={"q": "onerror"}).json()["hits"]
    html = client.get(f"/documents/{hits[0]['document_id']}").text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=x" not in html
    doc1 = client.get("/documents/1").text
    assert re.search(r'<mark class="hl hl-entity hl-person" id="span-\d+-\d+" data-item="\d+"', doc1)
    assert "hl-quantity" in doc1 and "hl-testimony" in doc1
    cited = client.get("/documents/1?hl=10-20").text
    assert 'id="span-10-20"' in cited and "hl-cited" in cited


def test_viewer_cannot_see_restricted_anywhere(as_user):
    ivan = as_user("ivan")
    doc_id = _restricted_id(ivan)
    assert "guard at Sujiatun" in ivan.get(f"/documents/{doc_id}").text
    vic = as_user("vic")
    assert vic.get("/api/search", params={"q": "Sujiatun"}).json()["total"] == 0
    assert "0 document(s)" in vic.get("/search", params={"q": "Sujiatun"}).text
    assert vic.get(f"/documents/{doc_id}").status_code == 404
    assert vic.get(f"/api/documents/{doc_id}").status_code == 404
    assert vic.get(f"/documents/{doc_id}/original").status_code == 404
    counts_vic = vic.get("/api/summary").json()["documents"]
    counts_ivan = ivan.get("/api/summary").json()["documents"]
    assert counts_ivan == counts_vic + 1
    claims = vic.get("/api/claims").json()
    assert all(c["document_id"] != doc_id for c in claims)
    entities = {e["name"] for e in vic.get("/api/entities").json()}
    assert "Sujiatun" not in entities


def test_restricted_view_is_logged_in_ledger(as_user, app):
    ivan = as_user("ivan")
    doc_id = _restricted_id(ivan)
    ivan.get(f"/documents/{doc_id}")
    from harvestwatch.services.store import ledger_entries

    entries = ledger_entries(app.state.store, limit=10)
    assert any(e["actor"] == "ivan" and e["action"].startswith("view") for e in entries)


def test_review_decision_is_a_ledger_entry(as_user, app):
    rita = as_user("rita")
    page = rita.get("/review").text
    item_id = int(re.search(r'action="/review/(\d+)"', page).group(1))
    r = rita.post(f"/review/{item_id}", data={"decision": "reject", "note": "wrong speaker",
                                               "csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    from harvestwatch.services.store import ledger_entries

    last = ledger_entries(app.state.store, limit=1)[0]
    assert last["action"] == "review" and last["actor"] == "rita"
    assert last["payload"]["decision"] == "reject" and last["payload"]["note"] == "wrong speaker"
    assert f'id="item-{item_id}"' not in rita.get("/review").text
    vic = as_user("vic")
    assert vic.get("/review").status_code == 403


def test_ingest_upload_reports_each_file(as_user):
    ivan = as_user("ivan")
    page = ivan.get("/ingest").text
    r = ivan.post("/ingest", data={"csrf": csrf_of(page), "kind": "ngo_report", "tag": "upload"},
                  files=[("files", ("report.txt", b"An NGO report on transplant tourism in 2016.", "text/plain")),
                         ("files", ("empty.txt", b"", "text/plain"))])
    assert r.status_code == 200
    assert "report.txt" in r.text and "stored" in r.text
    assert "empty.txt" in r.text and "empty" in r.text
    assert as_user("vic").get("/ingest", follow_redirects=False).status_code == 403


def test_pages_render(as_user):
    client = as_user("ada")
    for path in ("/", "/entities", "/entities?type=person", "/claims", "/claims?kind=denial",
                 "/analyses", "/entities/person/David Matas", "/review", "/api/openapi.json"):
        assert client.get(path).status_code == 200, path
    assert "Signed tree head:" not in client.get("/").text
    page = client.get("/").text
    client.post("/custody/verify", data={"csrf": csrf_of(page)})
    assert "Signed tree head:" in client.get("/").text


def _build_report(client, fmt: str, tag: str = "") -> str:
    """POST a build, follow its job page until done; the download link it ends with."""
    import time

    r = client.post("/reports", data={"csrf": csrf_of(client.get("/").text), "format": fmt, "tag": tag},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/reports/jobs/")
    for _ in range(600):
        job = client.get(r.headers["location"]).text
        if "report-download" in job or "could not be built" in job:
            break
        assert "<progress" in job
        time.sleep(0.1)
    return re.search(r'id="report-download" href="([^"]+)"', job).group(1)


def test_report_is_built_by_post_and_only_downloaded_by_get(as_user, app):
    from harvestwatch.services import report as report_svc

    vic = as_user("vic")
    assert vic.get("/report", params={"format": "html"}).status_code == 404  # GET builds nothing
    assert vic.post("/reports", data={"format": "html"}).status_code == 403  # no CSRF token
    link = _build_report(vic, "html")
    r = vic.get(link)
    assert r.status_code == 200 and "References" in r.text
    # a viewer's brief does not tell how many restricted documents exist (issue #18)
    assert "Sujiatun" not in r.text and "left out" not in r.text
    store = app.state.store
    entries = len(store_svc.ledger_entries(store, limit=100000))
    assert _build_report(vic, "html") == link  # cached by Merkle root + options: no rebuild, no entry
    assert len(store_svc.ledger_entries(store, limit=100000)) == entries
    assert vic.get(link).content == r.content
    ivan = as_user("ivan")
    cleared = _build_report(ivan, "html")
    assert cleared != link and "Sujiatun" in ivan.get(cleared).text
    assert vic.get(cleared).status_code == 403  # a brief with restricted sources stays with the cleared
    downloads = [e for e in store_svc.ledger_entries(store, limit=100000) if e["action"] == "download_report"]
    assert [(e["actor"], e["object_id"]) for e in downloads] == [("ivan", cleared.rsplit("/", 1)[1])]
    assert _build_report(ivan, "html") == cleared  # a download is audited without making the brief stale
    pdf = ivan.get(_build_report(ivan, "pdf"))
    assert pdf.content.startswith(b"%PDF")
    assert vic.get("/reports/0123abcd.html").status_code == 404
    assert report_svc.REPORT_ACTION in {e["action"] for e in store_svc.ledger_entries(store, limit=50)}


def test_corroboration_and_screening_pages(as_user, app):
    from pathlib import Path

    from harvestwatch.services import screen as screen_svc

    ivan = as_user("ivan")
    page = ivan.get("/corroboration").text
    ivan.post("/corroboration/rebuild", data={"csrf": csrf_of(page)})
    html = ivan.get("/corroboration").text
    assert "independent line(s) of evidence" in html and "Contradictions" in html
    assert "Sujiatun" not in html  # links leave restricted documents out
    fixtures = Path(__file__).parents[1] / "screen" / "fixtures"
    screen_svc.import_files(app.state.store, [str(fixtures / "sample.ris")])
    screen_svc.run(app.state.store)
    rita = as_user("rita")
    page = rita.get("/screening").text
    assert "dead_donor_rule" in page
    r = rita.post("/screening/decide", data={"csrf": csrf_of(page), "record_id": "R1",
                                             "decision": "flag_confirmed"}, follow_redirects=False)
    assert r.status_code == 303
    assert as_user("vic").get("/screening").status_code == 403


def test_browse_by_filters_without_a_query(as_user):
    vic = as_user("vic")
    html = vic.get("/search", params={"kind": "news"}).text
    assert "document(s)" in html and "Report: China Harvests Organs" in html
    assert "Sujiatun" not in vic.get("/search", params={"kind": "testimony"}).text
