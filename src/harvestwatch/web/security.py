"""Sessions, roles, CSRF tokens, client addresses and login rate limits for the workbench.

The session cookie holds only a random token; ``services.sessions`` keeps the record and
reads the account's role from the database on every request. Before login a CSRF token
lives in a cookie of its own (double submit); after login it is the session's.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from harvestwatch.core.config import Settings
from harvestwatch.core.roles import RANK, at_least
from harvestwatch.core.roles import cleared as role_cleared
from harvestwatch.services import sessions as sessions_svc

SESSION_COOKIE = "hw_session"
CSRF_COOKIE = "hw_csrf"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")

__all__ = ["RANK", "LoginNeeded", "RateLimiter", "SESSION_COOKIE", "current_user", "require",
           "is_cleared", "csrf_token", "check_csrf", "client_address", "is_https", "session_middleware",
           "set_session_cookie", "clear_session_cookie", "now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def now(request: Request) -> datetime:
    """The app's clock (``app.state.clock``; tests set it instead of sleeping)."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utc_now)
    return clock()


class LoginNeeded(Exception):
    """Raised by page dependencies; the app answers with a redirect to /login."""


def _settings(request: Request) -> Settings:
    return request.app.state.store.settings


# --- client address and scheme -------------------------------------------------------------

def _trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address in proxies
    for proxy in proxies:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(request: Request) -> str:
    """The real client address: the peer, unless the peer is a configured proxy; then the
    right-most ``X-Forwarded-For`` entry that is not itself a configured proxy."""
    peer = request.client.host if request.client else "?"
    proxies = _settings(request).trusted_proxies
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return peer


def is_https(request: Request) -> bool:
    """True when the browser reached us over TLS (directly, or through a configured proxy)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else "?"
    proxies = _settings(request).trusted_proxies
    if proxies and _trusted(peer, proxies):
        proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        return proto == "https"
    return False


# --- sessions ------------------------------------------------------------------------------

def _cookie_args(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "path": "/",
            "secure": _settings(request).secure_cookies or is_https(request)}


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Hand the browser a new session token (no Max-Age: the server decides when it ends)."""
    response.set_cookie(SESSION_COOKIE, token, **_cookie_args(request))
    request.state.session_cookie_set = True


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, **_cookie_args(request))
    request.state.session_cookie_set = True


def _resolve(request: Request, token: str):
    settings = _settings(request)
    return sessions_svc.resolve(request.app.state.store, token, now=now(request),
                                idle=timedelta(minutes=settings.session_idle_minutes),
                                absolute=timedelta(hours=settings.session_max_hours))


async def session_middleware(request: Request, call_next):
    """Resolve the session cookie before the route runs; drop a dead cookie; set a new CSRF
    cookie when a page handed one out."""
    token = request.cookies.get(SESSION_COOKIE)
    request.state.auth = None
    request.state.session_cookie_set = False
    request.state.new_csrf = None
    if token and _TOKEN.match(token) and not request.url.path.startswith("/static/"):
        request.state.auth = await run_in_threadpool(_resolve, request, token)
    response = await call_next(request)
    if token and request.state.auth is None and not request.state.session_cookie_set:
        clear_session_cookie(request, response)
    if request.state.new_csrf:
        response.set_cookie(CSRF_COOKIE, request.state.new_csrf, **_cookie_args(request))
    if request.state.auth is not None or token:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def current_user(request: Request) -> dict | None:
    """``{"name", "role"}`` of the live session (role as the database holds it now), or None."""
    auth = getattr(request.state, "auth", None)
    return auth.as_dict() if auth is not None else None


def require(request: Request, min_role: str = "viewer", *, api: bool = False) -> dict:
    user = current_user(request)
    if user is None:
        if api:
            raise HTTPException(401, "log in first")
        raise LoginNeeded()
    if not at_least(user["role"], min_role):
        raise HTTPException(403, f"needs role {min_role} or higher")
    return user


def is_cleared(user: dict) -> bool:
    return role_cleared(user["role"])


# --- CSRF ----------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The token forms must send back: the session's, or before login the CSRF cookie's."""
    auth = getattr(request.state, "auth", None)
    if auth is not None:
        return auth.csrf
    pending = getattr(request.state, "new_csrf", None)
    if pending:
        return pending
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if _TOKEN.match(cookie):
        return cookie
    request.state.new_csrf = secrets.token_urlsafe(32)
    return request.state.new_csrf


def check_csrf(request: Request, supplied: str | None) -> None:
    auth = getattr(request.state, "auth", None)
    expected = auth.csrf if auth is not None else request.cookies.get(CSRF_COOKIE, "")
    if not expected or not supplied or not hmac.compare_digest(expected.encode(), supplied.encode()):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


# --- login rate limits ---------------------------------------------------------------------

class RateLimiter:
    """Failed logins per key in a sliding window: at most ``per_pair`` per (user, address) and
    ``per_address`` per address across every user name (password spraying)."""

    SWEEP_AT = 10_000

    def __init__(self, per_pair: int = 5, per_address: int = 20, window: float = 900.0,
                 clock: Callable[[], datetime] = utc_now):
        self.per_pair = per_pair
        self.per_address = per_address
        self.window = window
        self.clock = clock
        self._fails: dict[tuple, deque] = defaultdict(deque)

    def _count(self, key: tuple) -> int:
        q = self._fails.get(key)
        if not q:
            return 0
        at = self.clock().timestamp()
        while q and at - q[0] > self.window:
            q.popleft()
        if not q:
            del self._fails[key]
        return len(q)

    def blocked(self, username: str, address: str) -> bool:
        return (self._count(("pair", username[:200], address)) >= self.per_pair
                or self._count(("address", address)) >= self.per_address)

    def fail(self, username: str, address: str) -> None:
        at = self.clock().timestamp()
        if len(self._fails) > self.SWEEP_AT:  # many names or addresses: drop the stale ones
            for key in list(self._fails):
                self._count(key)
        self._fails[("pair", username[:200], address)].append(at)
        self._fails[("address", address)].append(at)

    def reset(self, username: str, address: str) -> None:
        """A successful login clears its (user, address) count; the address count stays."""
        self._fails.pop(("pair", username[:200], address), None)
