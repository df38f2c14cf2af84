"""Office files: OpenDocument, legacy Word/PowerPoint, RTF, PPTX (LibreOffice headless, as
Aleph does) and spreadsheets (.xlsx/.xls/.ods via python-calamine; .csv).

LibreOffice runs once per file with its own profile folder, a time limit and a memory limit,
and is killed with everything it started when the limit passes. A sheet becomes text one row a
line, cells separated by tabs, under a ``Sheet: name`` heading; a merged range's value is kept
once, in its top-left cell.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

from harvestwatch.core.errors import CorruptInput, EmptyInput, InputError, UnsupportedFormat
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language
from harvestwatch.ingest.sniff import magic_of, sniff
from harvestwatch.ingest.tools import run_tool

SOFFICE_TIMEOUT = 180.0
SOFFICE_MEMORY = 3 * 1024 * 1024 * 1024
MAX_CELLS = 5_000_000
_TEXT_FILTER = "txt:Text (encoded):UTF8"
_SUFFIX = {"application/msword": ".doc", "application/rtf": ".rtf",
           "application/vnd.ms-powerpoint": ".ppt",
           "application/vnd.oasis.opendocument.text": ".odt",
           "application/vnd.oasis.opendocument.presentation": ".odp",
           "application/vnd.oasis.opendocument.graphics": ".odg",
           "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
           "application/epub+zip": ".epub"}
_PRESENTATIONS = (".ppt", ".pptx", ".odp", ".odg")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, target: str, source: str,
            timeout: float = SOFFICE_TIMEOUT) -> bytes:
    """Convert with LibreOffice headless; the converted bytes, or an InputError why not."""
    binary = soffice()
    if binary is None:
        raise UnsupportedFormat(source, "reading this office format needs LibreOffice "
                                        "(Debian libreoffice-core-nogui; make install)")
    with tempfile.TemporaryDirectory(prefix="hw-office-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        profile = Path(tempfile.gettempdir()) / f"harvestwatch-lo-{os.getuid()}-{os.getpid()}"
        cmd = [binary, "--headless", "--norestore", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation=file://{profile}", "--convert-to", target,
               "--outdir", str(Path(tmp) / "out"), str(src)]
        result = run_tool(cmd, source, timeout=timeout, memory=SOFFICE_MEMORY)
        outputs = list((Path(tmp) / "out").glob("input.*"))
        if result.returncode != 0 or not outputs:
            lines = [ln for ln in result.stderr.decode("utf-8", "replace").splitlines()
                     if ln.strip() and "javaldx" not in ln]
            why = lines[-1][:120] if lines else "no output"
            raise CorruptInput(source, f"LibreOffice could not read it ({why}); damaged or "
                                       "password-protected?")
        return outputs[0].read_bytes()


def parse_office(data: bytes, source: str) -> list[ParsedDocument]:
    """Word-processing files and presentations through LibreOffice."""
    kind = sniff(data, source)
    suffix = _SUFFIX.get(kind.mime, ".doc")
    if suffix in _PRESENTATIONS:
        from harvestwatch.ingest.formats.pdf import parse_pdf

        pdf = convert(data, suffix, "pdf", source)
        try:
            doc = parse_pdf(pdf, source)[0]
        except EmptyInput:
            raise EmptyInput(source, f"{kind.label} has no text") from None
        if doc.ocr_jobs:  # slides that are pictures: read their text layer only
            doc.text = "\n\n".join(t for t in doc.page_texts or [] if t)
            doc.ocr_jobs, doc.page_texts = [], None
        text = doc.text
    else:
        text = convert(data, suffix, _TEXT_FILTER, source).decode("utf-8", "replace")
    text = normalise_text(text.lstrip("\ufeff"))
    if not text:
        raise EmptyInput(source, f"{kind.label} has no text")
    return [ParsedDocument(text=text, raw=data, mime=kind.mime, language=detect_language(text),
                           metadata={"converter": "libreoffice"})]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def parse_sheet(data: bytes, source: str) -> list[ParsedDocument]:
    """Workbooks (.xlsx, .xlsb, .xls, .ods): every sheet's rows as tab-separated lines."""
    from python_calamine import CalamineWorkbook

    mime = sniff(data, source).mime
    if mime == "application/vnd.ms-excel" and _xls_encrypted(data):
        raise UnsupportedFormat(source, "password-protected Excel 97-2003 workbook: give its "
                                        "password with --password, or ingest a copy saved "
                                        "without it")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for damaged/locked books
        why = str(exc).split("\n")[0][:100]
        if "password" in (why + type(exc).__name__).lower() or "encrypt" in why.lower():
            raise UnsupportedFormat(source, "password-protected workbook, unsupported: save a "
                                            "copy without the password and ingest that") from None
        raise CorruptInput(source, f"unreadable workbook ({why})") from None
    blocks, sheets, cells = [], [], 0
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:  # one damaged sheet does not lose the others
            sheets.append({"name": name, "error": str(exc)[:100]})
            continue
        lines = []
        for row in rows:
            cells += len(row)
            if cells > MAX_CELLS:
                raise InputError(source, f"workbook has over {MAX_CELLS:,} cells; refused")
            line = "\t".join(_cell(v) for v in row).rstrip("\t")
            if line.strip():
                lines.append(line)
        merged = _merged(sheet)
        sheets.append({"name": name, "rows": len(rows), "merged": merged})
        if lines:
            blocks.append(f"Sheet: {name}\n" + "\n".join(lines))
    text = normalise_text("\n\n".join(blocks))
    if not text:
        raise EmptyInput(source, "workbook has no cell values")
    return [ParsedDocument(text=text, raw=data, mime=mime, language=detect_language(text),
                           metadata={"sheets": sheets})]


def _xls_encrypted(data: bytes) -> bool:
    """A BIFF8 workbook stream with a FILEPASS record (0x002F) among its first records."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook").read(1 << 16)
    except Exception:  # not a readable OLE workbook: calamine will say what is wrong
        return False
    pos = 0
    for _ in range(64):
        if pos + 4 > len(stream):
            return False
        kind, length = int.from_bytes(stream[pos:pos + 2], "little"), \
            int.from_bytes(stream[pos + 2:pos + 4], "little")
        if kind == 0x2F:
            return True
        pos += 4 + length
    return False


def _merged(sheet) -> list[str]:
    """Merged ranges as A1:B2 strings (where calamine reports them)."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # not every format records merges
        return []
    out = []
    for (r0, c0), (r1, c1) in ranges:
        out.append(f"{_col(c0)}{r0 + 1}:{_col(c1)}{r1 + 1}")
    return out


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def parse_csv(data: bytes, source: str) -> list[ParsedDocument]:
    """A CSV/TSV table (any encoding), one row a tab-separated line."""
    from harvestwatch.ingest.formats.text import decode_text

    text, encoding = decode_text(data, source)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    try:
        lines = ["\t".join(" ".join(c.split()) for c in row).rstrip("\t") for row in rows]
    except csv.Error as exc:
        raise CorruptInput(source, f"malformed CSV ({exc})") from None
    body = normalise_text("\n".join(line for line in lines if line.strip()))
    if not body:
        raise EmptyInput(source, "CSV has no values")
    return [ParsedDocument(text=body, raw=data, mime="text/csv", language=detect_language(body),
                           metadata={"encoding": encoding, "rows": len(lines),
                                     "detected": magic_of(data[:4096])[0]})]


_DBF_CODEPAGES = {0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x4D: "gb18030", 0x4E: "cp949",
                  0x4F: "big5", 0x57: "cp1252", 0x64: "cp852", 0x65: "cp866", 0xC8: "cp1250",
                  0xC9: "cp1251", 0x7A: "gb18030"}


def parse_dbf(data: bytes, source: str) -> list[ParsedDocument]:
    """A dBase/FoxPro table: a header line of field names, then a tab-separated line a record."""
    if len(data) < 33:
        raise CorruptInput(source, "dBase table shorter than its header")
    count = int.from_bytes(data[4:8], "little")
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    codec = _DBF_CODEPAGES.get(data[29], "cp1252")
    fields: list[tuple[str, int]] = []
    pos = 32
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0", 1)[0].decode("ascii", "replace")
        fields.append((name, data[pos + 16]))
        pos += 32
    if not fields or record_len <= 1 or header_len > len(data):
        raise CorruptInput(source, "damaged dBase table (no field descriptors)")
    lines = ["\t".join(name for name, _ in fields)]
    for i in range(min(count, (len(data) - header_len) // record_len)):
        record = data[header_len + i * record_len: header_len + (i + 1) * record_len]
        if record[:1] == b"*":
            continue  # a deleted record
        cells, at = [], 1
        for _, width in fields:
            cells.append(" ".join(record[at:at + width].decode(codec, "replace").split()))
            at += width
        lines.append("\t".join(cells).rstrip("\t"))
    text = normalise_text("\n".join(line for line in lines if line.strip()))
    if len(lines) < 2:
        raise EmptyInput(source, "dBase table has no records")
    return [ParsedDocument(text=text, raw=data, mime="application/x-dbf",
                           language=detect_language(text),
                           metadata={"fields": [name for name, _ in fields], "records": count,
                                     "encoding": codec})]
