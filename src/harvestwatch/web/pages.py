"""HTML pages of the workbench; each parses input, calls a service function and renders."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from harvestwatch.core.errors import NotFound
from harvestwatch.services import analysis as analysis_svc
from harvestwatch.services import extract as extract_svc
from harvestwatch.services import ftm as ftm_svc
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.services import sessions as sessions_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.services.extract import ENTITY_LABELS
from harvestwatch.services.ingest import KINDS
from harvestwatch.web import params
from harvestwatch.web.highlight import render
from harvestwatch.web.links import attachment
from harvestwatch.web.render import page
from harvestwatch.web.security import (
    SESSION_COOKIE,
    check_csrf,
    clear_session_cookie,
    client_address,
    is_cleared,
    now,
    require,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)


def _script_json(obj) -> Markup:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end or bend it."""
    raw = json.dumps(obj, ensure_ascii=False)
    return Markup(raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
PAGE_SIZE = 20


def _store(request: Request):
    return request.app.state.store


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return page(request, "login.html", {"next": next if next.startswith("/") else "/", "error": None})


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...),
          csrf: str = Form(""), next: str = Form("/")):
    """Log in: limited per (name, address) and per address, accounts lock with backoff."""
    check_csrf(request, csrf)
    address = client_address(request)
    limiter = request.app.state.limiter
    too_many = page(request, "login.html", {"next": next, "error": "Too many failed attempts; "
                                            "wait a few minutes and try again."}, status=429)
    if limiter.blocked(username, address):
        return too_many
    result = sessions_svc.login(_store(request), username, password, now=now(request), address=address)
    if result.status == "locked":
        too_many.headers["Retry-After"] = str(result.retry_after)
        return too_many
    if result.status != "ok":
        limiter.fail(username, address)
        return page(request, "login.html", {"next": next, "error": "Wrong name or password."},
                    status=401)
    limiter.reset(username, address)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, result.token)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    """End the session on the server (a copied cookie stops working) and drop the cookie."""
    check_csrf(request, csrf)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sessions_svc.logout(_store(request), token, now=now(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/")
def dashboard(request: Request):
    user = require(request)
    st = _store(request)
    cleared = is_cleared(user)
    summary = store_svc.store_summary(st, include_restricted=cleared)
    recent = store_svc.recent_ingests(st, include_restricted=cleared, limit=10)
    verify = getattr(request.app.state, "last_verify", None)
    if verify and not cleared:  # problem lines name files and hashes, restricted ones included
        verify = {k: v for k, v in verify.items() if k != "problems"}
    return page(request, "dashboard.html", {"summary": summary, "recent": recent, "verify": verify,
                                            "checkpoint": store_svc.latest_checkpoint(st)})


@router.post("/custody/verify")
def custody_verify(request: Request, csrf: str = Form("")):
    user = require(request, "reviewer")
    check_csrf(request, csrf)
    st = _store(request)
    report = store_svc.verify(st, actor=user["name"], via="web")
    lines = report.problems + report.incomplete
    request.app.state.last_verify = {"ok": report.ok, "problems": lines, "count": len(lines),
                                     "actor": user["name"],
                                     "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}
    store_svc.checkpoint(st)
    return RedirectResponse("/", status_code=303)


@router.get("/search")
def search(request: Request, q: params.SearchText = "", kind: str = "", lang: str = "", tag: str = "",
           since: str = "", until: str = "", entity: str = "", page_no: params.PageNo = 1):
    user = require(request)
    q, entity, tag = params.clean_text(q), params.clean_text(entity), params.clean_text(tag)
    hits, total, facets = [], 0, None
    if not q.strip() and (kind or lang or tag or since or until):  # browse by filters alone
        hits, total = store_svc.browse_documents(
            _store(request), kind=kind or None, language=lang or None, tag=tag or None,
            since=since or None, until=until or None, include_restricted=is_cleared(user),
            limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    elif q.strip():
        found = store_svc.search_page(
            _store(request), q, kind=kind or None, language=lang or None, tag=tag or None,
            since=since or None, until=until or None, entity=entity or None,
            include_restricted=is_cleared(user), limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        hits, total, facets = found.hits, found.total, found.facets.to_dict()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return page(request, "search.html", {
        "q": q, "kind": kind, "lang": lang, "tag": tag, "since": since, "until": until,
        "entity": entity, "hits": hits, "total": total, "page_no": page_no, "pages": pages,
        "pager": _pager(page_no, pages), "facets": facets, "kinds": KINDS})


def _pager(current: int, pages: int, around: int = 3) -> list[int | None]:
    """Page numbers to link: the first, the last and a window around the current one;
    ``None`` marks a gap."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@router.get("/documents/{doc_id}")
def document(request: Request, doc_id: params.RowId, hl: str = ""):
    user = require(request)
    st = _store(request)
    doc = store_svc.show_document(st, doc_id, include_restricted=is_cleared(user), actor=user["name"],
                                  via="web")
    items = store_svc.document_items(st, doc_id)
    extra = None
    if hl and "-" in hl:
        a, _, b = hl.partition("-")
        if a.isdigit() and b.isdigit() and len(a) < 12 and len(b) < 12:
            extra = (int(a), int(b))
    decisions = users_svc.decisions_for(st, [i["id"] for i in items])
    ocr = ingest_svc.ocr_pages(st, doc_id)
    return page(request, "document.html", {
        "family": ingest_svc.family(st, doc_id, include_restricted=is_cleared(user)),
        "ocr": ocr, "ocr_meta": doc["metadata"].get("ocr"),
        "ocr_hit": ingest_svc.ocr_boxes(ocr, *extra) if ocr and extra else None,
        "doc": doc, "body": render(doc["text"], items, extra), "items": items,
        "items_json": _script_json({i["id"]: i for i in items}),
        "stances": [i for i in items if i["item_type"] == "stance"],
        "decisions": decisions})


@router.get("/documents/{doc_id}/pages/{number}.png")
def page_image(request: Request, doc_id: params.RowId, number: params.PageNumber):
    user = require(request)
    data = ingest_svc.page_image(_store(request), doc_id, number, include_restricted=is_cleared(user))
    return Response(data, media_type="image/png")


@router.get("/documents/{doc_id}/original")
def original(request: Request, doc_id: params.RowId):
    user = require(request)
    meta, data = store_svc.original_bytes(_store(request), doc_id, include_restricted=is_cleared(user),
                                          actor=user["name"], via="web")
    name = meta["source"].split("?")[0].split("#")[0].replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": attachment(name, fallback=meta["sha256"][:16])})


@router.get("/entities")
def entities(request: Request, type: str = ""):
    user = require(request)
    rows = extract_svc.list_entities(_store(request), label=type or None,
                                     include_restricted=is_cleared(user))
    imported, n_imported = ftm_svc.imported_entities(_store(request), limit=200)  # FtM imports
    return page(request, "entities.html", {"rows": rows, "type": type, "labels": ENTITY_LABELS,
                                           "imported": imported, "n_imported": n_imported})


@router.get("/entities/{label}/{name}")
def entity(request: Request, label: str, name: str):
    user = require(request)
    mentions = store_svc.entity_mentions(_store(request), label, name,
                                         include_restricted=is_cleared(user))
    if not mentions:
        raise NotFound(f"no {label} named {name!r}")
    return page(request, "entity.html", {"label": label, "name": name, "mentions": mentions,
                                         "documents": sorted({m["document_id"] for m in mentions})})


@router.get("/claims")
def claims(request: Request, kind: str = "", doc: params.DocFilter = None, page_no: params.PageNo = 1):
    user = require(request)
    rows = extract_svc.list_claims(_store(request), kind=kind or None, document=doc,
                                   include_restricted=is_cleared(user), limit=CLAIMS_PAGE + 1,
                                   offset=(page_no - 1) * CLAIMS_PAGE)
    return page(request, "claims.html", {"rows": rows[:CLAIMS_PAGE], "kind": kind, "doc": doc,
                                         "kinds": extract_svc.CLAIM_KINDS, "page_no": page_no,
                                         "more": len(rows) > CLAIMS_PAGE})


CLAIMS_PAGE = 200  # claims per page


@router.get("/analyses")
def analyses(request: Request, dataset: str = "CN:deceased_donors", wait_days: float = 7.0,
             years: str = "", exclude_approx: bool = False, source: str = "", year: int = 2015):
    require(request)
    st = _store(request)
    results = []
    choice = {"years": years, "exclude_approx": exclude_approx, "source": source}
    for run in (lambda: analysis_svc.run_integrity(dataset, store=st,
                                                   selection=analysis_svc.make_selection(**choice)),
                lambda: analysis_svc.run_supply_gap(year=year, store=st),
                lambda: analysis_svc.run_waiting(wait_days, population="national", store=st)):
        try:
            r = run()
            results.append({"result": r.to_dict(), "svg": analysis_svc.chart_svg(r), "error": None})
        except Exception as exc:  # one failing analysis must not hide the others
            results.append({"result": None, "svg": None, "error": str(exc)})
    return page(request, "analyses.html", {"results": results, "dataset": dataset,
                                           "wait_days": wait_days, "choice": choice, "year": year,
                                           "datasets": analysis_svc.list_datasets(st)})


@router.get("/ingest")
def ingest_form(request: Request):
    require(request, "investigator")
    return page(request, "ingest.html", {"results": None, "kinds": KINDS})


@router.post("/ingest")
async def ingest(request: Request, files: list[UploadFile] | None = None, urls: str = Form(""),
                 kind: str = Form("other"), tag: str = Form(""), restricted: bool = Form(False),
                 csrf: str = Form("")):
    user = require(request, "investigator")
    check_csrf(request, csrf)
    uploads = [(f.filename, await f.read()) for f in files or [] if f.filename]
    report = ingest_svc.ingest_uploads(
        _store(request), uploads, [u.strip() for u in urls.splitlines() if u.strip()], kind=kind,
        tags=[t.strip() for t in tag.split(",") if t.strip()], restricted=restricted,
        actor=user["name"])
    results = [r.to_dict() for r in report.results]
    return page(request, "ingest.html", {"results": results, "kinds": KINDS})


@router.get("/review")
def review(request: Request):
    user = require(request, "reviewer")
    queue = users_svc.review_queue(_store(request), role=user["role"])
    return page(request, "review.html", {"queue": queue})


@router.post("/review/{item_id}")
def review_decide(request: Request, item_id: params.RowId, decision: str = Form(...), note: str = Form(""),
                  csrf: str = Form(""), back: str = Form("/review")):
    user = require(request, "reviewer")
    check_csrf(request, csrf)
    users_svc.review_item(_store(request), item_id, decision, user=user["name"], role=user["role"],
                          note=note or None)
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/review",
                            status_code=303)


LINK_PAGE = 50  # clusters (and contradictions) per corroboration page


@router.get("/corroboration")
def corroboration(request: Request, min_sources: params.PageNo = 1, page_no: params.PageNo = 1):
    require(request)
    from harvestwatch.services import link as link_svc

    st = _store(request)
    offset = (page_no - 1) * LINK_PAGE
    try:
        clusters = link_svc.corroboration(st, min_sources=min_sources, limit=LINK_PAGE + 1, offset=offset,
                                          evidence=False)  # the page links to each claim's span
        contradictions = link_svc.contradictions(st, limit=LINK_PAGE, offset=offset)
        status = link_svc.status(st)
    except NotFound:
        clusters, contradictions, status = None, [], None
    more = clusters is not None and len(clusters) > LINK_PAGE
    return page(request, "corroboration.html", {
        "clusters": clusters[:LINK_PAGE] if clusters else clusters, "contradictions": contradictions,
        "min_sources": min_sources, "status": status, "page_no": page_no, "more": more})


@router.post("/corroboration/rebuild")
def corroboration_rebuild(request: Request, csrf: str = Form("")):
    require(request, "investigator")
    check_csrf(request, csrf)
    from harvestwatch.services import link as link_svc

    link_svc.rebuild(_store(request))
    return RedirectResponse("/corroboration", status_code=303)
