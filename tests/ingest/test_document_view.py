"""The document view marks OCR text with its confidence, draws a cited span's word boxes on the
page image, and lists the documents a document came in and those it contains."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from harvestwatch.core.config import Settings
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.store.models import Document
from harvestwatch.web.app import create_app
from tests.ingest.test_ocr import chinese_scan
from tests.web.conftest import PASSWORD, login

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")


def test_ocr_and_family_in_the_document_view(tmp_path):
    settings = Settings(store_dir=tmp_path / "store", actor="setup")
    store = store_svc.open(settings)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("scans/notice.png", chinese_scan())
    (tmp_path / "bundle.zip").write_bytes(buf.getvalue())
    report = ingest_svc.ingest(store, [str(tmp_path / "bundle.zip")], extract=False)
    assert report.by_status("stored"), report.results
    with store.session() as s:
        scan = s.scalar(select(Document).where(Document.mime == "image/png"))
        archive = s.scalar(select(Document).where(Document.mime == "application/zip"))
        start = scan.text.index("肝移植")
    users_svc.add_user(store, "ivan", "investigator", PASSWORD)
    client = TestClient(create_app(settings))
    assert login(client, "ivan").status_code == 303
    html = client.get(f"/documents/{scan.id}?hl={start}-{start + 3}").text
    assert "Text read by OCR (tesseract, chi_sim)" in html and "mean confidence" in html
    assert f'href="/documents/{scan.id}/pages/1.png"' in html
    assert html.count("<rect ") == 3  # one box per character of 肝移植
    assert f'<a href="/documents/{archive.id}">' in html and "<code>scans/notice.png</code>" in html
    image = client.get(f"/documents/{scan.id}/pages/1.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    parent = client.get(f"/documents/{archive.id}").text
    assert f'<a href="/documents/{scan.id}">scans/notice.png</a>' in parent
