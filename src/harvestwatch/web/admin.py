"""Admin pages: the audit of restricted views, downloads, exports and admin actions (filtered,
paged), and account management (create, role, password), each change audited by services."""

from __future__ import annotations

import math

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from harvestwatch.core.errors import HarvestwatchError
from harvestwatch.core.roles import ROLES
from harvestwatch.services import audit as audit_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web import params
from harvestwatch.web.render import page
from harvestwatch.web.security import check_csrf, now, require

router = APIRouter(prefix="/admin", include_in_schema=False)
AUDIT_PAGE = 50


@router.get("/audit")
def audit(request: Request, user: str = "", action: str = "", since: params.DateBound = None,
          until: params.DateBound = None, object: params.SearchText = "", page_no: params.PageNo = 1):
    """Every audited event, newest first; filters by user, action, date range and object."""
    require(request, "admin")
    filters = {"user": user.strip(), "action": action.strip(), "since": since or "",
               "until": until or "", "object": params.clean_text(object).strip()}
    st = request.app.state.store
    found = audit_svc.events(st, user=filters["user"] or None, action=filters["action"] or None,
                             since=filters["since"] or None, until=filters["until"] or None,
                             object_id=filters["object"] or None, limit=AUDIT_PAGE,
                             offset=(page_no - 1) * AUDIT_PAGE)
    pages = max(1, math.ceil(found.total / AUDIT_PAGE))
    return page(request, "admin_audit.html", {
        "events": found.events, "total": found.total, "filters": filters, "page_no": page_no,
        "pages": pages, "actions": audit_svc.actions(st),
        "users": [u["name"] for u in users_svc.list_users(st)]})


DONE = {"added": "User added.", "role": "Role changed; the user's sessions ended.",
        "password": "Password set; the user's sessions ended."}


@router.get("/users")
def users(request: Request, done: str = ""):
    require(request, "admin")
    return page(request, "admin_users.html", {"rows": users_svc.list_users(request.app.state.store),
                                              "roles": ROLES, "error": None, "done": DONE.get(done)})


def _act(request: Request, work, done: str):
    """Run one account change; show the users page with what happened or why it was refused."""
    try:
        work()
    except HarvestwatchError as exc:
        return page(request, "admin_users.html", {"rows": users_svc.list_users(request.app.state.store),
                                                  "roles": ROLES, "error": str(exc), "done": None},
                    status=400)
    return RedirectResponse(f"/admin/users?done={done}", status_code=303)


@router.post("/users")
def user_add(request: Request, name: str = Form(...), role: str = Form(...), password: str = Form(...),
             csrf: str = Form("")):
    admin = require(request, "admin")
    check_csrf(request, csrf)
    return _act(request, lambda: users_svc.add_user(request.app.state.store, name, role, password,
                                                    actor=admin["name"], actor_role=admin["role"],
                                                    via="web"), "added")


@router.post("/users/role")
def user_role(request: Request, name: str = Form(...), role: str = Form(...), csrf: str = Form("")):
    admin = require(request, "admin")
    check_csrf(request, csrf)
    return _act(request, lambda: users_svc.set_role(request.app.state.store, name, role, actor=admin["name"],
                                                    actor_role=admin["role"], via="web",
                                                    now=now(request)), "role")


@router.post("/users/password")
def user_password(request: Request, name: str = Form(...), password: str = Form(...), csrf: str = Form("")):
    admin = require(request, "admin")
    check_csrf(request, csrf)
    return _act(request, lambda: users_svc.set_password(request.app.state.store, name, password,
                                                        actor=admin["name"], actor_role=admin["role"],
                                                        via="web", now=now(request)), "password")
