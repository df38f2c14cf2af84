"""WARC files: each HTTP response record becomes a document with its Target-URI and capture date."""

from __future__ import annotations

import io

from harvestwatch.core.errors import CorruptInput, DecompressionBomb, EmptyInput, InputError
from harvestwatch.ingest.document import ParsedDocument


def parse_warc(data: bytes, source: str, max_bytes: int) -> list[ParsedDocument]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    from harvestwatch.ingest.formats import parse_payload

    docs: list[ParsedDocument] = []
    skipped: list[str] = []
    try:
        for index, record in enumerate(ArchiveIterator(io.BytesIO(data))):
            if record.rec_type != "response":
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI")
            ctype = record.http_headers.get_header("Content-Type") if record.http_headers else None
            status = record.http_headers.get_statuscode() if record.http_headers else None
            stream = record.content_stream()
            payload = stream.read(max_bytes + 1)
            if len(payload) > max_bytes:
                raise DecompressionBomb(source, f"record {uri} expands beyond {max_bytes:,} bytes")
            label = f"{source}#{uri}"
            try:
                parsed = parse_payload(payload, source=label, content_type=ctype, url=uri,
                                       max_bytes=max_bytes)
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
                    "warc_record_index": index,
                    "http_status": status,
                })
                docs.append(doc)
    except ArchiveLoadFailed as exc:
        raise CorruptInput(source, f"not a readable WARC file ({exc})") from None
    if not docs:
        detail = f" ({'; '.join(skipped[:3])})" if skipped else ""
        raise EmptyInput(source, f"WARC has no response record with readable text{detail}")
    return docs
