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


def test_fallback_reading_and_password_are_said_in_the_document_view(tmp_path):
    """A page nested thousands deep is read by stripping tags (not refused as empty), a protected
    PDF opened with a given password says so; both show in the document's metadata."""
    from harvestwatch.ingest.pipeline import Limits
    from tests.ingest.test_real_fixtures import FIXTURES

    settings = Settings(store_dir=tmp_path / "store", actor="setup")
    store = store_svc.open(settings)
    deep = tmp_path / "deep.html"
    deep.write_bytes(b"<html><head><title>Deep</title></head><body>" + b"<div>" * 5000
                     + b"<p>A nurse said kidneys were sold in Tianjin.</p>" + b"</div>" * 5000
                     + b"</body></html>")
    report = ingest_svc.ingest(store, [str(deep), str(FIXTURES / "password-hunter2.pdf")],
                               extract=False, limits=Limits(passwords=("hunter2",)))
    assert [r.status for r in report.results] == ["stored", "stored"], report.results
    users_svc.add_user(store, "ivan", "investigator", PASSWORD)
    client = TestClient(create_app(settings))
    assert login(client, "ivan").status_code == 303
    page = client.get(f"/documents/{report.results[0].document_ids[0]}").text
    assert "A nurse said kidneys were sold in Tianjin." in page
    assert "<dt>Text taken by</dt><dd>tags stripped (markup could not be parsed as a tree" in page
    pdf = client.get(f"/documents/{report.results[1].document_ids[0]}").text
    assert "<dt>Opened with</dt><dd>a password given at ingest (PDF)</dd>" in pdf
