"""Writing and reading documents: row fingerprints the ledger vouches for, text (de)cryption."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from harvestwatch.core.errors import NotFound
from harvestwatch.core.hashing import sha256_bytes, sha256_json
from harvestwatch.store.crypto import Cipher, is_sealed_text
from harvestwatch.store.models import Document

FINGERPRINT_FIELDS = ("sha256", "source_id", "record_index", "title", "author", "published",
                      "site", "url", "language", "mime", "kind", "restricted", "text_sha256",
                      "text_length", "pages", "near_duplicate_of")


def fingerprint(doc: Document) -> str:
    """Hash of the row values the custody ledger vouches for (the text via ``text_sha256``)."""
    return sha256_json({f: getattr(doc, f) for f in FINGERPRINT_FIELDS} | {"tags": doc.tag_names,
                                                                             "meta": doc.meta})


def text_hash(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def plain_text(doc: Document, cipher: Cipher) -> str:
    """The document's normalised text (a restricted one is opened as it loads; while the
    store is locked this raises ``StoreLocked`` naming what to set)."""
    if doc.restricted and is_sealed_text(doc.text):
        return cipher.decrypt_text(doc.text, b"documents.text")
    return doc.text


def find_document(session: Session, ref: str | int, *, include_restricted: bool = False) -> Document:
    """A document by numeric id, full sha256 or a unique sha256 prefix (≥ 8 hex digits)."""
    by_id = isinstance(ref, int)  # an id from a typed parameter, however many digits
    ref = str(ref).strip()
    doc: Document | None = None
    if by_id or (ref.isdigit() and len(ref) < 8):
        doc = session.get(Document, int(ref))
    elif len(ref) == 64:
        doc = session.scalar(select(Document).where(Document.sha256 == ref.lower()))
    elif len(ref) >= 8:
        q = select(Document).where(Document.sha256.like(ref.lower() + "%"))
        if not include_restricted:  # "ambiguous" must not tell that a hidden document matches
            q = q.where(Document.restricted.is_(False))
        hits = list(session.scalars(q.limit(2)))
        if len(hits) > 1:
            raise NotFound(f"document prefix {ref!r} is ambiguous; give more digits")
        doc = hits[0] if hits else None
    if doc is None or (doc.restricted and not include_restricted):
        raise NotFound(f"no document {ref!r} in the store")
    return doc
