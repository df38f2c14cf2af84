"""Custody in the workbench: signed head and key fingerprint on the dashboard, bundles for cleared roles."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from harvestwatch.core.treehead import parse_head
from harvestwatch.custody.verify_bundle import check_bundle
from harvestwatch.store.models import Document
from tests.web.conftest import csrf_of


def _restricted_id(app) -> int:
    with app.state.store.session() as s:
        return s.scalar(select(Document.id).where(Document.restricted.is_(True)))


def test_dashboard_shows_signed_head_and_fingerprint(as_user):
    ada = as_user("ada")
    ada.post("/custody/verify", data={"csrf": csrf_of(ada.get("/").text)})
    page = ada.get("/").text
    head = parse_head(ada.get("/custody/head.json").json())
    assert head.signature_problem() is None
    assert head.root_hash in page and head.key_id in page
    assert "BEGIN PUBLIC KEY" in ada.get("/custody/key.pem").text


def test_cleared_roles_download_a_bundle_that_verifies_offline(app, as_user):
    ivan = as_user("ivan")
    doc_id = _restricted_id(app)
    page = ivan.get(f"/documents/{doc_id}").text
    assert "Download evidence bundle" in page
    r = ivan.post(f"/documents/{doc_id}/bundle", data={"csrf": csrf_of(page)})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    report = check_bundle(r.content)
    assert report.ok, report.problems
    entries = zipfile.ZipFile(io.BytesIO(r.content)).read("ledger/entries.jsonl").decode()
    export = [json.loads(line) for line in entries.splitlines()
              if json.loads(line)["action"] == "bundle_export"]
    assert export[-1]["actor"] == "ivan" and export[-1]["payload"]["include_restricted"]


def test_other_roles_see_no_bundle_action_and_are_refused(app, as_user):
    rita = as_user("rita")
    page = rita.get("/documents/1").text
    assert "Download evidence bundle" not in page
    assert rita.post("/documents/1/bundle", data={"csrf": csrf_of(page)}).status_code == 403
    vic = as_user("vic")
    token = csrf_of(vic.get("/").text)
    assert vic.post(f"/documents/{_restricted_id(app)}/bundle", data={"csrf": token}).status_code == 403


def test_bundle_needs_the_csrf_token(as_user):
    ada = as_user("ada")
    assert ada.post("/documents/1/bundle", data={"csrf": "forged"}).status_code == 403
