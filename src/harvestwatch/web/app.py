"""The web workbench: FastAPI + server-rendered Jinja2 pages over ``harvestwatch.services``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from harvestwatch import __version__
from harvestwatch.core.config import Settings
from harvestwatch.core.errors import HarvestwatchError, NotFound, PermissionDenied
from harvestwatch.services import store as store_svc
from harvestwatch.web.security import (
    LoginNeeded,
    RateLimiter,
    csrf_token,
    current_user,
    session_secret,
)

WEB = Path(str(resources.files("harvestwatch.web")))


def create_app(settings: Settings) -> FastAPI:
    """The workbench for the store ``settings`` names (opened once, shared by requests)."""
    from harvestwatch.web import api, custody, hospitals, pages, reports, screening

    app = FastAPI(title="harvestwatch", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.store = store_svc.open(settings)
    app.state.limiter = RateLimiter()
    templates = Jinja2Templates(directory=str(WEB / "templates"))
    templates.env.globals.update(version=__version__)
    app.state.templates = templates
    app.add_middleware(SessionMiddleware, secret_key=session_secret(settings.store_dir),
                       session_cookie="hw_session", same_site="lax", https_only=False,
                       max_age=12 * 3600)
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(reports.router)
    app.include_router(screening.router)
    app.include_router(hospitals.router)
    app.include_router(custody.router)
    app.include_router(api.router)

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
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

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
        return _error(request, exc.status_code, str(exc.detail))

    def _error(request: Request, status: int, message: str):
        if request.url.path.startswith("/api/"):
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": message}, status_code=status)
        return templates.TemplateResponse(request, "error.html",
                                          {"status": status, "message": message,
                                           "user": current_user(request), "csrf": csrf_token(request)},
                                          status_code=status)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    return app
