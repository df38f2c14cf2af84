"""Extracted items: a typed payload at a place in a document.

An ``Item`` is what extraction produces, the store keeps (``store.items`` converts it to and
from a row) and linking consumes: its ``span`` in the document's normalised text (its
``evidence`` once the document is known) and one payload — a ``Mention`` of an entity, a
``Quantity``, a ``Testimony`` or a ``Stance``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from harvestwatch.core.evidence import Evidence, Span
from harvestwatch.core.quantity import Quantity

ENTITY_LABELS = ("person", "organization", "place", "hospital", "victim_group", "organ", "law")
STANCE_KINDS = ("allegation", "denial", "condemnation", "legal_measure", "call_to_action")
ITEM_TYPES = ("entity", "quantity", "testimony", "stance")


@dataclass(frozen=True, slots=True)
class Mention:
    """A named entity: its type, the name it stands for and how it was found."""

    label: str
    canonical: str
    source: str = "ner"  # ner | gazetteer | acronym | pattern
    aliases: tuple[str, ...] = ()  # other names the document gives it ("ETAC" for its long form)


@dataclass(frozen=True, slots=True)
class Testimony:
    """A quoted statement (the item's text) and who made it."""

    speaker: str | None
    speaker_span: Span | None = None
    role: str | None = None
    verb: str | None = None


@dataclass(frozen=True, slots=True)
class Stance:
    """A sentence that alleges, denies, condemns, legislates or calls to act, and by whom."""

    kind: str
    actor: str | None = None
    actors: tuple[str, ...] = ()
    cue: str | None = None
    target: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in STANCE_KINDS:
            raise ValueError(f"unknown stance {self.kind!r}; expected one of {STANCE_KINDS}")


Payload = Mention | Quantity | Testimony | Stance
_TYPE = {Mention: "entity", Quantity: "quantity", Testimony: "testimony", Stance: "stance"}


@dataclass(frozen=True, slots=True)
class Item:
    """One extracted item: ``text`` at ``span`` with its typed ``payload``.

    ``id``, ``document_id``, ``document_sha256`` and ``extractor`` are known once stored.
    """

    span: Span
    text: str
    payload: Payload
    document_id: int | None = None
    document_sha256: str | None = None
    id: int | None = None
    extractor: str | None = None

    @property
    def item_type(self) -> str:
        return _TYPE[type(self.payload)]

    @property
    def label(self) -> str:
        p = self.payload
        if isinstance(p, Mention):
            return p.label
        if isinstance(p, Quantity):
            return p.what
        return "testimony" if isinstance(p, Testimony) else p.kind

    @property
    def canonical(self) -> str | None:
        """The name an entity stands for, a testimony's speaker, a stance's actor."""
        p = self.payload
        if isinstance(p, Mention):
            return p.canonical
        if isinstance(p, Testimony):
            return p.speaker
        return p.actor if isinstance(p, Stance) else None

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end

    @property
    def evidence(self) -> Evidence:
        if self.document_sha256 is None:
            raise ValueError("an item has evidence only once its document is known")
        return Evidence(self.document_sha256, self.span.start, self.span.end)

    @property
    def reading(self) -> str:
        """A one-line reading of the payload: "victims: over 65000 persons per year (why: killed)"."""
        p = self.payload
        if isinstance(p, Quantity):
            iv = p.interval
            high = "∞" if math.isinf(iv.high) else f"{iv.high:g}"
            rng = f"{p.value:g}" if p.value is not None else f"{iv.low:g}–{high}"
            why = ", ".join(c.word for c in p.decided_by)
            words = [p.what + ":", p.qualifier or "", rng, p.unit or "", p.time_scope or ""]
            return " ".join(w for w in words if w) + (f" (why: {why})" if why else "")
        if isinstance(p, Testimony):
            return f"{p.speaker or '?'}" + (f" ({p.role})" if p.role else "")
        if isinstance(p, Stance):
            return f"{p.kind} by {p.actor or '?'}"
        return f"{p.label}: {p.canonical}"

    def shifted(self, offset: int) -> Item:
        """The same item in a text where its own text starts ``offset`` characters later."""
        p = self.payload
        if isinstance(p, Testimony) and p.speaker_span is not None:
            p = replace(p, speaker_span=Span(p.speaker_span.start + offset, p.speaker_span.end + offset))
        elif isinstance(p, Quantity) and p.decided_by:
            p = replace(p, decided_by=tuple(c.shifted(offset) for c in p.decided_by))
        return replace(self, span=Span(self.span.start + offset, self.span.end + offset), payload=p)

    def to_dict(self) -> dict:
        """The item as JSON (for ``--json`` and the web API)."""
        return {"id": self.id, "document_id": self.document_id,
                "document_sha256": self.document_sha256, "extractor": self.extractor,
                "item_type": self.item_type, "label": self.label, "text": self.text,
                "start": self.start, "end": self.end, "canonical": self.canonical,
                "data": payload_data(self.payload)}


def payload_data(p: Payload) -> dict:
    """The payload's fields as JSON (what the store keeps in ``extracted_items.data``)."""
    if isinstance(p, Quantity):
        return p.to_dict()
    if isinstance(p, Mention):
        return {"source": p.source, "aliases": sorted(set(p.aliases))}
    if isinstance(p, Testimony):
        return {"speaker": p.speaker, "role": p.role, "verb": p.verb,
                "speaker_span": [p.speaker_span.start, p.speaker_span.end] if p.speaker_span else None}
    return {"actor": p.actor, "actors": list(p.actors), "cue": p.cue, "target": p.target}


def payload_from(item_type: str, label: str, canonical: str | None, data: dict) -> Payload:
    """The payload stored as (type, label, canonical, data); the inverse of ``payload_data``."""
    data = data or {}
    if item_type == "entity":
        return Mention(label, canonical or "", data.get("source") or "ner",
                       tuple(data.get("aliases") or ()))
    if item_type == "quantity":
        return Quantity.from_dict({"what": label} | data)
    if item_type == "testimony":
        span = data.get("speaker_span")
        return Testimony(data.get("speaker", canonical), Span(*span) if span else None,
                         data.get("role"), data.get("verb"))
    if item_type == "stance":
        return Stance(label, data.get("actor", canonical), tuple(data.get("actors") or ()),
                      data.get("cue"), data.get("target"))
    raise ValueError(f"unknown item type {item_type!r}; expected one of {ITEM_TYPES}")
