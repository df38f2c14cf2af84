"""The extractors' working types (entity mentions, testimonies, stances), each turned into a
``core.items.Item`` when extraction is done."""

from __future__ import annotations

from dataclasses import dataclass, field

from harvestwatch.core import items as core
from harvestwatch.core.evidence import Span
from harvestwatch.core.items import ENTITY_LABELS, STANCE_KINDS, Item

__all__ = ["ENTITY_LABELS", "STANCE_KINDS", "EntityMention", "Stance", "Testimony"]


@dataclass
class EntityMention:
    label: str
    start: int
    end: int
    text: str
    canonical: str
    source: str = "ner"  # ner | gazetteer | acronym | pattern
    aliases: list[str] = field(default_factory=list)

    def to_item(self) -> Item:
        return Item(Span(self.start, self.end), self.text,
                    core.Mention(self.label, self.canonical, self.source, tuple(sorted(set(self.aliases)))))


@dataclass
class Testimony:
    start: int  # the quote's span (inside the quote marks)
    end: int
    quote: str
    speaker: str | None
    speaker_span: tuple[int, int] | None = None
    role: str | None = None
    verb: str | None = None

    def to_item(self) -> Item:
        span = Span(*self.speaker_span) if self.speaker_span else None
        return Item(Span(self.start, self.end), self.quote,
                    core.Testimony(self.speaker, span, self.role, self.verb))


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

    def to_item(self) -> Item:
        return Item(Span(self.start, self.end), self.text,
                    core.Stance(self.kind, self.actor, tuple(self.actors), self.cue, self.target))
