"""Opening password-protected files with passwords the user gives at ingest (``--password``).

Sources often send a protected file and its password separately. Given passwords are tried on
an encrypted PDF, an encrypted Office file (OOXML: .docx/.xlsx/.pptx; Excel/Word 97-2003) and
nothing else; the original bytes are kept as received, the opened copy is parsed, and the
documents say that a given password opened them (the password itself is recorded nowhere).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from harvestwatch.core.errors import CorruptInput


@dataclass(frozen=True)
class Unlocked:
    """The readable copy of a protected file, and what it was."""

    data: bytes
    what: str  # "PDF" | "Office document"


def _pdf(data: bytes, source: str, passwords: tuple[str, ...]) -> Unlocked | None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdfium.PdfDocument(data).close()
        return None  # opens without a password
    except pdfium.PdfiumError as exc:
        if "password" not in str(exc).lower():
            return None
    for password in passwords:
        try:
            pdf = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError:
            continue
        out = io.BytesIO()
        try:
            pdf.save(out, flags=pdfium_c.FPDF_REMOVE_SECURITY)
        finally:
            pdf.close()
        return Unlocked(out.getvalue(), "PDF")
    raise CorruptInput(source, f"encrypted PDF: none of the {len(passwords)} password(s) given "
                               "opens it")


def _office(data: bytes, source: str, passwords: tuple[str, ...]) -> Unlocked | None:
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if not office.is_encrypted():
            return None
    except (FileFormatError, OSError, ValueError, KeyError, AssertionError):
        return None  # not an Office container msoffcrypto knows
    except Exception:  # msoffcrypto raises bare exceptions on odd containers; not ours to open
        return None
    for password in passwords:
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            office.load_key(password=password)
            out = io.BytesIO()
            office.decrypt(out)
        except (InvalidKeyError, DecryptionError):
            continue
        except Exception:  # a damaged stream: try the next password, then report
            continue
        return Unlocked(out.getvalue(), "Office document")
    raise CorruptInput(source, f"password-protected Office document: none of the {len(passwords)} "
                               "password(s) given opens it")


def unlock(data: bytes, source: str, passwords: tuple[str, ...]) -> Unlocked | None:
    """The opened copy of a protected PDF or Office file, None if ``data`` is not protected
    (or not a kind this can open); ``CorruptInput`` if no given password opens it."""
    if not passwords:
        return None
    if data.startswith(b"%PDF") or data[:1024].find(b"%PDF-") >= 0:
        return _pdf(data, source, passwords)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: encrypted OOXML, .xls, .doc
        return _office(data, source, passwords)
    return None
