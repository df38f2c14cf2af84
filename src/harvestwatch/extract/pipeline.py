"""The extraction pipeline: one call from text to entities, quantities, testimonies and stances."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from harvestwatch.core.items import Item
from harvestwatch.extract.entities import extract_entities
from harvestwatch.extract.lang.zh_testimony import extract_testimonies_zh
from harvestwatch.extract.mentions import EntityMention, Stance, Testimony
from harvestwatch.extract.nlp import english_nlp
from harvestwatch.extract.quantities import QuantityMention, extract_quantities
from harvestwatch.extract.stance import classify_sentences
from harvestwatch.extract.testimony import extract_testimonies
from harvestwatch.extract.zh_quantities import extract_quantities_zh

EXTRACTOR_VERSION = "harvestwatch-extract/0.3+en_core_web_sm-3.8.0"  # 0.3: stance actors from the parse


@dataclass
class ExtractionResult:
    language: str
    entities: list[EntityMention] = field(default_factory=list)
    quantities: list[QuantityMention] = field(default_factory=list)
    testimonies: list[Testimony] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)
    extractor: str = EXTRACTOR_VERSION

    def to_items(self) -> list[Item]:
        """The typed items found, for the store and the linker."""
        return [x.to_item() for group in (self.entities, self.quantities, self.testimonies,
                                          self.stances) for x in group]


def _language(text: str, lang: str | None) -> str:
    if lang:
        return lang
    from harvestwatch.ingest.language import detect_language

    return detect_language(text)


def _assemble(text: str, lang: str, doc) -> ExtractionResult:
    entities = extract_entities(text, lang, doc)
    if lang == "zh":
        quantities = extract_quantities_zh(text)
        testimonies = extract_testimonies_zh(text, entities)
    else:
        quantities = extract_quantities(text, doc)
        testimonies = extract_testimonies(text, entities, doc)
    stances = classify_sentences(text, entities, lang, doc)
    return ExtractionResult(lang, entities, quantities, testimonies, stances)


def extract_text(text: str, lang: str | None = None) -> ExtractionResult:
    """Everything extractable from one normalised text ('en', 'zh' or detected)."""
    return extract_many([text], [lang])[0]


def extract_many(texts: Iterable[str], langs: Iterable[str | None] | None = None,
                 batch_size: int = 16) -> list[ExtractionResult]:
    """Extract from many texts; English texts go through spaCy's ``nlp.pipe`` in batches."""
    texts = list(texts)
    langs = [_language(t, lg) for t, lg in zip(texts, langs or [None] * len(texts), strict=True)]
    docs: dict[int, object] = {}
    english = [i for i, lg in enumerate(langs) if lg != "zh"]
    if english:
        nlp = english_nlp()
        for i, doc in zip(english, nlp.pipe((texts[i] for i in english), batch_size=batch_size),
                          strict=True):
            docs[i] = doc
    return [_assemble(t, lg, docs.get(i)) for i, (t, lg) in enumerate(zip(texts, langs, strict=True))]
