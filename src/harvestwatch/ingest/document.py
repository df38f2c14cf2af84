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


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls but tab and newline, DEL


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` newlines, no NULs or other C0 controls but tab/newline, trimmed ends."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).strip()
