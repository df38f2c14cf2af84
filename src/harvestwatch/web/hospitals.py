"""Registry pages: hospital list with filters and a province chart, the read-only hospital page
(the outside view: restricted sources never appear on it), its PDF brief, and proposal review."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from harvestwatch.core.errors import HarvestwatchError
from harvestwatch.services import registry as registry_svc
from harvestwatch.web import params
from harvestwatch.web.links import base_url
from harvestwatch.web.render import page
from harvestwatch.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)
BAR_WIDTH = 360


def _store(request: Request):
    return request.app.state.store


def province_chart(rows: list[dict]) -> dict:
    """Bars for the province chart (SVG drawn by the template; no script, no CDN)."""
    top = max((r["hospitals"] for r in rows), default=1) or 1
    bars = []
    for i, r in enumerate(rows):
        bars.append(r | {"y": 8 + i * 22, "w": round(BAR_WIDTH * r["hospitals"] / top, 1),
                         "wa": round(BAR_WIDTH * r["accredited"] / top, 1),
                         "wf": round(BAR_WIDTH * r["with_facts"] / top, 1)})
    return {"bars": bars, "height": 16 + 22 * len(rows), "width": BAR_WIDTH + 330}


@router.get("/hospitals")
def hospitals(request: Request, province: str = "", accredited: str = "", q: str = ""):
    user = require(request)
    st = _store(request)
    error = None
    try:
        rows = registry_svc.list_hospitals(st, province=province or None, accredited=bool(accredited),
                                           query=q or None)
    except HarvestwatchError as exc:
        rows, error = [], str(exc)
    summary = registry_svc.province_summary(st)
    return page(request, "hospitals.html", {
        "rows": rows, "province": province, "accredited": bool(accredited), "q": q, "error": error,
        "provinces": sorted(r["province"] for r in summary), "chart": province_chart(summary),
        "status": registry_svc.registry_status(st), "can_review": user["role"] != "viewer"})


@router.get("/hospitals/proposals")
def proposals(request: Request, status: str = "proposed"):
    require(request, "reviewer")
    rows = registry_svc.list_proposals(_store(request), status=None if status == "all" else status)
    return page(request, "hospital_proposals.html", {"rows": rows, "status": status})


@router.post("/hospitals/proposals/{proposal_id}")
def review(request: Request, proposal_id: params.RowId, decision: str = Form(...), note: str = Form(""),
           csrf: str = Form("")):
    user = require(request, "reviewer")
    check_csrf(request, csrf)
    registry_svc.review_proposal(_store(request), proposal_id, decision, note=note or None,
                                 actor=user["name"])
    return RedirectResponse("/hospitals/proposals", status_code=303)


@router.get("/hospitals/{hospital_id}")
def hospital(request: Request, hospital_id: str, occupancy: str = "", los: str = ""):
    require(request)
    st = _store(request)
    view = registry_svc.show_hospital(st, hospital_id, include_restricted=False)
    capacity, capacity_error = None, None
    try:
        result = registry_svc.run_capacity(
            st, hospital=view.hospital["id"], draws=20_000, seed=0,
            occupancy=registry_svc.parse_prior(occupancy, "occupancy"),
            length_of_stay=registry_svc.parse_prior(los, "length of stay"))
        capacity = result.to_dict()
    except HarvestwatchError as exc:
        capacity_error = str(exc)
    timeline = registry_svc.timeline(st, view.hospital["id"])
    return page(request, "hospital.html", {"v": view, "capacity": capacity,
                                           "capacity_error": capacity_error, "timeline": timeline,
                                           "occupancy": occupancy, "los": los})


@router.get("/hospitals/{hospital_id}/brief.pdf")
def brief(request: Request, hospital_id: str):
    user = require(request)
    from harvestwatch.report import hospital_brief

    base = base_url(request)  # the configured address, never the Host header
    pdf = hospital_brief.brief_pdf(_store(request), hospital_id, base_url=base, actor=user["name"], via="web")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{hospital_id}-brief.pdf"'})
