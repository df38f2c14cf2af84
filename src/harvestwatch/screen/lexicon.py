"""The screening lexicon (a data file) compiled once into a hyperscan multi-pattern matcher."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

from harvestwatch.core.folding import fold_for_search


@dataclass(frozen=True)
class Term:
    term: str
    language: str
    category: str


def load_terms(text: str | None = None) -> list[Term]:
    if text is None:
        text = resources.files("harvestwatch.screen").joinpath("data/lexicon.csv").read_text("utf-8")
    seen, out = set(), []
    for row in csv.DictReader(text.splitlines()):
        term = fold_for_search(row["term"].strip())
        key = (term, row["category"])
        if term and key not in seen:
            seen.add(key)
            out.append(Term(term, row["language"], row["category"]))
    return out


@dataclass(frozen=True)
class Hit:
    start: int  # character offsets into the record text
    end: int
    term: str
    category: str


class Matcher:
    """All lexicon terms in one hyperscan database; matches come back in character offsets."""

    def __init__(self, terms: list[Term]):
        import hyperscan

        self.terms = terms
        self.db = hyperscan.Database()
        exprs, flags = [], []
        for t in terms:
            ascii_word = t.term.isascii()
            pat = _escape(t.term)
            if ascii_word:  # whole words only ("IRB" must not match inside "shirbet")
                pat = (r"\b" if t.term[0].isalnum() else "") + pat + (r"\b" if t.term[-1].isalnum() else "")
            exprs.append(pat.encode("utf-8"))
            flags.append(hyperscan.HS_FLAG_SOM_LEFTMOST | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_CASELESS)
        self.db.compile(expressions=exprs, ids=list(range(len(terms))), flags=flags)

    def scan(self, text: str) -> list[Hit]:
        """Every term occurrence in ``text`` (case- and script-folded before matching)."""
        folded = fold_for_search(text)
        data = folded.encode("utf-8")
        raw: list[tuple[int, int, int]] = []

        def on_match(term_id, start, end, flags, ctx):
            raw.append((term_id, start, end))

        self.db.scan(data, match_event_handler=on_match)
        if not raw:
            return []
        if len(data) == len(folded):  # pure ASCII: bytes are characters
            to_char = None
        else:
            to_char = _byte_to_char(folded)
        hits = []
        for term_id, s, e in raw:
            cs, ce = (s, e) if to_char is None else (to_char[s], to_char[e])
            t = self.terms[term_id]
            hits.append(Hit(cs, ce, t.term, t.category))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits


    def scan_many(self, texts: list[str]) -> list[list[Hit]]:
        """Hits per text with one hyperscan call over the whole batch (far less overhead)."""
        import bisect

        encoded = [fold_for_search(t).encode("utf-8") for t in texts]
        data = b"\n\x00\n".join(encoded)  # separators no term can match across
        raw: list[tuple[int, int, int]] = []
        self.db.scan(data, match_event_handler=lambda i, s, e, f, c: raw.append((i, s, e)))
        starts, pos = [], 0
        for enc in encoded:
            starts.append(pos)
            pos += len(enc) + 3
        out: list[list[Hit]] = [[] for _ in texts]
        for term_id, s, e in raw:
            k = bisect.bisect_right(starts, s) - 1
            enc = encoded[k]
            s, e = s - starts[k], e - starts[k]
            if not enc.isascii():  # byte → character offsets (decoding is done in C)
                s, e = len(enc[:s].decode("utf-8")), len(enc[:e].decode("utf-8"))
            t = self.terms[term_id]
            out[k].append(Hit(s, e, t.term, t.category))
        for hits in out:
            hits.sort(key=lambda h: (h.start, -h.end))
        return out


def _escape(term: str) -> str:
    return "".join("\\" + c if c in r".^$|?*+()[]{}\/-" else c for c in term)


def _byte_to_char(text: str) -> list[int]:
    """Index: byte offset → character offset (for every byte boundary of a character)."""
    table = [0] * (len(text.encode("utf-8")) + 1)
    pos = 0
    for i, ch in enumerate(text):
        n = len(ch.encode("utf-8"))
        for k in range(n):
            table[pos + k] = i
        pos += n
    table[pos] = len(text)
    return table


@functools.cache
def default_matcher() -> Matcher:
    return Matcher(load_terms())
