"""Server-side sessions: revocation, timeouts on a settable clock, Secure cookies, the login
limiter against spoofed X-Forwarded-For and password spraying, per-account lockout."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from harvestwatch.core.config import Settings
from harvestwatch.services import sessions as sessions_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from harvestwatch.web.security import SESSION_COOKIE
from tests.web.conftest import PASSWORD, csrf_of, login

T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)  # later than the real clock: list_users shows lockouts


class Clock:
    """The app's clock, moved by tests instead of sleeping."""

    def __init__(self, at: datetime = T0):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    settings = Settings(store_dir=tmp_path_factory.mktemp("sessions") / "store", actor="setup",
                        session_idle_minutes=30, session_max_hours=8)
    store = store_svc.open(settings)
    for name, role in (("ada", "admin"), ("ivan", "investigator"), ("vic", "viewer"), ("pat", "viewer"),
                       ("sam", "reviewer"), ("lou", "viewer"), ("kim", "viewer"), ("xena", "viewer"),
                       ("sue", "viewer")):
        users_svc.add_user(store, name, role, PASSWORD)
    return settings


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.state.clock = Clock()
    return app


def _client(app, **kw) -> TestClient:
    return TestClient(app, **kw)


def _logged_in(app, name: str, **kw) -> TestClient:
    client = _client(app, **kw)
    r = login(client, name)
    assert r.status_code == 303, r.text
    return client


def _copy(app, client: TestClient) -> TestClient:
    """A second browser holding a copy of ``client``'s session cookie (what a thief would have)."""
    thief = _client(app)
    thief.cookies.set(SESSION_COOKIE, client.cookies.get(SESSION_COOKIE))
    return thief


def _locked_out(client: TestClient) -> bool:
    r = client.get("/", follow_redirects=False)
    return r.status_code == 303 and r.headers["location"].startswith("/login")


def test_the_cookie_is_only_a_random_token_kept_hashed_on_the_server(app):
    client = _logged_in(app, "vic")
    token = client.cookies.get(SESSION_COOKIE)
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    assert "vic" not in token and "viewer" not in token
    with app.state.store.session() as s:
        stored = set(s.execute(text("SELECT token_sha256 FROM web_sessions")).scalars())
    assert token not in stored
    import hashlib

    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_cookie_copied_before_logout_fails_after(app):
    client = _logged_in(app, "vic")
    thief = _copy(app, client)
    assert thief.get("/").status_code == 200
    assert thief.get("/api/summary").status_code == 200
    r = client.post("/logout", data={"csrf": csrf_of(client.get("/").text)}, follow_redirects=False)
    assert r.status_code == 303 and SESSION_COOKIE in r.headers["set-cookie"]
    assert _locked_out(thief)
    assert thief.get("/api/summary").status_code == 401
    assert _locked_out(client)


def test_role_change_ends_sessions_and_the_role_is_read_each_request(app):
    ivan = _logged_in(app, "ivan")
    assert ivan.get("/ingest").status_code == 200
    out = users_svc.set_role(app.state.store, "ivan", "viewer", actor="ada", via="cli")
    assert out["sessions_ended"] >= 1
    assert _locked_out(ivan)
    ivan = _logged_in(app, "ivan")
    assert ivan.get("/ingest").status_code == 403  # a viewer now
    # even a change behind the workbench's back (no session revoked) takes effect at once
    with app.state.store.session() as s:
        s.execute(text("UPDATE users SET role = 'investigator' WHERE name = 'ivan'"))
    assert ivan.get("/ingest").status_code == 200
    with app.state.store.session() as s:
        s.execute(text("UPDATE users SET role = 'viewer' WHERE name = 'ivan'"))
    assert ivan.get("/ingest").status_code == 403
    users_svc.set_role(app.state.store, "ivan", "investigator", actor="ada")


def test_password_change_ends_sessions(app):
    pat = _logged_in(app, "pat")
    thief = _copy(app, pat)
    users_svc.set_password(app.state.store, "pat", "a new long passphrase", actor="ada")
    assert _locked_out(pat) and _locked_out(thief)
    assert login(_client(app), "pat").status_code == 401  # the old password is gone
    assert login(_client(app), "pat", "a new long passphrase").status_code == 303
    users_svc.set_password(app.state.store, "pat", PASSWORD, actor="pat")  # one's own: no admin needed


def test_idle_timeout(app):
    client = _logged_in(app, "sam")
    app.state.clock.advance(minutes=29)
    assert client.get("/").status_code == 200  # used: the idle clock starts again
    app.state.clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    app.state.clock.advance(minutes=31)
    assert _locked_out(client)
    app.state.clock.advance(minutes=1)
    assert _locked_out(client)  # an ended session stays ended


def test_absolute_timeout(app):
    client = _logged_in(app, "sam")
    for _ in range(19):  # busy all day, never idle: 7 h 55 min
        app.state.clock.advance(minutes=25)
        assert client.get("/").status_code == 200
    app.state.clock.advance(minutes=25)  # 8 h 20 min after login
    assert _locked_out(client)
    assert _logged_in(app, "sam").get("/").status_code == 200


def test_secure_flag_from_the_setting_and_on_https(settings):
    plain = create_app(settings)
    assert "secure" not in login(_client(plain), "vic").headers["set-cookie"].lower()
    r = login(_client(plain, base_url="https://testserver"), "vic")
    assert "secure" in r.headers["set-cookie"].lower()
    forced = create_app(dataclasses.replace(settings, secure_cookies=True))
    cookie = login(_client(forced), "vic").headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    proxied = create_app(dataclasses.replace(settings, trusted_proxies=("testclient",)))
    client = _client(proxied)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "vic", "password": PASSWORD, "csrf": token, "next": "/"},
                    headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


def test_login_needs_the_csrf_cookie(app):
    client = _client(app)
    client.get("/login")
    r = client.post("/login", data={"username": "vic", "password": PASSWORD, "csrf": "guessed-token-0123456789"},
                    follow_redirects=False)
    assert r.status_code == 403


def _try(client: TestClient, name: str, password: str, xff: str | None = None):
    token = csrf_of(client.get("/login").text)
    headers = {"X-Forwarded-For": xff} if xff else {}
    return client.post("/login", data={"username": name, "password": password, "csrf": token, "next": "/"},
                       headers=headers, follow_redirects=False)


def test_a_new_x_forwarded_for_per_try_does_not_reset_the_limit(app):
    client = _client(app)
    for i in range(5):
        assert _try(client, "nobody-here", "wrong password", xff=f"198.51.100.{i}").status_code == 401
    assert _try(client, "nobody-here", "wrong password", xff="198.51.100.99").status_code == 429


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(settings):
    app = create_app(dataclasses.replace(settings, trusted_proxies=("testclient", "10.0.0.0/8")))
    client = _client(app)
    for _ in range(5):
        assert _try(client, "nobody-here", "wrong", xff="203.0.113.7, 10.1.2.3").status_code == 401
    assert _try(client, "nobody-here", "wrong", xff="203.0.113.7, 10.1.2.3").status_code == 429
    # another real client behind the same proxy is not blocked by the first one's failures
    assert _try(client, "nobody-here", "wrong", xff="203.0.113.8").status_code == 401
    # an address the client prepends itself is ignored: the proxy appended the real one
    assert _try(client, "nobody-here", "wrong", xff="192.0.2.1, 203.0.113.7").status_code == 429
    with app.state.store.session() as s:
        s.execute(text("DELETE FROM web_sessions"))
    assert _try(client, "xena", PASSWORD, xff="203.0.113.9").status_code == 303
    with app.state.store.session() as s:
        assert s.execute(text("SELECT address FROM web_sessions")).scalar() == "203.0.113.9"


def test_password_spraying_across_user_names_is_limited(app):
    client = _client(app)
    for i in range(20):  # one password tried against many names, each only once
        assert _try(client, f"user{i}", "Summer2026!", xff=f"198.51.100.{i}").status_code == 401
    assert _try(client, "sue", PASSWORD).status_code == 429  # this address is blocked, right or wrong


def test_account_lockout_with_exponential_backoff(settings):
    store = store_svc.open(settings)
    policy = sessions_svc.LockoutPolicy(after=3, base=timedelta(seconds=30), ceiling=timedelta(minutes=10))
    at = T0
    for _ in range(3):
        assert sessions_svc.login(store, "kim", "wrong", now=at, policy=policy).status == "wrong"
    locked = sessions_svc.login(store, "kim", PASSWORD, now=at, policy=policy)
    assert locked.status == "locked" and locked.retry_after == 30  # the right password waits too
    at += timedelta(seconds=31)
    assert sessions_svc.login(store, "kim", "wrong", now=at, policy=policy).status == "wrong"
    assert sessions_svc.login(store, "kim", PASSWORD, now=at, policy=policy).retry_after == 60
    at += timedelta(seconds=61)
    assert sessions_svc.login(store, "kim", "wrong", now=at, policy=policy).status == "wrong"
    assert sessions_svc.login(store, "kim", PASSWORD, now=at, policy=policy).retry_after == 120
    for _ in range(5):  # capped
        at += timedelta(minutes=11)
        sessions_svc.login(store, "kim", "wrong", now=at, policy=policy)
    assert sessions_svc.login(store, "kim", PASSWORD, now=at, policy=policy).retry_after == 600
    assert any(u["name"] == "kim" and u["locked_until"] for u in users_svc.list_users(store))
    at += timedelta(minutes=11)
    assert sessions_svc.login(store, "kim", PASSWORD, now=at, policy=policy).status == "ok"
    assert sessions_svc.login(store, "kim", "wrong", now=at, policy=policy).status == "wrong"
    assert sessions_svc.login(store, "kim", PASSWORD, now=at, policy=policy).status == "ok"  # count reset


def test_a_locked_account_answers_429_with_retry_after(settings):
    app = create_app(dataclasses.replace(settings, trusted_proxies=("testclient",)))
    app.state.clock = Clock(T0 + timedelta(days=30))
    client = _client(app)
    for i in range(5):  # from five addresses: only the account lockout can stop the sixth
        assert _try(client, "lou", "wrong", xff=f"203.0.113.{i}").status_code == 401
    r = _try(client, "lou", PASSWORD, xff="203.0.113.50")
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    app.state.clock.advance(seconds=31)
    assert _try(client, "lou", PASSWORD, xff="203.0.113.51").status_code == 303


def test_serve_does_not_let_uvicorn_trust_forwarded_headers(settings, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from harvestwatch.cli import app as cli

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    done = CliRunner().invoke(cli, ["--store", str(settings.store_dir), "serve", "--secure-cookies",
                                    "--trusted-proxy", "10.0.0.1"])
    assert done.exit_code == 0, done.output
    assert seen["proxy_headers"] is False
    assert seen["app"].state.store.settings.secure_cookies is True
    assert seen["app"].state.store.settings.trusted_proxies == ("10.0.0.1",)
    monkeypatch.setenv("HARVESTWATCH_TRUSTED_PROXIES", "10.0.0.2, 10.0.0.3")
    monkeypatch.setenv("HARVESTWATCH_SESSION_IDLE_MINUTES", "5")
    done = CliRunner().invoke(cli, ["--store", str(settings.store_dir), "serve"])
    assert done.exit_code == 0, done.output
    assert seen["app"].state.store.settings.trusted_proxies == ("10.0.0.2", "10.0.0.3")
    assert seen["app"].state.store.settings.session_idle_minutes == 5
    monkeypatch.setenv("HARVESTWATCH_SESSION_IDLE_MINUTES", "0")
    done = CliRunner().invoke(cli, ["--store", str(settings.store_dir), "serve"])
    assert done.exit_code != 0 and "HARVESTWATCH_SESSION_IDLE_MINUTES='0'" in str(done.exception)


def test_old_sessions_are_deleted_at_the_next_login(settings):
    store = store_svc.open(settings)
    first = sessions_svc.login(store, "xena", PASSWORD, now=T0 - timedelta(days=40))
    assert first.status == "ok"
    sessions_svc.login(store, "xena", PASSWORD, now=T0)
    import hashlib

    with store.session() as s:
        assert s.execute(text("SELECT count(*) FROM web_sessions WHERE token_sha256 = :t"),
                         {"t": hashlib.sha256(first.token.encode()).hexdigest()}).scalar() == 0
