"""The audit: one access-log row and one ledger entry per restricted view, download, export,
verify run and account change, whichever face asked (CLI, pages, API); the admin page that
lists them, and who may see it."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from harvestwatch.cli import app as cli
from harvestwatch.core.config import Settings
from harvestwatch.services import audit as audit_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from tests.web.conftest import PASSWORD, csrf_of, login

SECRET_WORD = "Quillfeather"  # appears only in the restricted document


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    public = root / "public.txt"
    public.write_text("A hospital page says kidneys are available within two weeks.")
    secret = root / "witness.txt"
    secret.write_text(f"Witness {SECRET_WORD} saw organs taken from prisoners in the basement.")
    store_svc.ingest(store, [str(public)], kind="news")
    store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True)
    for name, role in (("ada", "admin"), ("ivan", "investigator"), ("rita", "reviewer"), ("vic", "viewer")):
        users_svc.add_user(store, name, role, PASSWORD)
    store_svc.checkpoint(store)  # the signing key exists before any count is taken
    with store.session() as s:
        ids = dict(s.execute(text("SELECT restricted, id FROM documents")).all())
    app = create_app(settings)
    return {"settings": settings, "store": app.state.store, "app": app, "public": ids[False],
            "secret": ids[True]}


def _as(env, name: str) -> TestClient:
    client = TestClient(env["app"])
    assert login(client, name).status_code == 303
    return client


def _counts(store) -> tuple[int, int]:
    with store.session() as s:
        return (s.execute(text("SELECT count(*) FROM access_log")).scalar(),
                s.execute(text("SELECT count(*) FROM ledger")).scalar())


def _last(store) -> tuple[dict, dict]:
    """The newest access-log row and the ledger entry it names."""
    with store.session() as s:
        row = dict(s.execute(text("SELECT * FROM access_log ORDER BY id DESC LIMIT 1")).mappings().one())
        entry = dict(s.execute(text("SELECT * FROM ledger WHERE seq = :q"), {"q": row["ledger_seq"]})
                     .mappings().one())
    return row, entry


class Once:
    """Asserts that the block adds exactly one access-log row and one ledger entry."""

    def __init__(self, store, *, none: bool = False):
        self.store, self.expected = store, (0, 0) if none else (1, 1)

    def __enter__(self):
        self.before = _counts(self.store)
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            after = _counts(self.store)
            assert (after[0] - self.before[0], after[1] - self.before[1]) == self.expected


def _cli(env, *args: str, actor: str = "ivan"):
    done = CliRunner().invoke(cli, ["--store", str(env["settings"].store_dir), "--actor", actor, *args])
    assert done.exit_code == 0, (done.output, done.exception)
    return done


def test_a_restricted_view_is_one_row_and_one_entry_from_each_face(env):
    store, rid = env["store"], env["secret"]
    ivan = _as(env, "ivan")
    seen = []
    with Once(store):
        assert SECRET_WORD in ivan.get(f"/documents/{rid}").text
    seen.append(_last(store))
    with Once(store):
        assert SECRET_WORD in ivan.get(f"/api/documents/{rid}").json()["text"]
    seen.append(_last(store))
    with Once(store):
        assert SECRET_WORD in _cli(env, "show", str(rid), "--include-restricted").output
    seen.append(_last(store))
    for (row, entry), via in zip(seen, ("web", "api", "cli"), strict=True):
        assert (row["user"], row["action"], row["via"], row["document_id"]) == ("ivan", "view", via, rid)
        assert (entry["actor"], entry["action"], entry["object_type"]) == ("ivan", "view", "document")
        assert entry["object_id"] == row["object_id"] and re.fullmatch(r"[0-9a-f]{64}", row["object_id"])
        assert json.loads(entry["payload"]) == {"restricted": True, "via": via}
    with Once(store, none=True):  # public documents are not audited when read
        ivan.get(f"/documents/{env['public']}")
        ivan.get(f"/api/documents/{env['public']}")
        _cli(env, "show", str(env["public"]))
    with Once(store, none=True):  # a refused view leaves no trace either
        vic = _as(env, "vic")
        assert vic.get(f"/documents/{rid}").status_code == 404
        assert vic.get(f"/api/documents/{rid}").status_code == 404


def test_downloads_and_exports_are_audited_once(env, tmp_path):
    store = env["store"]
    ivan = _as(env, "ivan")
    with Once(store):
        assert ivan.get(f"/documents/{env['secret']}/original").status_code == 200
    assert _last(store)[0]["action"] == "download"
    with Once(store):
        page = ivan.get(f"/documents/{env['public']}").text
        r = ivan.post(f"/documents/{env['public']}/bundle", data={"csrf": csrf_of(page)})
        assert r.status_code == 200 and r.content.startswith(b"PK")
    row, entry = _last(store)
    assert (row["action"], row["object_type"], row["via"]) == ("bundle_export", "bundle", "web")
    with Once(store):
        _cli(env, "export", "--out", str(tmp_path / "all.jsonl"), "--include-restricted")
    row, entry = _last(store)
    assert (row["action"], row["via"], row["user"]) == ("export", "cli", "ivan")
    with Once(store):
        _cli(env, "export", "--format", "ftm", "--out", str(tmp_path / "all.ftm.json"))
    _cli(env, "hospitals", "export", "--out", str(tmp_path / "first.csv"))  # loads the shipped registry
    with Once(store):
        _cli(env, "hospitals", "export", "--out", str(tmp_path / "hospitals.csv"))
    assert _last(store)[0]["object_type"] == "registry-export"
    from harvestwatch.services import report as report_svc

    brief = tmp_path / "brief.html"
    brief.write_text("<html>brief</html>")
    with Once(store):
        report_svc.record_export(store, brief, merkle_root="0" * 64, documents=[], left_out_restricted=1,
                                 actor="ivan", via="web")
    assert _last(store)[0]["action"] == report_svc.REPORT_ACTION


def test_verify_and_account_changes_are_audited_once_from_web_and_cli(env):
    store = env["store"]
    ada = _as(env, "ada")
    with Once(store):
        r = ada.post("/custody/verify", data={"csrf": csrf_of(ada.get("/").text)}, follow_redirects=False)
        assert r.status_code == 303
    assert _last(store)[0]["action"] == "verify"
    with Once(store):
        _cli(env, "verify")
    assert _last(store)[0][("via")] == "cli"
    token = csrf_of(ada.get("/admin/users").text)
    with Once(store):
        r = ada.post("/admin/users", data={"name": "nora", "role": "viewer", "password": PASSWORD, "csrf": token},
                     follow_redirects=False)
        assert r.status_code == 303
    with Once(store):
        ada.post("/admin/users/role", data={"name": "nora", "role": "reviewer", "csrf": token})
    with Once(store):
        ada.post("/admin/users/password", data={"name": "nora", "password": "another long one", "csrf": token})
    row, entry = _last(store)
    assert (row["action"], row["user"], row["via"], row["object_id"]) == ("user_password", "ada", "web", "nora")
    assert "another long one" not in entry["payload"]
    with Once(store, none=True):  # refused: too short
        r = ada.post("/admin/users/password", data={"name": "nora", "password": "short", "csrf": token})
        assert r.status_code == 400 and "at least 8 characters" in r.text
    with Once(store):
        _cli(env, "user", "add", "omar", "--role", "viewer", "--password", PASSWORD, actor="ada")
    with Once(store):
        _cli(env, "user", "role", "omar", "reviewer", actor="ada")
    with Once(store):
        _cli(env, "user", "password", "omar", "--password", "yet another one", actor="ada")
    assert store_svc.verify(store).ok  # the password entries vouch for the changed rows


def test_no_restricted_words_in_the_audit_or_its_ledger_entries(env):
    ivan = _as(env, "ivan")
    ivan.get(f"/documents/{env['secret']}")
    ivan.get(f"/documents/{env['secret']}/original")
    with env["store"].session() as s:
        logged = json.dumps([list(r) for r in s.execute(text("SELECT * FROM access_log")).all()], default=str)
        seqs = [r[0] for r in s.execute(text("SELECT ledger_seq FROM access_log")).all()]
        entries = json.dumps([list(r) for r in s.execute(
            text(f"SELECT * FROM ledger WHERE seq IN ({','.join(map(str, seqs))})")).all()], default=str)
    for word in (SECRET_WORD, "witness.txt", "prisoners"):
        assert word not in logged and word not in entries


def test_the_audit_page_is_for_admins_only(env):
    anonymous = TestClient(env["app"])
    r = anonymous.get("/admin/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for name in ("ivan", "rita", "vic"):
        client = _as(env, name)
        assert "/admin/audit" not in client.get("/").text
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/users").status_code == 403
        token = csrf_of(client.get("/").text)
        assert client.post("/admin/users/role", data={"name": name, "role": "admin",
                                                      "csrf": token}).status_code == 403
        assert client.post("/admin/users", data={"name": "x" + name, "role": "admin", "password": PASSWORD,
                                                 "csrf": token}).status_code == 403
    ada = _as(env, "ada")
    assert 'href="/admin/audit"' in ada.get("/").text
    assert ada.get("/admin/audit").status_code == 200
    r = ada.post("/admin/users/role", data={"name": "vic", "role": "admin", "csrf": "forged-token-0123456789"})
    assert r.status_code == 403
    assert _as(env, "vic").get("/admin/audit").status_code == 403  # still a viewer


def test_the_audit_page_filters_and_pages(env):
    store = env["store"]
    ivan = _as(env, "ivan")
    ivan.get(f"/documents/{env['secret']}")
    for i in range(60):
        audit_svc.record_now(store, actor="bulk", action="export", object_type="export",
                             object_id=f"/tmp/out-{i}.jsonl", via="cli")
    ada = _as(env, "ada")
    html = ada.get("/admin/audit", params={"user": "ivan", "action": "view"}).text
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert rows and {(u, a) for _, u, a in rows} == {("ivan", "view")}
    assert f'href="/documents/{env["secret"]}"' in html and SECRET_WORD not in html
    html = ada.get("/admin/audit", params={"user": "bulk"}).text
    assert "60 event(s), page 1 of 2" in html and "/tmp/out-59.jsonl" in html and "/tmp/out-9.jsonl" not in html
    assert 'rel="next"' in html
    html = ada.get("/admin/audit", params={"user": "bulk", "page_no": 2}).text
    assert "/tmp/out-9.jsonl" in html and "/tmp/out-59.jsonl" not in html and 'rel="prev"' in html
    assert "/tmp/out-7.jsonl" in ada.get("/admin/audit", params={"object": "/tmp/out-7.jsonl"}).text
    assert "1 event(s)" in ada.get("/admin/audit", params={"object": "/tmp/out-7.jsonl"}).text
    by_doc = ada.get("/admin/audit", params={"object": str(env["secret"])}).text
    assert "bulk" not in by_doc and "ivan" in by_doc
    assert "0 event(s)" in ada.get("/admin/audit", params={"since": "2999-01-01"}).text
    assert "0 event(s)" in ada.get("/admin/audit", params={"until": "2000-01-01"}).text
    today = audit_svc.events(store, limit=1).events[0].at[:10]
    assert "bulk" in ada.get("/admin/audit", params={"since": today, "until": today}).text  # until: inclusive
    assert ada.get("/admin/audit", params={"since": "yesterday"}).status_code == 422
    assert ada.get("/admin/audit", params={"page_no": 0}).status_code == 422
    assert ada.get("/admin/audit", params={"object": "a\x00b"}).status_code == 200


def test_the_audit_command(env):
    out = json.loads(_cli(env, "audit", "--user", "ivan", "--action", "view", "--json", actor="ada").output)
    assert out["total"] >= 1 and {e["user"] for e in out["events"]} == {"ivan"}
    assert all(e["ledger_seq"] for e in out["events"])
    table = _cli(env, "audit", "--limit", "5", actor="ada").output
    assert "audited event(s)" in table
    done = CliRunner().invoke(cli, ["--store", str(env["settings"].store_dir), "audit", "--since", "soon"])
    assert done.exit_code != 0 and "since" in str(done.exception)
