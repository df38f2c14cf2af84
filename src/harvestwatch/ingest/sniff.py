"""What a file is, decided from its bytes (libmagic plus a few checks of our own).

``sniff`` returns the parser to use, or raises ``UnsupportedFormat`` with a reason that names
what the file is and what would make it readable ("RAR archive, unsupported: unpack it ...").
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from harvestwatch.core.errors import UnsupportedFormat

# parser kinds: pdf docx html text warc image archive email mbox msg pst office sheet csv svg
# dbf djvu mdb
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RFC822_HEADERS = re.compile(
    rb"^(from|to|cc|subject|date|message-id|mime-version|received|return-path|reply-to|"
    rb"x-[\w-]+|delivered-to|content-type|sender|in-reply-to|references):", re.I | re.M)
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:[ \t]?.*$|^[ \t]+\S.*$")

# Content that is refused, with what would make it work (by libmagic's MIME type).
_REFUSED_MIME = {
    "application/encrypted": ("password-protected Office document",
                              "save a copy without the password and ingest that"),
    "application/x-executable": ("executable program", "nothing: programs are not evidence text"),
    "application/x-sharedlib": ("executable program", "nothing: programs are not evidence text"),
    "application/x-sqlite3": ("SQLite database", "export its tables to CSV and ingest those"),
    "application/x-iso9660-image": ("ISO disc image", "mount or unpack it and ingest the folder"),
}
_IMAGE_MIME = {"image/png", "image/jpeg", "image/tiff", "image/webp", "image/gif", "image/bmp",
               "image/jp2", "image/x-portable-pixmap", "image/x-portable-greymap",
               "image/x-ms-bmp", "image/jpx"}
_SHEET_EXT = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_ODF = {"application/vnd.oasis.opendocument.text": "office",
        "application/vnd.oasis.opendocument.presentation": "office",
        "application/vnd.oasis.opendocument.spreadsheet": "sheet",
        "application/vnd.oasis.opendocument.graphics": "office"}


@dataclass(frozen=True)
class Sniffed:
    """A parser ``kind``, the MIME type and a human label ("JPEG image")."""

    kind: str
    mime: str
    label: str


def magic_of(data: bytes) -> tuple[str, str]:
    """libmagic's (MIME type, description) of the first 1 MB."""
    import magic

    head = data[:1 << 20]
    try:
        return magic.from_buffer(head, mime=True), magic.from_buffer(head)
    except Exception:  # libmagic refuses odd buffers now and then; treat as unknown data
        return "application/octet-stream", "data"


def extension(source: str) -> str:
    name = PurePosixPath(source.split("?")[0].split("#")[0]).name.lower()
    for ext in (".warc.gz", ".tar.gz", ".tar.bz2", ".tar.xz"):
        if name.endswith(ext):
            return ext
    return PurePosixPath(name).suffix


def looks_like_email(head: bytes) -> bool:
    """An RFC 822 header block: header lines up to a blank line, with known mail headers."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    known = 0
    for i, line in enumerate(lines[:80]):
        if not line.strip():
            return i > 0 and known >= 2
        if not _HEADER_LINE.match(line):
            return False
        known += bool(_RFC822_HEADERS.match(line))
    return known >= 3


def _zip_kind(data: bytes, source: str) -> Sniffed:
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        names = None
    ext = extension(source)
    if names is None:
        if ext == ".docx" or b"word/" in data[:65536]:
            return Sniffed("docx", "application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document", "DOCX document")
        return Sniffed("archive", "application/zip", "ZIP archive")
    if "word/document.xml" in names:
        return Sniffed("docx", "application/vnd.openxmlformats-officedocument."
                               "wordprocessingml.document", "DOCX document")
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return Sniffed("sheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       "XLSX workbook")
    if "ppt/presentation.xml" in names:
        return Sniffed("office", "application/vnd.openxmlformats-officedocument."
                                 "presentationml.presentation", "PPTX presentation")
    if "META-INF/manifest.xml" in names and "mimetype" in names:
        try:
            manifest = zipfile.ZipFile(BytesIO(data)).read("META-INF/manifest.xml")
        except Exception:  # a damaged manifest: decided below from the mimetype
            manifest = b""
        if b"encryption-data" in manifest:
            raise UnsupportedFormat(source, "password-protected OpenDocument file, unsupported: "
                                            "save a copy without the password and ingest that")
    if "mimetype" in names:
        try:
            mime = zipfile.ZipFile(BytesIO(data)).read("mimetype").decode("ascii", "replace").strip()
        except Exception:  # an unreadable mimetype member: an ordinary zip then
            mime = ""
        if mime in _ODF:
            return Sniffed(_ODF[mime], mime, "OpenDocument file")
        if mime == "application/epub+zip":
            return Sniffed("office", mime, "EPUB book")
    return Sniffed("archive", "application/zip", "ZIP archive")


def _ole_kind(data: bytes, source: str, description: str) -> Sniffed:
    """OLE2 compound files: Word, Excel, PowerPoint, Outlook .msg, or an encrypted OOXML."""
    import olefile

    try:
        ole = olefile.OleFileIO(BytesIO(data))
        streams = {"/".join(s).lower() for s in ole.listdir()}
        ole.close()
    except Exception:  # olefile raises many types on damaged containers
        streams = set()
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        raise UnsupportedFormat(source, "password-protected Office document (encrypted OOXML): "
                                        "give its password with --password, or ingest a copy "
                                        "saved without it")
    if any(s.startswith("__substg1.0_") for s in streams):
        return Sniffed("msg", "application/vnd.ms-outlook", "Outlook message")
    if "workbook" in streams or "book" in streams:
        return Sniffed("sheet", "application/vnd.ms-excel", "Excel 97-2003 workbook")
    if "worddocument" in streams:
        return Sniffed("office", "application/msword", "Word 97-2003 document")
    if "powerpoint document" in streams:
        return Sniffed("office", "application/vnd.ms-powerpoint", "PowerPoint 97-2003 presentation")
    ext = extension(source)
    by_ext = {".doc": ("office", "application/msword", "Word 97-2003 document"),
              ".xls": ("sheet", "application/vnd.ms-excel", "Excel 97-2003 workbook"),
              ".ppt": ("office", "application/vnd.ms-powerpoint", "PowerPoint 97-2003 presentation"),
              ".msg": ("msg", "application/vnd.ms-outlook", "Outlook message")}
    if ext in by_ext and not streams:  # a damaged container: let the parser say what is wrong
        return Sniffed(*by_ext[ext])
    raise UnsupportedFormat(source, f"OLE2 compound file ({description[:60]}), unsupported: "
                                    "open it in its program and save it as PDF or DOCX")


def sniff(data: bytes, source: str, content_type: str | None = None) -> Sniffed:
    """Which parser reads ``data``; raises UnsupportedFormat naming what it is otherwise."""
    head = data[:4096]
    ext = extension(source)
    if head.startswith(b"%PDF-") or (b"%PDF-" in head[:1024] and ext == ".pdf"):
        return Sniffed("pdf", "application/pdf", "PDF document")
    if head.startswith(b"WARC/"):
        return Sniffed("warc", "application/warc", "WARC file")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data, source)
    if head.startswith(_OLE):
        return _ole_kind(data, source, magic_of(data)[1])
    if head.startswith(b"{\\rtf"):
        return Sniffed("office", "application/rtf", "RTF document")
    if head.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01")):
        return Sniffed("archive", "application/vnd.rar", "RAR archive")
    if mime_pst(head):
        return Sniffed("pst", "application/vnd.ms-outlook-pst", "Outlook PST mailbox")
    if head.startswith(b"AT&TFORM") and head[12:16] in (b"DJVU", b"DJVM"):
        return Sniffed("djvu", "image/vnd.djvu", "DjVu document")
    if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
        return Sniffed("mdb", "application/x-msaccess", "Microsoft Access database")
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Sniffed("archive", "application/x-7z-compressed", "7z archive")
    if head.startswith(b"\x1f\x8b"):
        return Sniffed("archive", "application/gzip", "gzip file")  # a .warc.gz is found inside
    if head.startswith(b"BZh") or head.startswith(b"\xfd7zXZ\x00"):
        return Sniffed("archive", "application/x-compressed", "compressed file")
    if len(data) > 262 and data[257:262] == b"ustar":
        return Sniffed("archive", "application/x-tar", "tar archive")
    mime, description = magic_of(data)
    if mime in _IMAGE_MIME:
        return Sniffed("image", mime, f"{description.split(',')[0]}")
    if mime == "application/x-dbf":
        return Sniffed("dbf", mime, "dBase table")
    if mime == "image/svg+xml":
        return Sniffed("svg", mime, "SVG image")
    if mime in _REFUSED_MIME:
        label, fix = _REFUSED_MIME[mime]
        raise UnsupportedFormat(source, f"{label}, unsupported: {fix}")
    if mime in ("application/x-rar", "application/vnd.rar"):
        return Sniffed("archive", mime, "RAR archive")
    if mime == "image/vnd.djvu":
        return Sniffed("djvu", mime, "DjVu document")
    if mime == "application/x-msaccess":
        return Sniffed("mdb", mime, "Microsoft Access database")
    if mime in ("application/vnd.ms-outlook", "application/vnd.ms-outlook-pst") \
            or "Outlook Personal Storage" in description:
        return Sniffed("pst", "application/vnd.ms-outlook-pst", "Outlook PST mailbox")
    if mime == "application/x-tar":
        return Sniffed("archive", mime, "tar archive")
    if mime.startswith(("audio/", "video/")):
        kind = "audio" if mime.startswith("audio/") else "video"
        raise UnsupportedFormat(source, f"{description.split(',')[0]} ({kind}), unsupported: "
                                        f"harvestwatch reads text, not {kind}; ingest a transcript")
    if mime == "application/x-ia-arc":
        return Sniffed("warc", mime, "ARC web archive")
    if head.startswith(b"From ") and looks_like_email(head.split(b"\n", 1)[-1]):
        return Sniffed("mbox", "application/mbox", "mbox mailbox")
    if re.match(rb"^\d+\s*\n", head) and looks_like_email(head.split(b"\n", 1)[-1]):
        return Sniffed("email", "message/rfc822", "Apple Mail message")
    if mime == "message/rfc822" or looks_like_email(head.lstrip(b"\xef\xbb\xbf")):
        return Sniffed("email", "message/rfc822", "email message")
    sniff_html = head.lower().lstrip()
    text_named = ext in (".txt", ".text", ".md", ".markdown")  # tags in notes stay text
    if (sniff_html.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff_html[:512]
            or b"<body" in sniff_html
            or (mime in ("text/html", "application/xhtml+xml") and not text_named)):
        return Sniffed("html", "text/html", "HTML page")
    declared_csv = (content_type or "").split(";")[0].strip().lower() == "text/csv"
    if ext in (".csv", ".tsv") or declared_csv:  # libmagic's "CSV text" alone could be prose
        if not _binary(head):
            return Sniffed("csv", "text/csv", "CSV table")
    if content_type:
        ctype = content_type.split(";")[0].strip().lower()
        if ctype in ("text/html", "application/xhtml+xml"):
            return Sniffed("html", "text/html", "HTML page")
        if ctype == "application/pdf":
            return Sniffed("pdf", ctype, "PDF document")
    if ext in (".html", ".htm", ".xhtml") and not _binary(head):
        return Sniffed("html", "text/html", "HTML page")
    if mime.startswith("text/") or mime in ("application/json", "application/x-ndjson",
                                            "application/xml", "application/javascript"):
        if not _binary(head):
            return Sniffed("text", mime, "text")
    if mime == "application/x-empty" or not data.strip():
        return Sniffed("text", "text/plain", "empty file")
    if not _binary(head) or _utf16(head):
        return Sniffed("text", "text/plain", "text")
    label = description.split(",")[0] if description not in ("data", "") else "binary data"
    raise UnsupportedFormat(source, f"{label} ({mime}), unsupported: harvestwatch reads PDF, "
                                    "Office/OpenDocument, HTML, text, e-mail, images (OCR), "
                                    "archives and WARC; convert it to one of those")


def mime_pst(head: bytes) -> bool:
    """An Outlook PST/OST file: "!BDN" then the "SM" client magic."""
    return head.startswith(b"!BDN") and head[8:10] in (b"SM", b"SO")


def _utf16(head: bytes) -> bool:
    """BOM-less UTF-16 text (CJK text in UTF-16 has few NUL bytes): decodes with few controls."""
    head = head[: len(head) // 2 * 2]
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r") or 0xE000 <= ord(c) < 0xF900
                  or 0xD800 <= ord(c) < 0xE000)
        if text and bad < len(text) * 0.01:
            return True
    return False


def _binary(head: bytes) -> bool:
    """Bytes that no text encoding produces (many C0 controls), allowing UTF-16."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if head.count(0) > len(head) // 4 and head.count(0) < len(head) * 0.6:
        return False  # probably UTF-16 without a BOM
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


# What a file holds, by its content, for measuring how much of a collection gives text.
CLASS_OF_KIND = {"pdf": "document", "docx": "document", "office": "document", "html": "document",
                 "djvu": "document", "sheet": "document", "csv": "document", "dbf": "document",
                 "mdb": "document", "image": "image", "svg": "image", "archive": "archive",
                 "email": "e-mail", "mbox": "e-mail", "msg": "e-mail", "pst": "e-mail",
                 "warc": "web capture"}
_DATA_MIMES = ("application/json", "text/vcard", "text/x-vcard", "text/calendar")


def content_class(data: bytes, source: str) -> str:
    """document | image | archive | e-mail | web capture | structured data | audio or video |
    other: what a file is, from its bytes (a gzip-wrapped WARC is a web capture; a refused
    password-protected file is still the document it encrypts)."""
    import gzip
    import zlib

    try:
        found = sniff(data, source)
    except UnsupportedFormat as exc:
        reason = exc.reason.lower()
        if "audio" in reason or "video" in reason:
            return "audio or video"
        if "password" in reason or "encrypted" in reason:
            return "document"
        return "other"
    if found.kind == "archive" and found.mime == "application/gzip":
        try:
            head = gzip.GzipFile(fileobj=BytesIO(data)).read(64)
        except (OSError, EOFError, zlib.error):
            head = b""
        if head.startswith((b"WARC/", b"filedesc://")):
            return "web capture"
    if found.kind == "text":
        if found.mime in _DATA_MIMES:
            return "structured data"
        return "document"
    return CLASS_OF_KIND.get(found.kind, "other")
