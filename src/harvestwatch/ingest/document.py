"""The parsed form of one source document: normalised text plus metadata."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass
class ParsedDocument:
    """One document taken from an input. Every offset anywhere refers to ``text``."""

    text: str
    raw: bytes
    mime: str
    language: str = "other"
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date
    site: str | None = None
    url: str | None = None
    pages: list[tuple[int, int]] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    # Documents inside another (archive members, e-mail attachments): the index of the parent
    # in the same parse result, the relation ("member", "attachment", "message") and the name.
    parent: int | None = None
    relation: str | None = None
    member: str | None = None
    # OCR: pages still to read (``ocr_jobs``, with ``page_texts`` holding the text-layer pages
    # and None for each page to OCR) and, once read, each page's word boxes (``ocr.assemble``).
    ocr_jobs: list = field(default_factory=list)
    page_texts: list[str | None] | None = None
    ocr_pages: list[dict] = field(default_factory=list)


def adopt(docs: list[ParsedDocument], children: list[ParsedDocument], parent: int,
          relation: str, member: str) -> None:
    """Append ``children`` (one parse result) to ``docs`` under ``docs[parent]``."""
    base = len(docs)
    for child in children:
        if child.parent is None:
            child.parent, child.relation, child.member = parent, relation, member
        else:
            child.parent += base
        docs.append(child)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls but tab and newline, DEL


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` newlines, no NULs or other C0 controls but tab/newline, trimmed ends."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).strip()
