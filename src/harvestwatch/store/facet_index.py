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
_FACETS = "SELECT document_id, kind, language, published FROM search_facets"
_TAGS = "SELECT document_id, tag FROM document_tags"


def change_mark(session: Session) -> int:
    """The current change mark of the facet tables (one row read)."""
    return int(session.execute(_MARK).scalar_one())


def _codes(values: tuple) -> tuple[np.ndarray, list]:
    """(code of each value, the distinct values in order of first sight)."""
    seen: dict = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int32,
                        count=len(values))
    return codes, list(seen)


def _columns(session: Session, sql: str, width: int) -> list[tuple]:
    """The columns of a query's rows, read through the driver's cursor (no row objects)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]


@dataclass(frozen=True)
class FacetIndex:
    """Facet columns indexed by document id; code -1 marks an id that is not indexed."""

    mark: int
    kind: np.ndarray
    language: np.ndarray
    year: np.ndarray
    published: np.ndarray  # ISO dates as bytes, b"" where unknown
    tag_start: np.ndarray  # tags of document d: tag_code[tag_start[d]:tag_start[d + 1]]
    tag_code: np.ndarray
    kinds: list[str]
    languages: list[str]
    years: list[str | None]
    tags: list[str]

    @classmethod
    def load(cls, session: Session) -> FacetIndex:
        mark = change_mark(session)
        doc_ids, kinds, languages, published = _columns(session, _FACETS, 4)
        ids = np.array(doc_ids, dtype=np.int64)
        size = 1 + int(ids.max(initial=0))
        columns = []
        for values in (kinds, languages):
            codes, distinct = _codes(values)
            column = np.full(size, -1, dtype=np.int32)
            column[ids] = codes
            columns.append((column, distinct))
        (kind, kinds), (language, languages) = columns
        dates = np.full(size, b"", dtype="S32")
        dates[ids] = [(p or "").encode() for p in published]
        year_codes, years = _codes(tuple(y.decode() or None for y in dates[ids].astype("S4").tolist()))
        year = np.full(size, -1, dtype=np.int32)
        year[ids] = year_codes
        tag_docs, tag_names = _columns(session, _TAGS, 2)
        tag_docs = np.array(tag_docs, dtype=np.int64)
        tag_codes, tags = _codes(tag_names)
        indexed = tag_docs < size  # tags of documents outside the index are never counted
        indexed[indexed] = kind[tag_docs[indexed]] >= 0
        tag_docs, tag_codes = tag_docs[indexed], tag_codes[indexed]
        order = np.argsort(tag_docs, kind="stable")
        tag_start = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(tag_docs, minlength=size)[:size], out=tag_start[1:])
        return cls(mark, kind, language, year, dates, tag_start, tag_codes[order],
                   kinds, languages, years, tags)

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Mask of the ids this index holds."""
        inside = ids < len(self.kind)
        out = np.zeros(len(ids), dtype=bool)
        out[inside] = self.kind[ids[inside]] >= 0
        return out

    def tags_of(self, ids: np.ndarray, *, owners: bool = False) -> tuple[np.ndarray | None, np.ndarray]:
        """(position in ``ids`` if ``owners``, tag code) for every tag of every id."""
        start, end = self.tag_start[ids], self.tag_start[ids + 1]
        lens = end - start
        # each id's tags are a run tag_code[start:end]: shift a counter by each run's start
        where = np.arange(int(lens.sum())) + np.repeat(start - (np.cumsum(lens) - lens), lens)
        owner = np.repeat(np.arange(len(ids)), lens) if owners else None
        return owner, self.tag_code[where]

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
            keep &= pub != b""
            if since is not None:
                keep &= pub >= since.encode()
            if until is not None:
                keep &= pub <= until.encode() + b"\xff"
        if tag is not None:
            has = np.zeros(len(ids), dtype=bool)
            if tag in self.tags:
                owner, codes = self.tags_of(ids, owners=True)
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
