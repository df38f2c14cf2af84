"""The screening lexicon (a data file) compiled once into a Hyperscan multi-pattern database.

A batch of records is scanned with one call into a small C extension (``_hsbatch``) that
collects matches in C and folds traditional Chinese to simplified on the fly, so the cost per
record is the scan itself, not a Python callback per match. Besides the lexicon terms, the
database can hold *prefilter* expressions: regular expressions whose only job is to say
whether a record might match a rule's own (Python) expression, so rules run only where they
can fire.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

import numpy as np

from harvestwatch.core.folding import cjk_fold_table, fold_for_search
from harvestwatch.screen import _hsbatch


@dataclass(frozen=True)
class Term:
    term: str
    language: str
    category: str


def load_terms(text: str | None = None) -> list[Term]:
    """Lexicon rows (term, language, category), folded and de-duplicated."""
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


class Hit(NamedTuple):
    start: int  # character offsets into the record text
    end: int
    term: str
    category: str


class BatchScan:
    """Matches for a batch: a category bitmask per record, and hits per record on demand."""

    def __init__(self, matcher: Matcher, texts: Sequence[str], rec: np.ndarray, ids: np.ndarray,
                 ends: np.ndarray):
        self.matcher = matcher
        self.texts = texts
        masks = np.zeros(len(texts), dtype=np.uint64)
        np.bitwise_or.at(masks, rec, matcher.id_bits[ids])
        self.masks = masks
        lexical = ids < len(matcher.terms)  # prefilter expressions give bits, not hits
        order = np.argsort(rec[lexical], kind="stable")
        rec = rec[lexical][order]
        self._bounds = np.searchsorted(rec, np.arange(len(texts) + 1)).tolist()
        self._ids = ids[lexical][order].tolist()
        self._ends = ends[lexical][order].tolist()

    def has(self, *categories: str) -> np.ndarray:
        """Boolean per record: any of ``categories`` matched."""
        return (self.masks & np.uint64(self.matcher.bits(*categories))) != 0

    def hits(self, k: int) -> list[Hit]:
        """Lexicon hits in record ``k``, in character offsets, sorted by position."""
        lo, hi = self._bounds[k], self._bounds[k + 1]
        if lo == hi:
            return []
        terms, lengths = self.matcher.terms, self.matcher.term_chars
        out = []
        for term_id, e in zip(self._ids[lo:hi], self._ends[lo:hi], strict=True):
            t = terms[term_id]
            out.append(Hit(e - lengths[term_id], e, t.term, t.category))
        out.sort(key=lambda h: (h.start, -h.end))
        return out


class Matcher:
    """Lexicon terms (and optional prefilter expressions) in one Hyperscan database."""

    def __init__(self, terms: list[Term], prefilters: Mapping[str, Sequence[str]] | None = None):
        self.terms = terms
        self.term_chars = [len(t.term) for t in terms]
        categories = sorted({t.category for t in terms} | set(prefilters or {}))
        if len(categories) > 64:
            raise ValueError(f"{len(categories)} categories: at most 64 fit in a record's bitmask")
        self.category_bit = {c: 1 << i for i, c in enumerate(categories)}
        exprs, flags, bits = [], [], []
        for t in terms:
            pat = _escape(t.term)
            if t.term.isascii():  # whole words only ("IRB" must not match inside "shirbet")
                pat = (r"\b" if t.term[0].isalnum() else "") + pat + (r"\b" if t.term[-1].isalnum() else "")
            exprs.append(pat.encode("utf-8"))
            flags.append(_hsbatch.CASELESS)  # literals: byte matching is exact, and faster
            bits.append(self.category_bit[t.category])
        for category, patterns in (prefilters or {}).items():
            for expr in (e for pat in patterns for e in _widen(pat)):
                exprs.append(expr.encode("utf-8"))
                flags.append(_hsbatch.CASELESS | _hsbatch.UTF8)
                bits.append(self.category_bit[category])
        self.id_bits = np.array(bits, dtype=np.uint64)
        self._db = _hsbatch.Database(exprs, flags)

    def bits(self, *categories: str) -> int:
        return sum(self.category_bit[c] for c in categories)

    def scan_batch(self, texts: Sequence[str]) -> BatchScan:
        """Scan many texts with one call (case-insensitive; traditional Chinese folded)."""
        joined = "\x00".join(texts)
        if joined.count("\x00") != max(0, len(texts) - 1):  # NUL separates records
            texts = [t.replace("\x00", " ") for t in texts]
            joined = "\x00".join(texts)
        n, rec, ids, ends = self._db.scan(joined.encode("utf-8", "surrogatepass"), cjk_fold_table())
        assert n == max(1, len(texts))
        return BatchScan(self, texts, np.frombuffer(rec, np.int32), np.frombuffer(ids, np.int32),
                         np.frombuffer(ends, np.int32))

    def scan(self, text: str) -> list[Hit]:
        """Every lexicon term occurrence in one text."""
        return self.scan_batch([text]).hits(0)


def _widen(pattern: str) -> list[str]:
    """A Python pattern rewritten for Hyperscan (as one or more expressions) so that together
    they match at least wherever Python's (Unicode) reading of it would.

    A top-level alternative that opens with ``\\b`` ("no" but not inside "donor") becomes two
    expressions: one anchored at the start of the data, one preceded by an ASCII non-word
    character (every character Python counts as non-word is one; records are separated by NUL).
    Other ``\\b`` are dropped (Hyperscan has no Unicode word boundary and no embedded anchors);
    ``\\s`` and ``\\d`` are widened to Python's Unicode classes."""
    out = []
    for branch in _top_level_alternatives(pattern):
        body = (branch[2:] if branch.startswith("\\b") else branch).replace("\\b", "")
        body = body.replace("\\s", r"[\s\p{Z}\x1c-\x1f\x{85}]").replace("\\d", r"\p{Nd}")
        out += ["^" + body, r"\W" + body] if branch.startswith("\\b") else [body]
    return out


def _top_level_alternatives(pattern: str) -> list[str]:
    parts, depth, cls, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if cls:
            cls = c != "]"
        elif c == "[":
            cls = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return parts + [pattern[start:]]


def _escape(term: str) -> str:
    return "".join("\\" + c if c in r".^$|?*+()[]{}\/-" else c for c in term)
