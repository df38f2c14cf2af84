"""Fetch a URL and preserve the raw HTTP exchange as WARC records (Berkeley Protocol)."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import httpx

from harvestwatch import __version__
from harvestwatch.core.errors import FetchError

USER_AGENT = f"harvestwatch/{__version__} (evidence preservation)"
MAX_REDIRECTS = 5
DEFAULT_FETCH_BYTES = 50 * 1024 * 1024


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


@dataclass
class _Exchange:
    """One HTTP request and its response, as sent and received (body still content-encoded)."""

    url: str
    request: httpx.Request
    status: int
    reason: str
    http_version: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    date: str


def _get(client: httpx.Client, url: str, deadline: float, timeout: float,
         max_bytes: int) -> _Exchange:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpx.ReadTimeout("deadline passed")
    with client.stream("GET", url, timeout=httpx.Timeout(min(timeout, remaining)),
                       follow_redirects=False) as response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(url, f"response declares {int(declared):,} bytes, over the "
                                  f"{max_bytes:,}-byte cap")
        body = bytearray()
        for chunk in response.iter_raw():  # as sent: content-encoding kept, chunking removed
            body.extend(chunk)
            if len(body) > max_bytes:
                raise FetchError(url, f"response is over the {max_bytes:,}-byte cap")
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("deadline passed while reading the body")
        return _Exchange(str(response.url), response.request, response.status_code,
                         response.reason_phrase, response.http_version,
                         list(response.headers.raw), bytes(body),
                         datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _fetch_chain(client: httpx.Client, url: str, timeout: float, max_bytes: int,
                 max_redirects: int) -> list[_Exchange]:
    deadline = time.monotonic() + timeout
    chain: list[_Exchange] = []
    current = url
    try:
        while True:
            exchange = _get(client, current, deadline, timeout, max_bytes)
            chain.append(exchange)
            location = dict((k.lower(), v) for k, v in exchange.headers).get(b"location")
            if not (300 <= exchange.status < 400 and location):
                return chain
            if len(chain) > max_redirects:
                raise FetchError(url, f"more than {max_redirects} redirects")
            current = urljoin(exchange.url, location.decode("latin-1").strip())
    except httpx.TimeoutException:
        raise FetchError(url, f"timed out after {timeout:g} s") from None
    except httpx.ConnectError as exc:
        raise FetchError(url, f"could not connect (DNS or refused: {exc})") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise FetchError(url, f"not a fetchable URL ({exc})") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"request failed ({type(exc).__name__}: {exc})") from None


def _headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


def exchanges_to_warc(chain: list[_Exchange]) -> bytes:
    """A WARC file: warcinfo, then a request and a response record per hop, in order."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    writer.write_record(writer.create_warcinfo_record(
        "harvestwatch-fetch.warc",
        {"software": USER_AGENT, "format": "WARC File Format 1.1",
         "description": f"GET {chain[0].url} with {len(chain) - 1} redirect(s) followed"}))
    for ex in chain:
        target = str(ex.request.url)
        path = ex.request.url.raw_path.decode("latin-1")
        req_headers = StatusAndHeaders(f"GET {path} {ex.http_version}",
                                       _headers(list(ex.request.headers.raw)),
                                       is_http_request=True)
        request = writer.create_warc_record(target, "request", http_headers=req_headers,
                                            warc_headers_dict={"WARC-Date": ex.date})
        http_headers = StatusAndHeaders(f"{ex.status} {ex.reason}", _headers(ex.headers),
                                        protocol=ex.http_version)
        response = writer.create_warc_record(target, "response", payload=io.BytesIO(ex.body),
                                             http_headers=http_headers,
                                             warc_headers_dict={"WARC-Date": ex.date})
        request.rec_headers.add_header("WARC-Concurrent-To",
                                       response.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(request)
        writer.write_record(response)
    return out.getvalue()


def fetch_to_warc(url: str, *, timeout: float = 20.0, max_bytes: int = DEFAULT_FETCH_BYTES,
                  client: httpx.Client | None = None,
                  max_redirects: int = MAX_REDIRECTS) -> bytes:
    """GET ``url`` and return a WARC of the whole exchange (every redirect hop included).

    ``timeout`` bounds the whole fetch, not only each socket read, so a server that dribbles
    bytes cannot hold it open; ``max_bytes`` caps each body as it streams in (and a declared
    Content-Length over the cap is refused before reading). Raises FetchError naming the URL
    and the reason: timeout, DNS/connection failure, too many redirects, HTTP 4xx/5xx, too large.
    """
    if not is_url(url):
        raise FetchError(url, "only http:// and https:// URLs can be fetched")
    own = client is None
    client = client or httpx.Client(headers={"User-Agent": USER_AGENT})
    try:
        chain = _fetch_chain(client, url, timeout, max_bytes, max_redirects)
    finally:
        if own:
            client.close()
    last = chain[-1]
    if last.status >= 400:
        raise FetchError(url, f"HTTP {last.status} {last.reason}")
    return exchanges_to_warc(chain)
