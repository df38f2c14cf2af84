"""Sessions, roles, CSRF tokens and login rate limiting for the workbench."""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections import defaultdict, deque
from pathlib import Path

from fastapi import HTTPException, Request

from harvestwatch.store.accounts import CLEARED, ROLES

RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}  # admin 4 … viewer 1


def session_secret(store_dir: Path) -> str:
    """Secret for signing session cookies: env HARVESTWATCH_SECRET or a file in the store."""
    env = os.environ.get("HARVESTWATCH_SECRET")
    if env:
        return env
    path = store_dir / "keys" / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class LoginNeeded(Exception):
    """Raised by page dependencies; the app answers with a redirect to /login."""


def current_user(request: Request) -> dict | None:
    user = request.session.get("user")
    return user if isinstance(user, dict) and user.get("role") in ROLES else None


def require(request: Request, min_role: str = "viewer", *, api: bool = False) -> dict:
    user = current_user(request)
    if user is None:
        if api:
            raise HTTPException(401, "log in first")
        raise LoginNeeded()
    if RANK[user["role"]] < RANK[min_role]:
        raise HTTPException(403, f"needs role {min_role} or higher")
    return user


def is_cleared(user: dict) -> bool:
    return user["role"] in CLEARED


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, supplied: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not supplied or not hmac.compare_digest(expected, supplied):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


class RateLimiter:
    """At most ``limit`` failed logins per (user, address) in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit = limit
        self.window = window
        self._fails: dict[tuple[str, str], deque] = defaultdict(deque)

    def blocked(self, key: tuple[str, str]) -> bool:
        q = self._fails[key]
        now = time.monotonic()
        while q and now - q[0] > self.window:
            q.popleft()
        return len(q) >= self.limit

    def fail(self, key: tuple[str, str]) -> None:
        self._fails[key].append(time.monotonic())

    def reset(self, key: tuple[str, str]) -> None:
        self._fails.pop(key, None)
