"""E-mail: .eml (RFC 822, also Apple .emlx), .mbox mailboxes and Outlook .msg.

A message is a document: its headers (from, to, cc, date, subject, message-id) are metadata
and head the text; its body is the plain-text part (or the HTML part's text). Attachments are
parsed as inputs of their own and become child documents of the message; one that cannot be
read is named in the message's ``metadata["skipped"]``, never fatal. A mailbox is a document
listing its messages, with each message a child.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from datetime import UTC

from harvestwatch.core.errors import CorruptInput, DecompressionBomb, EmptyInput, InputError
from harvestwatch.ingest.document import ParsedDocument, adopt, normalise_text
from harvestwatch.ingest.language import detect_language

HEADERS = ("from", "to", "cc", "date", "subject", "message-id")
MAX_MESSAGES = 100_000


def _iso_date(value: str | None) -> str | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date().isoformat()


def _header_text(headers: dict[str, str]) -> str:
    return "\n".join(f"{k.title()}: {v}" for k, v in headers.items() if v)


def _html_text(html: str, source: str) -> str:
    from harvestwatch.ingest.formats.html import parse_html

    try:
        return parse_html(html.encode("utf-8"), source, content_type="text/html; charset=utf-8")[0].text
    except InputError:
        return ""


def _message_doc(raw: bytes, headers: dict[str, str], body: str, mime: str) -> ParsedDocument:
    body = normalise_text(body)
    text = normalise_text(_header_text(headers) + "\n\n" + body)
    meta = {"email": {k: v for k, v in headers.items() if v}}
    return ParsedDocument(text=text, raw=raw, mime=mime,
                          language=detect_language(body) if body else "other",
                          title=headers.get("subject") or None,
                          author=headers.get("from") or None,
                          published=_iso_date(headers.get("date")), metadata=meta)


def _safe_header(msg, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header the policy cannot parse
        value = msg.get_all(name, failobj=[None])[0] if hasattr(msg, "get_all") else None
    return " ".join(str(value).split()) if value is not None else ""


def _attach(docs: list[ParsedDocument], name: str, data: bytes, content_type: str | None,
            source: str, max_bytes: int, nest, parent: int = 0) -> None:
    from harvestwatch.ingest.formats import parse_payload

    if not data:
        return
    try:
        children = parse_payload(data, source=f"{source}!{name}", content_type=content_type,
                                 max_bytes=max_bytes, ocr="defer", nest=nest)
    except DecompressionBomb:
        raise
    except InputError as exc:
        docs[parent].metadata.setdefault("skipped", []).append(f"{name}: {exc.reason}")
        return
    adopt(docs, children, parent, "attachment", name)


def parse_email(data: bytes, source: str, max_bytes: int, nest) -> list[ParsedDocument]:
    """One RFC 822 message (an Apple .emlx's byte-count line is skipped)."""
    raw = data
    first, _, rest = data.partition(b"\n")
    if first.strip().isdigit():  # .emlx: "<length>\n<message><plist>"
        data = rest[: int(first.strip())] if int(first.strip()) <= len(rest) else rest
    msg = email.message_from_bytes(data, policy=email.policy.default)
    headers = {h: _safe_header(msg, h) for h in HEADERS}
    if not any(headers.values()):
        raise CorruptInput(source, "not an e-mail message (no From/To/Subject/Date headers)")
    plain, html, attachments = [], [], []
    nest.depth += 1
    try:
        for part in msg.walk():
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            disposition = part.get_content_disposition()
            filename = part.get_filename()
            if disposition == "attachment" or filename or not ctype.startswith("text/") \
                    or ctype == "message/rfc822":
                try:
                    payload = part.get_payload(decode=True) or b""
                except Exception:  # a broken transfer encoding
                    payload = b""
                if ctype == "message/rfc822" and not payload:
                    inner = part.get_payload()
                    payload = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
                attachments.append((filename or f"part-{len(attachments) + 1}", payload, ctype))
                continue
            try:
                content = part.get_content()
            except (LookupError, UnicodeError, AssertionError, ValueError):
                content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
            (html if ctype == "text/html" else plain).append(content)
        body = "\n\n".join(plain) if any(p.strip() for p in plain) else \
            "\n\n".join(_html_text(h, source) for h in html)
        docs = [_message_doc(raw, headers, body, "message/rfc822")]
        docs[0].metadata["attachments"] = [name for name, _, _ in attachments]
        for name, payload, ctype in attachments:
            _attach(docs, name, payload, ctype, source, max_bytes, nest)
    finally:
        nest.depth -= 1
    return docs


_FROM_LINE = re.compile(rb"^From [^\n]*\n", re.M)


def parse_mbox(data: bytes, source: str, max_bytes: int, nest) -> list[ParsedDocument]:
    """A mailbox: a listing document, each message its child (attachments under those)."""
    starts = [m.start() for m in _FROM_LINE.finditer(data)
              if m.start() == 0 or data[m.start() - 1:m.start()] == b"\n"]
    if not starts:
        raise CorruptInput(source, "not an mbox mailbox (no 'From ' separator line)")
    if len(starts) > MAX_MESSAGES:
        raise DecompressionBomb(source, f"over {MAX_MESSAGES:,} messages in one mailbox")
    docs = [ParsedDocument(text="", raw=data, mime="application/mbox")]
    listing, skipped = [], []
    for n, (start, end) in enumerate(zip(starts, starts[1:] + [len(data)], strict=True), start=1):
        chunk = data[start:end]
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        chunk = re.sub(rb"(?m)^>(>*From )", rb"\1", chunk)  # mboxrd unquoting
        name = f"message-{n}"
        try:
            children = parse_email(chunk, f"{source}!{name}", max_bytes, nest)
        except DecompressionBomb:
            raise
        except InputError as exc:
            skipped.append(f"{name}: {exc.reason}")
            continue
        head = children[0]
        listing.append(f"{head.published or '?'}\t{head.author or '?'}\t{head.title or '(no subject)'}")
        adopt(docs, children, 0, "message", name)
    if not listing:
        raise EmptyInput(source, f"mbox with no readable message ({'; '.join(skipped[:2])})")
    docs[0].text = f"Mailbox with {len(listing)} message(s):\n" + "\n".join(listing)
    docs[0].metadata.update({"messages": len(listing), "skipped": skipped})
    return docs


def parse_msg(data: bytes, source: str, max_bytes: int, nest) -> list[ParsedDocument]:
    """An Outlook .msg (extract-msg): headers, body, attachments as children."""
    import logging

    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    try:
        msg = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:  # extract-msg raises many types on damaged or odd files
        raise CorruptInput(source, f"unreadable Outlook message ({type(exc).__name__}: "
                                   f"{str(exc)[:80]})") from None
    try:
        headers = {"from": getattr(msg, "sender", None) or "", "to": getattr(msg, "to", None) or "",
                   "cc": getattr(msg, "cc", None) or "", "date": "",
                   "subject": getattr(msg, "subject", None) or "",
                   "message-id": getattr(msg, "messageId", None) or ""}
        date = getattr(msg, "date", None)
        if date is not None:
            headers["date"] = email.utils.format_datetime(date) if hasattr(date, "tzinfo") else str(date)
        headers = {k: " ".join(str(v).split()) for k, v in headers.items()}
        body = getattr(msg, "body", None) or ""
        if not body.strip():
            html = getattr(msg, "htmlBody", None)
            body = _html_text(html.decode("utf-8", "replace"), source) if html else ""
        docs = [_message_doc(data, headers, body, "application/vnd.ms-outlook")]
        names = []
        nest.depth += 1
        try:
            for i, att in enumerate(getattr(msg, "attachments", []) or [], start=1):
                name = getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) \
                    or f"attachment-{i}"
                payload = getattr(att, "data", None)
                names.append(name)
                if isinstance(payload, bytes):
                    _attach(docs, name, payload, None, source, max_bytes, nest)
                elif payload is not None and hasattr(payload, "exportBytes"):
                    _attach(docs, name, payload.exportBytes(), None, source, max_bytes, nest)
                else:
                    docs[0].metadata.setdefault("skipped", []).append(
                        f"{name}: attachment without readable data")
        finally:
            nest.depth -= 1
        docs[0].metadata["attachments"] = names
        return docs
    finally:
        msg.close()


def parse_pst(data: bytes, source: str, max_bytes: int, nest) -> list[ParsedDocument]:
    """An Outlook PST/OST mailbox: ``readpst`` (Debian pst-utils) writes each folder as an
    mbox; they are read as one mailbox (messages, then attachments, as children)."""
    import tempfile
    from pathlib import Path

    from harvestwatch.ingest.tools import failure, require, run_tool

    readpst = require("readpst", source, "Outlook PST mailbox")
    with tempfile.TemporaryDirectory(prefix="hw-pst-") as tmp:
        path = Path(tmp) / "input.pst"
        path.write_bytes(data)
        out = Path(tmp) / "out"
        out.mkdir()
        result = run_tool([readpst, "-q", "-8", "-o", str(out), str(path)], source,
                          file_size=max_bytes + 1)
        if result.returncode != 0:
            raise failure(result, source, "Outlook PST mailbox")
        folders = sorted(p for p in out.rglob("*") if p.is_file())
        total = sum(p.stat().st_size for p in folders)
        if total > max_bytes:
            raise DecompressionBomb(source, f"PST messages expand to {total:,} bytes, over the "
                                            f"{max_bytes:,}-byte cap")
        mbox = b"".join(p.read_bytes().rstrip(b"\n") + b"\n\n" for p in folders)
    if not mbox.strip():
        raise EmptyInput(source, "Outlook PST mailbox with no messages")
    docs = parse_mbox(mbox, source, max_bytes, nest)
    docs[0].raw, docs[0].mime = data, "application/vnd.ms-outlook-pst"
    docs[0].text = "Outlook PST " + docs[0].text
    docs[0].metadata["folders"] = [str(p.relative_to(out)) for p in folders]
    return docs
