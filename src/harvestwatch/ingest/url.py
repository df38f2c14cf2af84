"""Fetch a URL and preserve the raw HTTP exchange as WARC records (Berkeley Protocol)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx

from harvestwatch import __version__
from harvestwatch.core.errors import FetchError

USER_AGENT = f"harvestwatch/{__version__} (evidence preservation)"


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def fetch_to_warc(url: str, *, timeout: float = 20.0, max_bytes: int = 50 * 1024 * 1024,
                  client: httpx.Client | None = None) -> bytes:
    """GET ``url`` (redirects followed) and return a WARC with its request and response records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    own = client is None
    client = client or httpx.Client(follow_redirects=True, max_redirects=5,
                                    headers={"User-Agent": USER_AGENT})
    try:
        with client.stream("GET", url, timeout=timeout) as response:
            body = bytearray()
            for chunk in response.iter_raw():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise FetchError(url, f"response is over the {max_bytes:,}-byte cap")
            request = response.request
            status, reason = response.status_code, response.reason_phrase
            resp_headers = list(response.headers.raw)
            final_url = str(response.url)
            http_version = response.http_version
    except httpx.TimeoutException:
        raise FetchError(url, f"timed out after {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"request failed ({type(exc).__name__}: {exc})") from None
    finally:
        if own:
            client.close()
    if status >= 400:
        raise FetchError(url, f"HTTP {status} {reason}")

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    req_headers = StatusAndHeaders(
        f"GET {request.url.raw_path.decode()} {http_version}",
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
        is_http_request=True)
    writer.write_record(writer.create_warc_record(
        final_url, "request", http_headers=req_headers, warc_headers_dict={"WARC-Date": date}))
    http_headers = StatusAndHeaders(
        f"{status} {reason}",
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp_headers],
        protocol=http_version)
    writer.write_record(writer.create_warc_record(
        final_url, "response", payload=io.BytesIO(bytes(body)), http_headers=http_headers,
        warc_headers_dict={"WARC-Date": date}))
    return out.getvalue()
