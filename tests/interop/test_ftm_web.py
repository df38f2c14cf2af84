"""Imported FollowTheMoney entities show on the workbench's entities page with their source."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from harvestwatch.core.config import Settings
from harvestwatch.services import ftm as ftm_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.web.app import create_app
from tests.web.conftest import PASSWORD, login

FIXTURES = Path(__file__).parent / "fixtures"


def test_entities_page_lists_imported_entities_with_file_and_line(tmp_path):
    settings = Settings(store_dir=tmp_path / "store", actor="setup")
    store = store_svc.open(settings)
    ftm_svc.import_ftm(store, FIXTURES / "eu_fsf.ftm.json")
    users_svc.add_user(store, "vic", "viewer", PASSWORD)
    client = TestClient(create_app(settings))
    assert login(client, "vic").status_code == 303
    html = client.get("/entities").text
    assert "Imported entities (FollowTheMoney)" in html and "7 entities imported" in html
    row = next(line for line in html.splitlines() if "<td>IRGC</td>" in line)
    assert "Organization" in row and "eu_fsf" in row and "eu_fsf.ftm.json line 7" in row
