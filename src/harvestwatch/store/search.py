"""Full-text search over folded text: FTS5 trigram on SQLite, pg_trgm/LIKE on PostgreSQL.

Queries are split into terms (quoted phrases kept whole). Terms of three or more
characters use the trigram index; 1–2 character Chinese terms the CJK character index
(``store.facets``); other short terms substring matching. A page reads the index once
(``match_sql``: every match's id and score) and takes its order, total, filters and facet
counts from the facet columns held in memory (``store.facet_index``). Snippets are cut from
the original text at the offsets found in the folded copy, which has the same length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from harvestwatch.core.folding import fold_for_search
from harvestwatch.store import facet_index
from harvestwatch.store.crypto import Cipher
from harvestwatch.store.documents import plain_text
from harvestwatch.store.facets import cjk_match, is_cjk
from harvestwatch.store.models import Document, DocumentTag, SearchText

_TERM = re.compile(r'"([^"]+)"|(\S+)')


@dataclass
class SearchFilters:
    kind: str | None = None
    language: str | None = None
    tag: str | None = None
    since: str | None = None  # ISO date, compared with the published date
    until: str | None = None
    include_restricted: bool = False
    document_ids: list[int] | None = None


@dataclass
class Hit:
    document_id: int
    sha256: str
    title: str | None
    kind: str
    language: str
    published: str | None
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)  # offsets in the document text
    score: float = 0.0

    def to_dict(self) -> dict:
        return {"document_id": self.document_id, "sha256": self.sha256, "title": self.title,
                "kind": self.kind, "language": self.language, "published": self.published,
                "snippet": self.snippet, "highlights": self.highlights, "score": self.score}


def parse_query(query: str) -> list[str]:
    """Folded terms of a query; quoted phrases stay one term."""
    terms = [fold_for_search(m.group(1) or m.group(2)) for m in _TERM.finditer(query)]
    return [t for t in terms if t.strip()]


def _filtered(q: Select, f: SearchFilters) -> Select:
    if not f.include_restricted:
        q = q.where(Document.restricted.is_(False))
    if f.kind:
        q = q.where(Document.kind == f.kind)
    if f.language:
        q = q.where(Document.language == f.language)
    if f.since:
        q = q.where(Document.published >= f.since)
    if f.until:
        q = q.where(Document.published <= f.until + "\uffff")
    if f.tag:
        q = q.where(Document.id.in_(select(DocumentTag.document_id).where(DocumentTag.tag == f.tag)))
    if f.document_ids is not None:
        q = q.where(Document.id.in_(f.document_ids))
    return q


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Facets:
    """Counts of the matched documents by kind, language, publication year and tag."""

    kind: dict[str, int] = field(default_factory=dict)
    language: dict[str, int] = field(default_factory=dict)
    year: dict[str, int] = field(default_factory=dict)
    tag: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, value: str | None, n: int) -> None:
        counts = getattr(self, name)
        key = value or "unknown"
        counts[key] = counts.get(key, 0) + n

    def to_dict(self) -> dict:
        order = {"year": lambda kv: kv[0]}
        return {name: dict(sorted(getattr(self, name).items(),
                                  key=order.get(name, lambda kv: (-kv[1], kv[0]))))
                for name in ("kind", "language", "year", "tag")}


@dataclass
class SearchPage:
    """One page of hits, the number of matches and the facet counts over all of them."""

    hits: list[Hit]
    total: int
    facets: Facets


def match_sql(dialect: str, terms: list[str]) -> tuple[str, dict]:
    """The index lookup of a query as SQL: (id, score) of every matching indexed document, a
    lower score ranking higher. SQLite: trigram FTS5 for terms of 3+ characters (bm25), the
    ``search_cjk`` character index for 1–2 character CJK terms; PostgreSQL: pg_trgm LIKE and
    the ``search_cjk`` array (no rank: score 0, so the id orders). Other 1–2 character terms
    are checked with LIKE on the rows the index terms matched (alone, they scan
    ``search_text``). The search page runs exactly this once per request."""
    params: dict = {}
    where: list[str] = []
    long_terms = [t for t in terms if len(t) >= 3]
    cjk_terms = [t for t in terms if len(t) < 3 and is_cjk(t)]
    like_terms = [t for t in terms if len(t) < 3 and not is_cjk(t)]
    if dialect != "sqlite":
        like_terms = [t for t in terms if not (len(t) < 3 and is_cjk(t))]
        source, key, score = "search_text st", "st.document_id", "0.0"
        if cjk_terms:
            source, key = "search_cjk c", "c.document_id"
            params["cjk"] = cjk_terms
            where.append("c.grams @> CAST(:cjk AS text[])")
            if like_terms:
                source += " JOIN search_text st ON st.document_id = c.document_id"
    elif long_terms:
        source, key, score = "search_fts", "search_fts.rowid", "bm25(search_fts)"
        where.append("search_fts MATCH :fts")
        params["fts"] = " AND ".join(_fts_phrase(t) for t in long_terms)
        if cjk_terms:
            where.append("+search_fts.rowid IN (SELECT rowid FROM search_cjk WHERE search_cjk MATCH :cjk)")
    elif cjk_terms:
        source, key, score = "search_cjk", "search_cjk.rowid", "bm25(search_cjk)"
        where.append("search_cjk MATCH :cjk")
    else:
        source, key, score = "search_text st", "st.document_id", "0.0"
    if dialect == "sqlite" and cjk_terms:
        params["cjk"] = " AND ".join(cjk_match(t) for t in cjk_terms)
    if like_terms:
        if dialect == "sqlite" and not source.startswith("search_text"):
            # CROSS JOIN: SQLite keeps the index outside, probing search_text per match
            source += f" CROSS JOIN search_text st ON st.document_id = {key}"
        for i, term in enumerate(like_terms):
            params[f"l{i}"] = _like(term)
            where.append(f"(st.body LIKE :l{i} ESCAPE '\\' OR st.title LIKE :l{i} ESCAPE '\\')")
    sql = f"SELECT {key} AS id, {score} AS score FROM {source} WHERE " + " AND ".join(where)
    return sql, params


def _matches(session: Session, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of every indexed document matching ``terms``: one pass over the index,
    read through the driver's cursor (tens of thousands of matches make no row objects)."""
    sql, params = match_sql(session.get_bind().dialect.name, terms)
    result = session.execute(text(sql), params)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    table = np.array(rows, dtype=np.float64)  # ids are far below 2^53: exact as floats
    return table[:, 0].astype(np.int64), table[:, 1]


def search(session: Session, cipher: Cipher, query: str, filters: SearchFilters | None = None,
           *, limit: int = 20, offset: int = 0) -> SearchPage:
    """Documents matching every term of ``query``: a page of hits in a fixed order (rank, then
    id, so consecutive pages neither repeat nor skip a row), the number of matches and facet
    counts. The index is read once (``match_sql``); filters and facets come from the facet
    columns held in memory (``store.facet_index``), so a page costs about that one lookup."""
    f = filters or SearchFilters()
    terms = parse_query(query)
    if not terms:
        return SearchPage([], 0, Facets())
    index = facet_index.current(session)
    ids, scores = _matches(session, terms)
    known = index.known(ids)
    if not known.all():  # committed after the index's mark was read: reload, drop what stays unknown
        index = facet_index.current(session)
        known = index.known(ids)
        ids, scores = ids[known], scores[known]
    keep = index.select(ids, kind=f.kind, language=f.language, tag=f.tag, since=f.since, until=f.until)
    if f.document_ids is not None:
        keep &= np.isin(ids, np.asarray(f.document_ids, dtype=np.int64))
    ids, scores = ids[keep], scores[keep]
    facets = Facets()
    for name, counts in index.counts(ids).items():
        for value, n in counts.items():
            facets.add(name, value, n)
    end = offset + limit
    if end < len(ids):  # only the rows up to this page need ordering
        top = np.argpartition(scores, end)[:end] if end else np.array([], dtype=np.int64)
        cut = scores[top].max() if end else 0.0
        top = np.flatnonzero(scores <= cut)  # every row tied with the last one competes on id
    else:
        top = np.arange(len(ids))
    order = top[np.lexsort((ids[top], scores[top]))]
    page = ids[order[offset:end]].tolist()
    indexed_total = len(ids)
    total = indexed_total
    if f.include_restricted:
        # Restricted text is encrypted at rest and not indexed: scan it decrypted, list it last.
        restricted_ids = _scan_restricted(session, cipher, terms, f)
        total += len(restricted_ids)
        _count_restricted(session, restricted_ids, facets)
        if len(page) < limit:
            skip = max(0, offset - indexed_total)
            page += restricted_ids[skip:skip + limit - len(page)]
    return SearchPage(_hits(session, cipher, page, terms, offset), total, facets)


def _hits(session: Session, cipher: Cipher, page: list[int], terms: list[str], offset: int) -> list[Hit]:
    """Hits for the page's ids, in order: the columns a hit shows, read in one query (a
    restricted document is loaded whole, so that its sealed fields are opened)."""
    rows = {r.id: r for r in session.execute(
        select(Document.id, Document.sha256, Document.title, Document.kind, Document.language,
               Document.published, Document.restricted, Document.text, SearchText.body)
        .outerjoin(SearchText, SearchText.document_id == Document.id)
        .where(Document.id.in_(page)))}
    hits = []
    for rank, doc_id in enumerate(page):
        row = rows[doc_id]
        title, body = row.title, row.text
        if row.restricted:
            doc = session.get(Document, doc_id)
            title, body = doc.title, plain_text(doc, cipher)
        spans = find_spans(row.body or fold_for_search(body), terms)
        hits.append(Hit(row.id, row.sha256, title, row.kind, row.language, row.published,
                        make_snippet(body, spans), spans[:50], score=float(offset + rank)))
    return hits


def _count_restricted(session: Session, ids: list[int], facets: Facets) -> None:
    if not ids:
        return
    for kind, language, published in session.execute(
            select(Document.kind, Document.language, Document.published).where(Document.id.in_(ids))):
        facets.add("kind", kind, 1)
        facets.add("language", language, 1)
        facets.add("year", published[:4] if published else None, 1)
    for (tag,) in session.execute(select(DocumentTag.tag).where(DocumentTag.document_id.in_(ids))):
        facets.add("tag", tag, 1)


def _scan_restricted(session: Session, cipher: Cipher, terms: list[str], f: SearchFilters) -> list[int]:
    q = _filtered(select(Document).where(Document.restricted.is_(True)), f)
    out = []
    for doc in session.scalars(q):
        folded = fold_for_search(plain_text(doc, cipher) + "\n" + (doc.title or ""))
        if all(t in folded for t in terms):
            out.append(doc.id)
    return out


def find_spans(folded: str, terms: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of every term in the folded text, sorted."""
    spans = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + 1)
    return sorted(spans)


def make_snippet(text: str, spans: list[tuple[int, int]], width: int = 160) -> str:
    """A window of ``text`` around the first match, matches wrapped in ``[[`` ``]]``."""
    if not spans:
        return text[:width].replace("\n", " ")
    first = spans[0][0]
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    out, pos = [], lo
    for s, e in spans:
        if s < pos or e > hi:
            continue
        out.append(text[pos:s])
        out.append("[[" + text[s:e] + "]]")
        pos = e
    out.append(text[pos:hi])
    snippet = "".join(out).replace("\n", " ")
    return ("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else "")
