"""Browser capture of a web page (Playwright driving Debian's chromium): a WARC of the traffic,
a full-page screenshot, a PDF print and the page text, as the Berkeley Protocol and the
auto-archiver advise. ``capture_page`` writes the files; ``services.ingest.capture`` stores
them as originals with one ledger entry that links them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from harvestwatch.core.errors import FetchError

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]
TIMEOUT_MS = 45_000
MAX_BODY = 50 * 1024 * 1024


@dataclass
class Capture:
    """Files made by one capture, and what the browser saw."""

    url: str
    final_url: str
    status: int | None
    title: str
    at: str
    warc: Path
    screenshot: Path | None = None
    pdf: Path | None = None
    text: str = ""
    user_agent: str = ""
    resources: int = 0
    notes: list[str] = field(default_factory=list)


def chromium() -> str | None:
    found = os.environ.get("HARVESTWATCH_CHROMIUM") or next(
        (c for c in CHROMIUM if Path(c).exists()), None)
    return found or shutil.which("chromium")


def _stem(url: str, at: datetime) -> str:
    host = re.sub(r"[^A-Za-z0-9.-]", "_", urlsplit(url).hostname or "page")
    return f"capture-{host}-{at.strftime('%Y%m%dT%H%M%SZ')}"


def _http_block(status: int, reason: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items()
            if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]


def capture_page(url: str, folder: Path, *, screenshot: bool = True, pdf: bool = True,
                 timeout_ms: int = TIMEOUT_MS) -> Capture:
    """Load ``url`` in headless chromium and write the WARC (always), PNG and PDF to ``folder``."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise FetchError(url, "browser capture needs Playwright (pip install playwright)") from None
    binary = chromium()
    if binary is None:
        raise FetchError(url, "browser capture needs Debian's chromium (apt-get install chromium)")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    at = datetime.now(UTC).replace(microsecond=0)
    stem = _stem(url, at)
    responses = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=binary, headless=True, args=FLAGS)
            try:
                page = browser.new_page()
                page.on("response", lambda response: responses.append(response))
                try:
                    main = page.goto(url, wait_until="networkidle", timeout=timeout_ms)
                except PlaywrightError as exc:
                    raise FetchError(url, f"the browser could not load it "
                                          f"({str(exc).splitlines()[0][:120]})") from None
                result = Capture(url=url, final_url=page.url, status=main.status if main else None,
                                 title=page.title(), at=at.isoformat().replace("+00:00", "Z"),
                                 warc=folder / f"{stem}.warc.gz",
                                 user_agent=page.evaluate("navigator.userAgent"))
                result.text = page.inner_text("body") if page.query_selector("body") else ""
                if screenshot:
                    result.screenshot = folder / f"{stem}.png"
                    result.screenshot.write_bytes(page.screenshot(full_page=True))
                if pdf:
                    result.pdf = folder / f"{stem}.pdf"
                    result.pdf.write_bytes(page.pdf(print_background=True))
                buf = io.BytesIO()
                writer = WARCWriter(buf, gzip=True)
                writer.write_record(writer.create_warcinfo_record(
                    result.warc.name, {"software": "harvestwatch capture (Playwright, chromium)",
                                       "format": "WARC File Format 1.1",
                                       "http-header-user-agent": result.user_agent}))
                for response in responses:
                    try:
                        body = response.body()
                    except PlaywrightError:  # a redirect or an aborted request has no body
                        body = b""
                    if len(body) > MAX_BODY:
                        result.notes.append(f"{response.url}: body over {MAX_BODY:,} bytes "
                                            "left out")
                        body = b""
                    request = response.request
                    req_headers = StatusAndHeaders(
                        f"{request.method} {urlsplit(request.url).path or '/'} HTTP/1.1",
                        list(request.headers.items()), is_http_request=True)
                    writer.write_record(writer.create_warc_record(
                        request.url, "request", http_headers=req_headers))
                    headers = StatusAndHeaders(
                        f"{response.status} {response.status_text or 'OK'}",
                        _http_block(response.status, response.status_text,
                                    response.headers) + [("Content-Length", str(len(body)))],
                        protocol="HTTP/1.1")
                    writer.write_record(writer.create_warc_record(
                        response.url, "response", payload=io.BytesIO(body),
                        http_headers=headers))
                    result.resources += 1
                result.warc.write_bytes(buf.getvalue())
                return result
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise FetchError(url, f"browser capture failed ({str(exc).splitlines()[0][:120]})") from None
