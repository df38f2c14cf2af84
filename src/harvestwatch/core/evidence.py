"""Evidence pointers: where in a source a derived item comes from.

Every derived item carries one: character offsets into a document's normalised
text (``Evidence``), or a row of a dataset (``DataEvidence``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in some text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Character offsets ``[start, end)`` into the normalised text of a stored document."""

    document_sha256: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if len(self.document_sha256) != 64:
            raise ValueError(f"not a sha256: {self.document_sha256!r}")
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad evidence span [{self.start}, {self.end})")

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def to_dict(self) -> dict:
        return {"document_sha256": self.document_sha256, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class DataEvidence:
    """A row of a named dataset (e.g. ``CN:deceased_donors``) that a figure comes from."""

    dataset: str
    row: int

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "row": self.row}
