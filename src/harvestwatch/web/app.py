"""The web workbench: FastAPI + server-rendered Jinja2 pages over ``harvestwatch.services``."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from harvestwatch import __version__
from harvestwatch.core.config import Settings
from harvestwatch.core.errors import HarvestwatchError, NotFound, PermissionDenied
from harvestwatch.services import store as store_svc
from harvestwatch.web.links import configured_base_url, evidence_lines, safe_href, span_href
from harvestwatch.web.security import (
    LoginNeeded,
    RateLimiter,
    csrf_token,
    current_user,
    session_middleware,
    utc_now,
)

WEB = Path(str(resources.files("harvestwatch.web")))
log = logging.getLogger("harvestwatch.web")


def jsonable_errors(exc: RequestValidationError) -> list[dict]:
    """FastAPI's 422 detail, with values JSON can carry (bytes and odd inputs as text)."""
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()]


def invalid_message(exc: RequestValidationError) -> str:
    """One line naming each invalid parameter and what is wrong with it."""
    parts = []
    for e in exc.errors()[:5]:
        name = ".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
        parts.append(f"{name}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def create_app(settings: Settings, *, base_url: str | None = None) -> FastAPI:
    """The workbench for the store ``settings`` names (opened once, shared by requests).

    ``base_url`` is its public address for links in reports and briefs (else
    HARVESTWATCH_BASE_URL, else http://127.0.0.1:8000); the Host header is never used.
    """
    from harvestwatch.web import admin, api, custody, hospitals, pages, reports, screening

    app = FastAPI(title="harvestwatch", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.store = store_svc.open(settings)
    app.state.base_url = configured_base_url(base_url)
    app.state.clock = utc_now  # tests set a clock to move time instead of sleeping
    app.state.limiter = RateLimiter(clock=lambda: app.state.clock())
    templates = Jinja2Templates(directory=str(WEB / "templates"))
    templates.env.globals.update(version=__version__)
    templates.env.filters["href"] = safe_href  # only http(s) URLs become links
    templates.env.filters["span_href"] = span_href  # an item's span in its document
    templates.env.filters["evidence_lines"] = evidence_lines  # a cluster's lines, as <li> each
    app.state.templates = templates
    app.middleware("http")(session_middleware)  # server-side sessions, see web.security
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(reports.router)
    app.include_router(screening.router)
    app.include_router(hospitals.router)
    app.include_router(custody.router)
    app.include_router(api.router)
    app.include_router(admin.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; object-src 'none'; frame-ancestors 'none'")
        return response

    @app.exception_handler(LoginNeeded)
    async def _login(request: Request, exc: LoginNeeded):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound):
        return _error(request, 404, str(exc))

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied):
        return _error(request, 403, str(exc))

    @app.exception_handler(HarvestwatchError)
    async def _bad(request: Request, exc: HarvestwatchError):
        return _error(request, 400, str(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        if request.url.path.startswith("/api/"):  # the documented FastAPI 422 body
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        return _error(request, 422, invalid_message(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):  # a bug: logged, never shown as a traceback
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return _error(request, 500, "internal error; it was logged for the administrator")

    def _error(request: Request, status: int, message: str, headers: dict | None = None):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        return templates.TemplateResponse(request, "error.html",
                                          {"status": status, "message": message,
                                           "user": current_user(request), "csrf": csrf_token(request)},
                                          status_code=status, headers=headers)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    return app
