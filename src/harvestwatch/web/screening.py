"""Screening pages: a reviewer's blind queue, the conflict queue, agreement, stopping rule, PRISMA."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from harvestwatch.core.errors import NotFound
from harvestwatch.services import screen as screen_svc
from harvestwatch.web.render import page
from harvestwatch.web.security import check_csrf, require

router = APIRouter(include_in_schema=False)


def _back(project: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/screening?project={quote(project)}{anchor}", status_code=303)


@router.get("/screening")
def screening(request: Request, project: str = "default", rule: str = ""):
    user = require(request, "reviewer")
    st = request.app.state.store
    try:
        queue = screen_svc.review_queue(st, project=project, limit=15, reviewer=user["name"])
    except NotFound:
        queue = []
    ctx = {"queue": queue, "project": project, "rule": rule, "user_name": user["name"],
           "flags": screen_svc.flags(st, project=project, rule=rule or None)[:200],
           "decisions": screen_svc.DECISIONS, "reasons": screen_svc.reasons(),
           "conflicts": screen_svc.conflicts(st, project=project),
           "agreement": _agreement_rows(screen_svc.agreement(st, project=project)),
           "settings": screen_svc.project_settings(st, project=project),
           "stopping": screen_svc.stopping(st, project=project, viewer=user["name"]) if queue else None,
           "prisma": screen_svc.prisma(st, project=project).to_dict(),
           "duplicates": screen_svc.duplicates(st, project=project)[:100],
           "projects": screen_svc.projects(st)}
    return page(request, "screening.html", ctx)


def _agreement_rows(ag: dict) -> list[tuple[str, object]]:
    return [("all pairs", ag["overall"])] + [(" + ".join(p["reviewers"]), p["kappa"]) for p in ag["pairs"]]


@router.post("/screening/decide")
def screening_decide(request: Request, record_id: str = Form(...), decision: str = Form(...),
                     project: str = Form("default"), reason: str = Form(""), note: str = Form(""),
                     csrf: str = Form("")):
    user = require(request, "reviewer")
    check_csrf(request, csrf)
    screen_svc.decide(request.app.state.store, record_id, decision, project=project, reason=reason or None,
                      note=note or None, actor=user["name"])
    return _back(project)


@router.post("/screening/resolve")
def screening_resolve(request: Request, record_id: str = Form(...), decision: str = Form(...),
                      project: str = Form("default"), reason: str = Form(""), note: str = Form(""),
                      consensus: str = Form(""), csrf: str = Form("")):
    user = require(request, "reviewer")
    check_csrf(request, csrf)
    screen_svc.resolve(request.app.state.store, record_id, decision, project=project, reason=reason or None,
                       note=note or None, consensus=bool(consensus), actor=user["name"])
    return _back(project, "#conflicts")


@router.get("/screening/prisma.svg")
def screening_prisma(request: Request, project: str = "default"):
    require(request, "reviewer")
    svg = screen_svc.prisma_svg(request.app.state.store, project=project)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="prisma-{quote(project)}.svg"'})
