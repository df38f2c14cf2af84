"""WARC files: each HTTP response record becomes a document with its Target-URI and capture date."""

from __future__ import annotations

import contextlib
import io
import zlib

from harvestwatch.core.errors import CorruptInput, DecompressionBomb, EmptyInput, InputError
from harvestwatch.ingest.document import ParsedDocument

# A content-encoded (gzip/deflate/br) payload may expand this many times its stored size...
MAX_RATIO = 100
# ...but any payload may expand to this much, whatever its ratio (small pages compress well).
RATIO_FREE_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024


def _brief(exc: BaseException) -> str:
    """An exception's message cut to one printable line (warcio quotes binary garbage)."""
    text = str(exc).split("\n", 1)[0]
    text = "".join(c if c.isprintable() and ord(c) < 0x250 else "?" for c in text).strip()
    if not text.strip("? "):
        return type(exc).__name__
    return text[:100] + ("…" if len(text) > 100 else "")


def _record(uri: str | None) -> str:
    return uri if uri and uri.startswith("record #") else f"record {uri}"


def _short_body(record, http) -> str | None:
    """Why an HTTP body is shorter than its Content-Length says (a cut capture), or None."""
    declared = http.get_header("Content-Length") if http else None
    head = getattr(http, "total_len", None)
    if not declared or not declared.strip().isdigit() or head is None or record.length is None:
        return None
    body = record.length - head
    if 0 <= body < int(declared):
        return f"HTTP body has {body:,} of its {int(declared):,} bytes"
    return None


def _read_payload(record, source: str, uri: str | None, max_bytes: int) -> bytes:
    """The record's entity body (de-chunked, decoded); refuses absurd expansion as it reads."""
    stored = record.length or 0
    encoded = bool(record.http_headers and record.http_headers.get_header("Content-Encoding"))
    limit = max_bytes
    if encoded:
        limit = min(max_bytes, max(RATIO_FREE_BYTES, MAX_RATIO * stored))
    stream = record.content_stream()
    out = bytearray()
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptInput(source,
                               f"{_record(uri)}: payload cannot be decoded ({_brief(exc)})") from None
        if not chunk:
            return bytes(out)
        out.extend(chunk)
        if len(out) > limit:
            why = (f"over {MAX_RATIO}× its {stored:,} stored bytes" if limit < max_bytes
                   else f"beyond the {max_bytes:,}-byte cap")
            raise DecompressionBomb(source, f"{_record(uri)} expands {why}")


def parse_warc(data: bytes, source: str, max_bytes: int) -> list[ParsedDocument]:
    """See ``_parse_warc``; warcio's own messages (it prints some) are kept off the terminal."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return _parse_warc(data, source, max_bytes)


_NOT_READ = ("image", "archive", "svg")  # payloads of a capture that are not read as documents
_PAGE_PARTS = ("text/css", "text/javascript", "application/javascript", "application/x-javascript",
               "font/", "application/font", "application/wasm")  # a page's furniture, not text


def _parse_warc(data: bytes, source: str, max_bytes: int) -> list[ParsedDocument]:
    """One document per response (or resource) record whose payload has readable text.

    Redirects (3xx) and records whose payload is not HTML/text/PDF/DOCX are skipped; when
    nothing is left the error lists the first few reasons.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    from harvestwatch.ingest.formats import parse_payload

    docs: list[ParsedDocument] = []
    skipped: list[str] = []
    typed = 0  # records with a WARC-Type header: none at all means this is not a WARC
    truncated: list[str] = []  # records of any type that the crawler cut short
    try:
        archive = ArchiveIterator(io.BytesIO(data))
        for index, record in enumerate(archive):
            typed += record.rec_type is not None
            uri = record.rec_headers.get_header("WARC-Target-URI") or f"record #{index}"
            if record.rec_headers.get_header("WARC-Truncated"):
                truncated.append(f"{record.rec_type} {uri}: "
                                 f"{record.rec_headers.get_header('WARC-Truncated')}")
            if record.rec_type not in ("response", "resource"):
                continue
            http = record.http_headers if record.rec_type == "response" else None
            status = http.get_statuscode() if http else None
            if status and status.isdigit() and 300 <= int(status) < 400:
                skipped.append(f"{uri}: HTTP {status} redirect")
                continue
            ctype = (http.get_header("Content-Type") if http
                     else record.rec_headers.get_header("Content-Type"))
            short = _short_body(record, http)
            if short:
                truncated.append(f"{record.rec_type} {uri}: {short}")
            payload = _read_payload(record, source, uri, max_bytes)
            if getattr(record.raw_stream, "limit", 0) > 0:  # declared length not all there
                raise CorruptInput(source, f"WARC is truncated inside {_record(uri)}")
            label = f"{source}#{uri}"
            if (ctype or "").lower().startswith(_PAGE_PARTS):
                skipped.append(f"{uri}: {ctype.split(';')[0]} payload (page furniture), not read")
                continue
            try:
                from harvestwatch.ingest.sniff import sniff

                kind = sniff(payload, label, ctype).kind if payload.strip() else "text"
                if kind in _NOT_READ:
                    skipped.append(f"{uri}: {kind} payload, not read as a document")
                    continue
                parsed = parse_payload(payload, source=label, content_type=ctype, url=uri,
                                       max_bytes=max_bytes, ocr="defer")
            except DecompressionBomb:
                raise
            except InputError as exc:
                skipped.append(f"{uri}: {exc.reason}")
                continue
            for doc in parsed:
                doc.url = doc.url or uri
                doc.metadata.update({
                    "warc_target_uri": uri,
                    "warc_date": record.rec_headers.get_header("WARC-Date"),
                    "warc_record_id": record.rec_headers.get_header("WARC-Record-ID"),
                    "warc_record_type": record.rec_type,
                    "warc_record_index": index,
                    "http_status": int(status) if status and status.isdigit() else None,
                    "content_type": ctype,
                })
                if record.rec_headers.get_header("WARC-Truncated"):  # the crawler cut it short
                    doc.metadata["warc_truncated"] = record.rec_headers.get_header("WARC-Truncated")
                elif short:
                    doc.metadata["warc_truncated"] = short
                if http and http.get_header("Content-Encoding"):
                    doc.metadata["content_encoding"] = http.get_header("Content-Encoding")
                docs.append(doc)
    except (ArchiveLoadFailed, zlib.error, EOFError) as exc:
        raise CorruptInput(source, f"not a readable WARC file ({_brief(exc)})") from None
    if typed and data[archive.offset:].strip():
        raise CorruptInput(source, f"WARC is truncated or damaged after byte {archive.offset:,} "
                                   f"({typed} records read)")
    if not typed:
        raise CorruptInput(source, "not a readable WARC file (no record with a WARC-Type)")
    for doc in docs:
        if truncated:
            doc.metadata["warc_truncated_records"] = truncated
    if not docs:
        detail = f" ({'; '.join(skipped[:3])})" if skipped else ""
        raise EmptyInput(source, f"WARC has no response record with readable text{detail}")
    return docs
