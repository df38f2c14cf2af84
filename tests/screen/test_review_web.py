"""The screening pages: two reviewers decide blind, a third resolves, PRISMA SVG served."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient

from harvestwatch.core.config import Settings
from harvestwatch.services import screen as svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app

FIX = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"


def _client(app, name: str) -> TestClient:
    client = TestClient(app)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_screening_pages_blind_review_conflict_and_prisma(tmp_path):
    settings = Settings(store_dir=tmp_path / "store", actor="setup")
    store = store_svc.open(settings)
    for name, role in (("ann", "reviewer"), ("bob", "reviewer"), ("cat", "reviewer"), ("vic", "viewer")):
        users_svc.add_user(store, name, role, PASSWORD)
    svc.import_files(store, [str(FIX / "sample.ris"), str(FIX / "asreview_embase.ris"),
                             str(FIX / "asreview_embase.csv")])
    svc.run(store)
    app = create_app(settings)
    ann, bob, cat = (_client(app, n) for n in ("ann", "bob", "cat"))
    page = ann.get("/screening").text
    assert "Your queue (ann)" in page and "Not a transplant paper" in page and "dead_donor_rule" in page
    assert "6 duplicates removed" in page and "same title and year" in page
    # each queued record says where its transplants were done and why (R1: a Chinese journal)
    assert "Mainland China: journal «Chinese Journal of Organ Transplantation»" in page
    assert "Rogers criteria not applied" in page
    r = ann.post("/screening/decide", data={"csrf": _csrf(page), "record_id": "R1", "decision": "flag_confirmed"},
                 follow_redirects=False)
    assert r.status_code == 303
    bad = ann.post("/screening/decide", data={"csrf": _csrf(page), "record_id": "R2", "decision": "exclude"})
    assert bad.status_code == 400 and "needs a reason code" in bad.text  # a message, no traceback
    page = bob.get("/screening").text
    assert not re.search(r"\bann\b", page)  # nothing of ann's pending vote shows
    bob.post("/screening/decide", data={"csrf": _csrf(page), "record_id": "R1", "decision": "exclude",
                                        "reason": "no_procurement"})
    page = cat.get("/screening").text
    conflicts = page.split('id="conflicts"')[1].split("Reviewer agreement")[0]
    assert "ann: flag_confirmed" in conflicts and "bob: exclude (no_procurement)" in conflicts
    cat.post("/screening/resolve", data={"csrf": _csrf(page), "record_id": "R1", "decision": "flag_confirmed",
                                         "note": "intubation after death"})
    assert "No open conflicts" in cat.get("/screening").text
    svg = cat.get("/screening/prisma.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Records identified (n = 14)" in text and "Duplicate records removed (n = 6)" in text
    assert "Ethical concern confirmed by reviewers (n = 1)" in text
    assert _client(app, "vic").get("/screening").status_code == 403
    assert _client(app, "vic").get("/screening/prisma.svg").status_code == 403
