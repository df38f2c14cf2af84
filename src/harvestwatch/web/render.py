"""Render a page template with what every page needs (kept apart from ``app`` so routers
can use it without importing the application that includes them)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from harvestwatch.web.security import csrf_token, current_user


def page(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
    """Render a template with the user and CSRF token every page needs."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, {"user": current_user(request),
                                                      "csrf": csrf_token(request), **ctx},
                                      status_code=status)
