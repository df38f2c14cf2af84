"""Hostile but well-formed input gets a clear 4xx or works, never a 500 or a broken header:
download names (Chinese, newline, quote), upload names (``..``, paths), numeric bounds beyond
64 bits and negative, NUL and control characters in queries, links only to http(s) URLs,
links from the configured base URL rather than the Host header."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from harvestwatch.core.config import Settings
from harvestwatch.core.errors import ConfigError
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from harvestwatch.web.links import attachment, check_base_url, safe_href
from tests.web.conftest import PASSWORD, app_routes, csrf_of, login

BIG = str(2**64)
HUGE = "9" * 40
NAMES = {"器官移植报告.txt": "器官移植报告.txt", 'bad\nname"; x=1.txt': 'badname"; x=1.txt',
         "..": "upload-3", "../../etc/passwd": "passwd", "C:\\Users\\x\\note.txt": "note.txt"}


def _warc(uri: str) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    body = b"<html><head><title>Captured page</title></head><body><p>A captured page about " \
           b"transplant waiting times at a hospital in 2006.</p></body></html>"
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    writer = WARCWriter(out, gzip=False)
    writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                  http_headers=http))
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("no500")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    uploads = [(name, f"Upload {i}: a note about organ transplant waiting times.".encode())
               for i, name in enumerate(NAMES)]
    uploads.append(("capture.warc", _warc("javascript:alert(document.cookie)")))
    report = ingest_svc.ingest_uploads(store, uploads, kind="news")
    ids = {r.input: r.document_ids[0] for r in report.results}
    users_svc.add_user(store, "ivan", "investigator", PASSWORD)
    users_svc.add_user(store, "vic", "viewer", PASSWORD)
    app = create_app(settings, base_url="https://hw.example.org/")
    ivan = TestClient(app, raise_server_exceptions=False)
    assert login(ivan, "ivan").status_code == 303
    return app, store, ids, ivan


def test_uploads_are_recorded_under_their_clean_original_name(hostile):
    _, store, ids, _ = hostile
    assert sorted(ids) == sorted([*NAMES.values(), "capture.warc"])
    for doc_id in ids.values():
        source = store_svc.show_document(store, doc_id)["source"]
        assert "hw-upload" not in source and "/tmp" not in source and "/" not in source


@pytest.mark.parametrize("sent,stored", list(NAMES.items()))
def test_original_downloads_with_rfc5987_name(hostile, sent, stored):
    _, _, ids, ivan = hostile
    r = ivan.get(f"/documents/{ids[stored]}/original")
    assert r.status_code == 200 and r.content.startswith(b"Upload ")
    header = r.headers["content-disposition"]
    assert "\n" not in header and "\r" not in header
    plain = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'(\S+)', header)
    assert plain, header
    assert unquote(plain.group(2)) == stored
    assert plain.group(1).isascii()


def test_attachment_header_values():
    assert attachment("器官移植报告.txt") == (
        "attachment; filename=\"download.txt\"; filename*=UTF-8''"
        "%E5%99%A8%E5%AE%98%E7%A7%BB%E6%A4%8D%E6%8A%A5%E5%91%8A.txt")
    assert attachment('a"b\r\nc;d.pdf') == "attachment; filename=\"a_bc_d.pdf\"; filename*=UTF-8''a%22bc%3Bd.pdf"
    assert attachment("..", fallback="3f2a") == "attachment; filename=\"3f2a\"; filename*=UTF-8''3f2a"


def test_web_upload_named_dotdot_or_with_path_parts(hostile):
    app, _, _, ivan = hostile
    r = ivan.post("/ingest", data={"csrf": csrf_of(ivan.get("/ingest").text), "kind": "news"},
                  files=[("files", ("..", b"Dot-dot upload about a hospital.", "text/plain")),
                         ("files", ("x/../../y/z.txt", b"Path upload about a hospital.", "text/plain"))])
    assert r.status_code == 200
    cells = re.findall(r"<td>([^<]*)</td>", r.text)
    assert "upload-1" in cells and "z.txt" in cells and "stored" in cells


@pytest.mark.parametrize("url", [
    f"/api/search?q=organ&limit={BIG}", "/api/search?q=organ&limit=-1", "/api/search?q=organ&limit=0",
    "/api/search?q=organ&limit=101", f"/api/search?q=organ&offset={HUGE}", "/api/search?q=organ&offset=-1",
    "/api/search?q=organ&since=2006-13-45x", f"/api/documents/{BIG}", "/api/documents/-1",
    "/api/documents/0", f"/api/claims?doc={BIG}", "/api/claims?doc=-5", "/api/claims?limit=-1",
    f"/api/entities?limit={HUGE}", "/api/entities?limit=-1", "/api/search?q=" + "x" * 1001,
    f"/documents/{BIG}", f"/documents/{HUGE}/original", f"/documents/1/pages/{BIG}.png",
    "/documents/-1/pages/1.png", f"/search?q=organ&page_no={BIG}", "/search?q=organ&page_no=-1",
    "/search?q=organ&page_no=0", "/documents/abc"])
def test_out_of_range_numbers_are_422_not_500(hostile, url):
    _, _, _, ivan = hostile
    r = ivan.get(url)
    assert r.status_code == 422, (url, r.status_code, r.text[:300])
    if url.startswith("/api/"):
        assert r.json()["detail"]
    else:  # a page: the error page with one line naming the parameter, no traceback
        assert "Traceback" not in r.text and re.search(r"(limit|doc_id|number|page_no|offset)", r.text)


def test_limit_minus_one_does_not_return_everything(hostile):
    _, _, _, ivan = hostile
    assert ivan.get("/api/entities", params={"limit": -1}).status_code == 422
    assert ivan.get("/api/search", params={"q": "transplant", "limit": 100}).status_code == 200


@pytest.mark.parametrize("q", ["organ\x00", "\x00", "organ\x01\x1b[31m", "\x7f\x9f"])
def test_nul_and_control_characters_in_queries(hostile, q):
    _, _, _, ivan = hostile
    r = ivan.get("/api/search", params={"q": q, "entity": q, "tag": q})
    assert r.status_code == 200, r.text[:300]
    assert ivan.get("/search", params={"q": q}).status_code == 200
    assert ivan.get("/search", params={"q": "organ", "tag": q}).status_code == 200


def test_method_not_allowed_keeps_allow_header(hostile):
    _, _, _, ivan = hostile
    r = ivan.delete("/api/summary")
    assert r.status_code == 405 and "GET" in r.headers["allow"]


def test_javascript_target_uri_is_never_a_link(hostile):
    _, store, ids, ivan = hostile
    doc_id = ids["capture.warc"]
    assert store_svc.show_document(store, doc_id)["url"].startswith("javascript:")
    html = ivan.get(f"/documents/{doc_id}").text
    assert "javascript:alert" in html  # shown as text
    assert not re.search(r'href="\s*javascript:', html, re.I)


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/a?b=1", True), ("http://example.org", True), ("javascript:alert(1)", False),
    (" JAVASCRIPT:alert(1)", False), ("data:text/html,<script>", False), ("//evil.example/x", False),
    ("vbscript:x", False), ("http:evil", False), ("https://exa mple.org", False), ("", False), (None, False)])
def test_safe_href(url, ok):
    assert (safe_href(url) is not None) == ok


def test_base_url_is_configured_not_taken_from_host(hostile, monkeypatch):
    app, *_ = hostile
    assert app.state.base_url == "https://hw.example.org"
    for bad in ("ftp://x.org", "https://", "https://x.org/?q=1", "x.org"):
        with pytest.raises(ConfigError):
            check_base_url(bad)
    monkeypatch.setenv("HARVESTWATCH_BASE_URL", "https://env.example.org/hw/")
    from harvestwatch.web.links import configured_base_url

    assert configured_base_url() == "https://env.example.org/hw"
    assert configured_base_url("http://127.0.0.1:9000") == "http://127.0.0.1:9000"


def test_report_links_use_the_base_url_not_the_host_header(hostile):
    _, _, _, ivan = hostile
    r = ivan.post("/reports", data={"csrf": csrf_of(ivan.get("/").text), "format": "html"},
                  headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 303
    for _ in range(600):
        job = ivan.get(r.headers["location"]).text
        if "report-download" in job or "could not be built" in job:
            break
        time.sleep(0.1)
    brief = ivan.get(re.search(r'id="report-download" href="([^"]+)"', job).group(1)).text
    assert "https://hw.example.org/documents/" in brief and "evil.example" not in brief


SLOW = ("/analyses",)  # seconds per request; its numbers are covered by the analyses tests


def test_every_numeric_parameter_of_every_route_refuses_without_a_500(hostile):
    app, _, _, ivan = hostile
    tried = 0
    for route in app_routes(app):
        if "GET" not in route.methods or route.path.startswith(SLOW):
            continue
        d = route.dependant
        for p in d.query_params + d.path_params:
            if not re.search(r"\b(int|float)\b", str(p.field_info.annotation)):
                continue
            for value in (BIG, HUGE, "-1", "nan", "-inf", "1e400"):
                path = route.path
                for other in d.path_params:
                    path = path.replace("{" + other.name + "}", value if other is p else "1")
                url = path if p in d.path_params else f"{path}?{p.name}={value}"
                r = ivan.get(url, follow_redirects=False)
                assert r.status_code < 500, (url, r.status_code, r.text[:300])
                tried += 1
    assert tried >= 60


def test_numeric_path_parameters_of_forms_refuse_without_a_500(hostile):
    app, _, _, ivan = hostile
    token = csrf_of(ivan.get("/").text)
    tried = 0
    for route in app_routes(app):
        if "POST" not in route.methods or not route.dependant.path_params:
            continue
        for value in (BIG, "-1"):
            path = route.path
            for p in route.dependant.path_params:
                path = path.replace("{" + p.name + "}", value)
            r = ivan.post(path, data={"csrf": token, "decision": "confirm"}, follow_redirects=False,
                          headers={"X-CSRF-Token": token})
            assert r.status_code < 500, (path, r.status_code, r.text[:300])
            tried += 1
    assert tried >= 6
