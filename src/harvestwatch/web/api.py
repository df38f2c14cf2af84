"""JSON API under /api, with the same permissions as the pages (session cookie + CSRF header)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from harvestwatch.services import analysis as analysis_svc
from harvestwatch.services import extract as extract_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web import params
from harvestwatch.web.params import API_ERRORS
from harvestwatch.web.security import check_csrf, is_cleared, require

router = APIRouter(prefix="/api", tags=["api"], responses=API_ERRORS)


class Decision(BaseModel):
    decision: Literal["confirm", "reject"]
    note: str | None = Field(None, max_length=2000)


@router.get("/search")
def api_search(request: Request, q: params.SearchText, kind: str | None = None,
               lang: str | None = None, tag: str | None = None, since: params.DateBound = None,
               until: params.DateBound = None, entity: str | None = None,
               limit: params.SearchLimit = 20, offset: params.Offset = 0) -> dict:
    user = require(request, api=True)
    found = store_svc.search_page(
        request.app.state.store, params.clean_text(q), kind=kind, language=lang,
        tag=params.clean_text(tag) or None, since=since, until=until,
        entity=params.clean_text(entity) or None, include_restricted=is_cleared(user),
        limit=limit, offset=offset)
    return {"total": found.total, "hits": [h.to_dict() for h in found.hits],
            "facets": found.facets.to_dict()}


@router.get("/documents/{doc_id}")
def api_document(request: Request, doc_id: params.RowId) -> dict:
    user = require(request, api=True)
    st = request.app.state.store
    doc = store_svc.show_document(st, doc_id, include_restricted=is_cleared(user), actor=user["name"],
                                  via="api")
    doc["extracted_items"] = store_svc.document_items(st, doc_id)
    return doc


@router.get("/entities")
def api_entities(request: Request, type: str | None = None, limit: params.ListLimit = 200,
                 offset: params.Offset = 0) -> list[dict]:
    user = require(request, api=True)
    return extract_svc.list_entities(request.app.state.store, label=type, limit=limit, offset=offset,
                                     include_restricted=is_cleared(user))


@router.get("/claims")
def api_claims(request: Request, kind: str | None = None, doc: params.DocFilter = None,
               limit: params.ListLimit = 500, offset: params.Offset = 0) -> list[dict]:
    user = require(request, api=True)
    return [i.to_dict() for i in extract_svc.list_claims(
        request.app.state.store, kind=kind, document=doc, limit=limit, offset=offset,
        include_restricted=is_cleared(user))]


@router.get("/corroboration")
def api_corroboration(request: Request, min_sources: params.PageNo = 1, limit: params.ListLimit = 100,
                      offset: params.Offset = 0) -> list[dict]:
    """Claim clusters, best supported first, paged (links exclude restricted documents)."""
    require(request, api=True)
    from harvestwatch.services import link as link_svc

    return link_svc.corroboration(request.app.state.store, min_sources=min_sources, limit=limit,
                                  offset=offset)


@router.get("/contradictions")
def api_contradictions(request: Request, limit: params.ListLimit = 100,
                       offset: params.Offset = 0) -> list[dict]:
    require(request, api=True)
    from harvestwatch.services import link as link_svc

    return link_svc.contradictions(request.app.state.store, limit=limit, offset=offset)


@router.get("/summary")
def api_summary(request: Request) -> dict:
    user = require(request, api=True)
    return store_svc.store_summary(request.app.state.store, include_restricted=is_cleared(user))


@router.get("/analyses/integrity")
def api_integrity(request: Request, dataset: str) -> dict:
    require(request, api=True)
    return analysis_svc.run_integrity(dataset, store=request.app.state.store).to_dict()


@router.post("/review/{item_id}")
def api_review(request: Request, item_id: params.RowId, body: Decision,
               x_csrf_token: str | None = Header(None)) -> dict:
    user = require(request, "reviewer", api=True)
    check_csrf(request, x_csrf_token)
    return users_svc.review_item(request.app.state.store, item_id, body.decision, user=user["name"],
                                 role=user["role"], note=body.note)
