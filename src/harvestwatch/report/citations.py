"""Numbered citations: to an exact document span (quoted) or to a dataset row (with its quote)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    number: int
    kind: str  # "span" | "data"
    label: str  # document title or dataset name
    quote: str  # exact cited text (span) or the source's own sentence (data)
    document_id: int | None = None
    sha256: str | None = None
    start: int | None = None
    end: int | None = None
    dataset_origin: str | None = None  # "file.csv:12"
    url: str | None = None
    ocr: str | None = None  # how surely OCR read the cited words, for a span of a scanned text

    def link(self, base_url: str) -> str | None:
        if self.kind == "span" and self.document_id is not None:
            return (f"{base_url.rstrip('/')}/documents/{self.document_id}"
                    f"?hl={self.start}-{self.end}#span-{self.start}-{self.end}")
        return self.url


@dataclass
class Citations:
    """Hands out numbers in first-use order; the same source twice gets the same number."""

    refs: list[Reference] = field(default_factory=list)
    _index: dict[tuple, int] = field(default_factory=dict)

    def span(self, doc: dict, start: int, end: int) -> int:
        key = ("span", doc["sha256"], start, end)
        if key not in self._index:
            quote = doc["text"][start:end]
            if not quote.strip():
                raise ValueError(f"empty citation span {start}-{end} in document {doc['id']}")
            self._add(key, Reference(0, "span", doc.get("title") or f"document {doc['id']}", quote,
                                     doc["id"], doc["sha256"], start, end, url=doc.get("url"),
                                     ocr=ocr_note(doc.get("ocr"), start, end)))
        return self._index[key]

    def data(self, dataset: str, origin: str, quote: str, url: str | None) -> int:
        key = ("data", dataset, origin)
        if key not in self._index:
            self._add(key, Reference(0, "data", dataset, quote, dataset_origin=origin, url=url))
        return self._index[key]

    def _add(self, key: tuple, ref: Reference) -> None:
        n = len(self.refs) + 1
        self.refs.append(Reference(n, *[getattr(ref, f) for f in (
            "kind", "label", "quote", "document_id", "sha256", "start", "end", "dataset_origin", "url",
            "ocr")]))
        self._index[key] = n


def ocr_note(reading: dict | None, start: int, end: int) -> str | None:
    """"text read by OCR (tesseract): cited words 71–96% confident (document 93.4%)" for a span
    of an OCR-read text; None for a text that was not OCR-read."""
    if not reading:
        return None
    confs = [c for s, e, c in reading.get("words", ()) if s < end and e > start and c is not None]
    engine = f" ({reading['engine']})" if reading.get("engine") else ""
    mean = reading.get("confidence")
    whole = f"document {mean}%" if mean is not None else "document confidence unknown"
    if not confs:
        return f"text read by OCR{engine}: confidence of these words unknown ({whole})"
    low, high = min(confs), max(confs)
    span = f"{low:.0f}%" if round(low) == round(high) else f"{low:.0f}–{high:.0f}%"
    return f"text read by OCR{engine}: cited words {span} confident ({whole})"
