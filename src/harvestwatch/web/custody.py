"""Custody pages: evidence bundles of a document for cleared roles, the signed head and public key."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from harvestwatch.core.errors import NotFound
from harvestwatch.services import bundle as bundle_svc
from harvestwatch.services import custody as custody_svc
from harvestwatch.web import params
from harvestwatch.web.security import check_csrf, require

router = APIRouter()


@router.post("/documents/{doc_id}/bundle", response_class=Response,
             responses=params.file_responses("application/zip", "The evidence bundle (ZIP).",
                                             400, 403, 404, 422))
def document_bundle(request: Request, doc_id: params.RowId, csrf: str = Form("")):
    """A self-contained evidence bundle of one document (cleared roles; the export is a ledger entry)."""
    user = require(request, "investigator")
    check_csrf(request, csrf)
    store = request.app.state.store
    with tempfile.TemporaryDirectory(prefix="hw-bundle-") as tmp:
        out = Path(tmp) / f"document-{doc_id}-bundle.zip"
        bundle_svc.export_bundle(store, [str(doc_id)], out, include_restricted=True, via="web",
                                 role=user["role"], actor=user["name"])
        data = out.read_bytes()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="document-{doc_id}-bundle.zip"'})


@router.get("/custody/head.json", response_class=Response,
            responses=params.file_responses("application/json", "The latest signed tree head.", 404))
def head_json(request: Request):
    """The latest signed tree head, to publish or keep (verify --against)."""
    require(request)
    head = custody_svc.latest_head(request.app.state.store)
    if head is None:
        raise NotFound("no signed tree head yet")
    return Response(json.dumps(head.to_dict(), indent=2) + "\n", media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="HEAD.json"'})


@router.get("/custody/key.pem", response_class=Response,
            responses=params.file_responses("application/x-pem-file", "The Ed25519 public key (PEM)."))
def key_pem(request: Request):
    """The store's Ed25519 public key (PEM)."""
    require(request)
    key = custody_svc.public_key(request.app.state.store)
    return Response(key["pem"], media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="harvestwatch-key.pem"'})
