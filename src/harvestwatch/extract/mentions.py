"""The extracted-item types: entity mentions, testimonies, stances."""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_LABELS = ("person", "organization", "place", "hospital", "victim_group", "organ", "law")
STANCE_KINDS = ("allegation", "denial", "condemnation", "legal_measure", "call_to_action")


@dataclass
class EntityMention:
    label: str
    start: int
    end: int
    text: str
    canonical: str
    source: str = "ner"  # ner | gazetteer | acronym | pattern
    aliases: list[str] = field(default_factory=list)

    def to_item(self) -> dict:
        return {"item_type": "entity", "label": self.label, "text": self.text,
                "start": self.start, "end": self.end, "canonical": self.canonical,
                "data": {"source": self.source, "aliases": sorted(set(self.aliases))}}


@dataclass
class Testimony:
    start: int  # the quote's span (inside the quote marks)
    end: int
    quote: str
    speaker: str | None
    speaker_span: tuple[int, int] | None = None
    role: str | None = None
    verb: str | None = None

    def to_item(self) -> dict:
        return {"item_type": "testimony", "label": "testimony", "text": self.quote,
                "start": self.start, "end": self.end, "canonical": self.speaker,
                "data": {"speaker": self.speaker, "speaker_span": self.speaker_span,
                         "role": self.role, "verb": self.verb, "quote": self.quote}}


@dataclass
class Stance:
    kind: str
    start: int
    end: int
    text: str
    actor: str | None = None
    actors: list[str] = field(default_factory=list)
    cue: str | None = None
    target: str | None = None

    def to_item(self) -> dict:
        return {"item_type": "stance", "label": self.kind, "text": self.text,
                "start": self.start, "end": self.end, "canonical": self.actor,
                "data": {"actor": self.actor, "actors": self.actors, "cue": self.cue,
                         "target": self.target}}
