"""Extraction of texts of any length: long texts go to the extractors in chunks.

spaCy refuses a text over ``nlp.max_length`` (1,000,000 characters, error E088), and a long
text would hold a worker's memory anyway; so a text over ``CHUNK`` characters is cut at
paragraph (else line, else sentence) boundaries, each chunk is extracted, and the items'
offsets are shifted back into the whole text.
"""

from __future__ import annotations

import re

from harvestwatch.core.items import Item

CHUNK = 100_000  # characters per chunk (spaCy's limit is ten times this)
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?。！？])\s*"))


def chunks(text: str, size: int = CHUNK) -> list[tuple[int, str]]:
    """``text`` as (offset, piece) pairs of at most ``size`` characters, cut at boundaries."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = None
        for pattern in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window, size // 2)]
            if ends:
                cut = ends[-1]
                break
        cut = cut or size
        out.append((start, text[start:start + cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def extract_items(texts_langs: list[tuple[str, str]], size: int = CHUNK) -> list[list[Item]]:
    """Items of each (text, language), extracted in one batch of chunks."""
    from harvestwatch.extract.registry import extract_all

    pieces: list[tuple[int, int, str, str]] = []  # (text index, offset, chunk, language)
    for i, (text, lang) in enumerate(texts_langs):
        pieces.extend((i, offset, piece, lang) for offset, piece in chunks(text, size))
    results = extract_all([p[2] for p in pieces], [p[3] for p in pieces])
    out: list[list[Item]] = [[] for _ in texts_langs]
    for (i, offset, _, _), result in zip(pieces, results, strict=True):
        out[i].extend(item.shifted(offset) if offset else item for item in result)
    return out
