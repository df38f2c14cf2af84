"""Role × route matrix: no trace of a restricted document reaches a role without clearance.

A store holds public documents and one restricted testimony whose words, file name, title,
hashes and extracted names are unique. Every route the app serves (the OpenAPI ones and the
pages left out of it) is requested as admin, investigator, reviewer, viewer and anonymous,
with its path parameters pointed at the restricted document and at a public one, without and
with probing query values; every same-site link on the pages reached is followed once; the
POST forms that are safe to send (verify, report build, bundle, review of a restricted item)
are sent with a valid CSRF token. For reviewer, viewer and anonymous, no body or header may
hold a unique word, the file name, a hash or hash prefix, or a link or JSON reference to the
restricted document's id or items. For cleared roles the same probes must find it (so the
matrix can fail).
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient

from harvestwatch.core.config import Settings
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from tests.web.conftest import PASSWORD, app_routes, csrf_of, login

UNIQUE = ("Marblewing", "Quorvath", "Zephyrine", "Okonkwo-Lindqvist")
FILE_NAME = "marblewing-dossier-7Q.txt"
SECRET_TEXT = (
    "Marblewing dossier: testimony from Quorvath detention centre.\n\n"
    "The guard Zephyrine Okonkwo-Lindqvist said that 43 prisoners were blood-tested in 2006 "
    "and that their organs were taken at Quorvath. Zephyrine Okonkwo-Lindqvist told the "
    "investigators the hospital said kidneys were available within two weeks.")
PUBLIC_TEXT = ("Tianjin First Central Hospital advertised liver transplants with a waiting time "
               "of two weeks in 2006, the report by David Matas said.")
ROLES = {"admin": "ada", "investigator": "ivan", "reviewer": "rita", "viewer": "vic", None: None}
CLEARED = ("admin", "investigator")
SKIP = {"/api/docs", "/docs/oauth2-redirect", "/logout", "/healthz"}
MAX_LINKS = 120  # links followed per role, beyond the routes themselves
SLOW = ("/analyses", "/hospitals/1/brief.pdf")  # seconds each, and no document data: viewer only


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    public = root / "tianjin-waiting-times.txt"
    public.write_text(PUBLIC_TEXT)
    store_svc.ingest(store, [str(public)], kind="news", tags=["open"])
    secret = root / FILE_NAME
    secret.write_text(SECRET_TEXT)
    report = store_svc.ingest(store, [str(secret)], kind="testimony", tags=["open", "marblewing-case"],
                              restricted=True)  # its own tag must not show in tag lists or facets
    rid = report.document_ids[0]
    for role, name in ROLES.items():
        if name:
            users_svc.add_user(store, name, role, PASSWORD)
    doc = store_svc.show_document(store, rid, include_restricted=True)
    items = store_svc.document_items(store, rid)
    entity = next(i for i in items if i["item_type"] == "entity" and "Zephyrine" in (i["canonical"] or i["text"]))
    public_id = store_svc.browse_documents(store, limit=1)[0][0].document_id
    facts = {"rid": rid, "public_id": public_id, "sha": doc["sha256"], "source_sha": doc["source_sha256"],
             "title": doc["title"], "items": [i["id"] for i in items],
             "entity": (entity["label"], entity["canonical"] or entity["text"])}
    return create_app(settings), facts


def _secrets(facts) -> tuple[list[str], list[re.Pattern]]:
    words = [*UNIQUE, FILE_NAME, FILE_NAME.rsplit(".", 1)[0]]
    if facts["title"]:
        words.append(facts["title"])
    for sha in {facts["sha"], facts["source_sha"]}:
        words += [sha, sha[:12], sha[:16]]
    rid = facts["rid"]
    refs = [rf'(href|action|src)="/(api/)?documents/{rid}(?![0-9])',
            rf'"(document_id|doc_id)":\s*{rid}(?![0-9])', rf'[?&]doc={rid}(?![0-9])']
    refs += [rf'/review/{i}(?![0-9])|data-item="{i}"' for i in facts["items"]]
    return words, [re.compile(p) for p in refs]


def _leaks(response, words, refs, sent: str = "") -> list[str]:
    """Secrets in the body or headers of ``response``, apart from what the request itself
    sent (a search box or a "no such entity" message echoing the query is not a leak)."""
    text = response.content.decode("utf-8", "replace") + "\n" + "\n".join(
        f"{k}: {v}" for k, v in response.headers.items())
    sent = unquote(sent)
    path = sent.split("?")[0]
    for echo in {path, quote(path), quote(path, safe="")} - {"", "/"}:
        text = text.replace(echo, "")
    low, sent_low = text.lower(), sent.lower()
    found = [w for w in words if w.lower() in low and w.lower() not in sent_low]
    found += [p.pattern for p in refs if p.search(text)]
    return found


def _client(app, role) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    if role:
        assert login(client, ROLES[role]).status_code == 303
    return client


def _get_urls(app, facts) -> list[str]:
    """Each GET route with its path parameters aimed at the restricted and a public document,
    without and with probing query values."""
    label, name = facts["entity"]
    path_values = {"doc_id": [facts["rid"], facts["public_id"]], "number": [1], "label": [label],
                   "name": [name], "item_id": facts["items"][:2] or [1], "job_id": ["0" * 32],
                   "key": ["0" * 16], "fmt": ["html"]}
    probe = {"q": UNIQUE[0], "entity": name, "doc": facts["rid"], "type": label, "hl": "0-20",
             "kind": "testimony", "tag": "open", "status": "all"}
    urls = []
    for route in app_routes(app):
        if "GET" not in route.methods or route.path in SKIP:
            continue
        paths = [route.path]
        for p in route.dependant.path_params:
            paths = [u.replace("{" + p.name + "}", str(v)) for u in paths
                     for v in path_values.get(p.name, [1])]
        queries = [""]
        asked = {p.name for p in route.dependant.query_params}
        if asked & probe.keys():
            queries.append("?" + "&".join(f"{k}={v}" for k, v in probe.items() if k in asked))
        elif "q" in asked:
            queries.append(f"?q={UNIQUE[0]}")
        urls += [p + q for p in paths for q in queries]
    return urls


def _walk_role(app, client, facts, role) -> tuple[int, dict[str, list[str]], str]:
    """GET every route URL and every same-site link reached; returns (requests, leaks, all text)."""
    words, refs = _secrets(facts)
    seen: set[str] = set()
    queue = _get_urls(app, facts)
    leaks: dict[str, list[str]] = {}
    followed = 0
    corpus = []
    while queue:
        url = queue.pop(0)
        if url in seen or (url.startswith(SLOW) and role != "viewer"):
            continue
        seen.add(url)
        r = client.get(url, follow_redirects=False)
        assert r.status_code < 500, f"{role} GET {url}: {r.status_code}"
        corpus.append(r.content.decode("utf-8", "replace"))
        if found := _leaks(r, words, refs, url):
            leaks[url] = found
        if "text/html" in r.headers.get("content-type", "") and followed < MAX_LINKS:
            for link in re.findall(r'href="(/[^"#]*)"', r.text):
                link = link.replace("&amp;", "&")
                if link.startswith(("/static", "//")) or link in seen or link in SKIP:
                    continue
                followed += 1
                queue.append(link)
    return len(seen), leaks, "\n".join(corpus)


def _posts(client, facts, role) -> tuple[int, dict[str, list[str]], str]:
    """The POST forms safe to send, with a valid CSRF token, as ``role``."""
    words, refs = _secrets(facts)
    token = csrf_of(client.get("/").text) if role else "x"
    leaks, texts, n = {}, [], 0

    def check(label, r):
        nonlocal n
        n += 1
        assert r.status_code < 500, f"{role} {label}: {r.status_code}"
        texts.append(r.content.decode("utf-8", "replace"))
        if found := _leaks(r, words, refs, label.split(" ", 1)[1]):
            leaks[label] = found

    rid = facts["rid"]
    check("POST /custody/verify", client.post("/custody/verify", data={"csrf": token}))
    check("GET / after verify", client.get("/", follow_redirects=False))
    check(f"POST /documents/{rid}/bundle", client.post(f"/documents/{rid}/bundle", data={"csrf": token},
                                                        follow_redirects=False))
    for item in facts["items"][:3]:
        check(f"POST /review/{item}", client.post(f"/review/{item}", data={
            "csrf": token, "decision": "confirm", "back": "/review"}, follow_redirects=False))
        check(f"POST /api/review/{item}", client.post(f"/api/review/{item}", json={"decision": "confirm"},
                                                      headers={"X-CSRF-Token": token}))
    r = client.post("/reports", data={"csrf": token, "format": "html", "tag": ""}, follow_redirects=False)
    check("POST /reports", r)
    if r.status_code == 303 and role not in (None, "admin"):  # admin: the investigator's brief
        job_url = r.headers["location"]
        for _ in range(600):
            job = client.get(job_url)
            if "report-download" in job.text or "could not be built" in job.text:
                break
            time.sleep(0.1)
        check(f"GET {job_url}", job)
        link = re.search(r'id="report-download" href="([^"]+)"', job.text)
        assert link, f"{role}: the report was not built: {job.text[-500:]}"
        check(f"GET {link.group(1)}", client.get(link.group(1)))
    return n, leaks, "\n".join(texts)


def test_no_restricted_trace_for_roles_without_clearance(matrix_app):
    app, facts = matrix_app
    total, report = 0, {}
    for role in ROLES:
        client = _client(app, role)
        n, leaks, text = _walk_role(app, client, facts, role)
        m, post_leaks, post_text = _posts(client, facts, role)
        total += n + m
        leaks |= post_leaks
        if role in CLEARED:  # the probes reach it for cleared roles, so they would catch a leak
            assert leaks, f"{role}: the restricted document was found nowhere; the probes are broken"
            assert "Zephyrine" in text and any(p in text for p in (facts["sha"][:12], facts["sha"][:16]))
        else:
            if m := re.search(r".{0,60}\d+ restricted (document|source).{0,30}", text + post_text):
                leaks["count of restricted documents left out"] = [m.group(0)]
            report[role or "anonymous"] = leaks
    print(f"\nrole x route matrix: {total} requests over {len(ROLES)} roles")
    assert not any(report.values()), "restricted traces:\n" + "\n".join(
        f"  {role}: {url} -> {found}" for role, leaks in report.items() for url, found in leaks.items())


def test_verify_problem_lines_only_for_cleared_roles(tmp_path):
    """A verify problem about a restricted document is listed to cleared roles; the others see
    only that verify found problems."""
    settings = Settings(store_dir=tmp_path / "store", actor="setup")
    store = store_svc.open(settings)
    secret = tmp_path / FILE_NAME
    secret.write_text(SECRET_TEXT)
    rid = store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True,
                           extract=False).document_ids[0]
    sha = store_svc.show_document(store, rid, include_restricted=True)["sha256"]
    for role, name in ROLES.items():
        if name:
            users_svc.add_user(store, name, role, PASSWORD)
    with store.engine.begin() as conn:  # tamper with the restricted row behind the ledger's back
        conn.exec_driver_sql("UPDATE documents SET kind = 'news' WHERE id = ?", (rid,))
    app = create_app(settings)
    rita = _client(app, "reviewer")
    r = rita.post("/custody/verify", data={"csrf": csrf_of(rita.get("/").text)}, follow_redirects=False)
    assert r.status_code == 303
    for role in ("admin", "investigator", "reviewer", "viewer"):
        html = _client(app, role).get("/").text
        assert 'id="last-verify"' in html and "problem(s)" in html
        shown = sha[:12] in html or f"document {rid} " in html
        assert shown == (role in CLEARED), f"{role}: problem lines shown={shown}"
