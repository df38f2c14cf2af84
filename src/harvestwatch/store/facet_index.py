"""The search facets as columns in memory: kind, language, year, published date and tags of every
indexed document, addressed by document id, so that the facet counts and filters of a matched
set cost a few array operations over the matches (never a read of the corpus per request).

One index per database per process, loaded on first use and again whenever the change mark of
``search_changes`` (moved by every write to ``search_facets`` or ``document_tags``, migration
``search_0002``) differs from the one it was loaded at.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_MARK = text("SELECT count(*) + coalesce(sum(n), 0) FROM search_changes")
_FACETS = text("SELECT document_id, kind, language, year, published FROM search_facets")
_TAGS = text("SELECT t.document_id, t.tag FROM document_tags t "
             "JOIN search_facets f ON f.document_id = t.document_id")


def change_mark(session: Session) -> int:
    """The current change mark of the facet tables (one row read)."""
    return int(session.execute(_MARK).scalar_one())


class _Codes:
    """Values to small integer codes, in order of first sight."""

    def __init__(self) -> None:
        self.values: list = []
        self.code: dict = {}

    def __call__(self, value) -> int:
        code = self.code.get(value)
        if code is None:
            code = self.code[value] = len(self.values)
            self.values.append(value)
        return code


@dataclass(frozen=True)
class FacetIndex:
    """Facet columns indexed by document id; code -1 marks an id that is not indexed."""

    mark: int
    kind: np.ndarray
    language: np.ndarray
    year: np.ndarray
    published: np.ndarray  # ISO strings, "" where unknown
    tag_start: np.ndarray  # tags of document d: tag_code[tag_start[d]:tag_start[d + 1]]
    tag_code: np.ndarray
    kinds: list[str]
    languages: list[str]
    years: list[str | None]
    tags: list[str]

    @classmethod
    def load(cls, session: Session) -> FacetIndex:
        mark = change_mark(session)
        rows = session.execute(_FACETS).all()
        size = 1 + max((r[0] for r in rows), default=0)
        kinds, languages, years = _Codes(), _Codes(), _Codes()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        kind = np.full(size, -1, dtype=np.int32)
        language = np.full(size, -1, dtype=np.int32)
        year = np.full(size, -1, dtype=np.int32)
        published = np.full(size, "", dtype="U32")
        kind[ids] = [kinds(r[1]) for r in rows]
        language[ids] = [languages(r[2]) for r in rows]
        year[ids] = [years(r[3]) for r in rows]
        published[ids] = [r[4] or "" for r in rows]
        tag_rows = session.execute(_TAGS).all()
        tags = _Codes()
        tag_docs = np.fromiter((r[0] for r in tag_rows), dtype=np.int64, count=len(tag_rows))
        codes = np.fromiter((tags(r[1]) for r in tag_rows), dtype=np.int32, count=len(tag_rows))
        order = np.argsort(tag_docs, kind="stable")
        tag_start = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(tag_docs, minlength=size)[:size], out=tag_start[1:])
        return cls(mark, kind, language, year, published, tag_start, codes[order],
                   kinds.values, languages.values, years.values, tags.values)

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Mask of the ids this index holds."""
        inside = ids < len(self.kind)
        out = np.zeros(len(ids), dtype=bool)
        out[inside] = self.kind[ids[inside]] >= 0
        return out

    def tags_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``ids``, tag code) for every tag of every id."""
        start, end = self.tag_start[ids], self.tag_start[ids + 1]
        lens = end - start
        n = int(lens.sum())
        owner = np.repeat(np.arange(len(ids)), lens)
        offsets = np.arange(n) - np.repeat(np.cumsum(lens) - lens, lens)
        return owner, self.tag_code[np.repeat(start, lens) + offsets]

    def select(self, ids: np.ndarray, *, kind: str | None = None, language: str | None = None,
               tag: str | None = None, since: str | None = None, until: str | None = None) -> np.ndarray:
        """Mask of the (known) ids that pass the filters."""
        keep = np.ones(len(ids), dtype=bool)
        for value, values, column in ((kind, self.kinds, self.kind),
                                      (language, self.languages, self.language)):
            if value is not None:
                code = values.index(value) if value in values else -2
                keep &= column[ids] == code
        if since is not None or until is not None:
            pub = self.published[ids]
            keep &= pub != ""
            if since is not None:
                keep &= pub >= since
            if until is not None:
                keep &= pub <= until + "\uffff"
        if tag is not None:
            has = np.zeros(len(ids), dtype=bool)
            if tag in self.tags:
                owner, codes = self.tags_of(ids)
                has[owner[codes == self.tags.index(tag)]] = True
            keep &= has
        return keep

    def counts(self, ids: np.ndarray) -> dict[str, dict[str, int]]:
        """Facet counts of ``ids`` (all known): {facet: {value: count}}, an unknown year as None."""
        out: dict[str, dict] = {}
        for name, values, codes in (("kind", self.kinds, self.kind[ids]),
                                    ("language", self.languages, self.language[ids]),
                                    ("year", self.years, self.year[ids]),
                                    ("tag", self.tags, self.tags_of(ids)[1])):
            counts = np.bincount(codes, minlength=len(values))
            out[name] = {values[c]: int(counts[c]) for c in np.flatnonzero(counts).tolist()}
        return out


_indexes: weakref.WeakKeyDictionary[Engine, FacetIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def current(session: Session) -> FacetIndex:
    """This database's facet index, reloaded when its change mark moved since it was loaded.

    A caller that meets an id the index lacks calls again: on PostgreSQL a statement may see a
    commit that an earlier read of the mark did not, and the mark read now has moved."""
    engine = session.get_bind()
    mark = change_mark(session)
    index = _indexes.get(engine)
    if index is not None and index.mark == mark:
        return index
    with _lock:
        index = _indexes.get(engine)
        if index is None or index.mark != mark:
            index = _indexes[engine] = FacetIndex.load(session)
    return index
