"""Full-text search over folded text: FTS5 trigram on SQLite, pg_trgm/ILIKE on PostgreSQL.

Queries are split into terms (quoted phrases kept whole). Terms of three or more
characters use the trigram index; shorter ones (e.g. 1–2 character Chinese words)
fall back to substring matching. Snippets are cut from the original text at the
offsets found in the folded copy, which has the same length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from harvestwatch.core.folding import fold_for_search
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


def _match_sql(dialect: str, terms: list[str], f: SearchFilters) -> tuple[str, dict]:
    """The matched set as SQL: (id, score, kind, language, year) per document, one pass over
    the index. SQLite: trigram FTS5 for terms of 3+ characters (ranked by bm25), ``search_cjk``
    for 1–2 character CJK terms; PostgreSQL: pg_trgm LIKE and the ``search_cjk`` array.
    Other 1–2 character terms are checked with LIKE on the rows the index terms matched
    (on their own they scan ``search_text``)."""
    params: dict = {}
    where: list[str] = []
    long_terms = [t for t in terms if len(t) >= 3]
    cjk_terms = [t for t in terms if len(t) < 3 and is_cjk(t)]
    like_terms = [t for t in terms if len(t) < 3 and not is_cjk(t)]
    if dialect == "sqlite" and long_terms:
        # CROSS JOIN: SQLite keeps the index on the outside (never one MATCH per facet row)
        source = "search_fts CROSS JOIN search_facets sf ON sf.document_id = search_fts.rowid"
        score = "bm25(search_fts)"
        where.append("search_fts MATCH :fts")
        params["fts"] = " AND ".join(_fts_phrase(t) for t in long_terms)
    elif dialect == "sqlite" and cjk_terms:
        source = "search_cjk CROSS JOIN search_facets sf ON sf.document_id = search_cjk.rowid"
        score = "bm25(search_cjk)"
    else:
        source, score = "search_facets sf", "0.0"
        if dialect != "sqlite":
            like_terms = [t for t in terms if not (len(t) < 3 and is_cjk(t))]
    if cjk_terms:
        params["cjk"] = " AND ".join(cjk_match(t) for t in cjk_terms)
        if dialect == "sqlite":
            where.append("search_cjk MATCH :cjk" if source.startswith("search_cjk") else
                         "sf.document_id IN (SELECT rowid FROM search_cjk WHERE search_cjk MATCH :cjk)")
        else:
            params["cjk"] = cjk_terms
            where.append("sf.document_id IN (SELECT document_id FROM search_cjk "
                         "WHERE grams @> CAST(:cjk AS text[]))")
    if like_terms:
        likes = []
        for i, term in enumerate(like_terms):
            params[f"l{i}"] = _like(term)
            likes.append(f"(st.body LIKE :l{i} ESCAPE '\\' OR st.title LIKE :l{i} ESCAPE '\\')")
        where.append("sf.document_id IN (SELECT st.document_id FROM search_text st WHERE "
                     + " AND ".join(likes) + ")")
    if f.kind:
        where.append("sf.kind = :kind")
        params["kind"] = f.kind
    if f.language:
        where.append("sf.language = :language")
        params["language"] = f.language
    if f.since:
        where.append("sf.published >= :since")
        params["since"] = f.since
    if f.until:
        where.append("sf.published <= :until")
        params["until"] = f.until + "\uffff"
    if f.tag:
        where.append("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = sf.document_id "
                     "AND t.tag = :tag)")
        params["tag"] = f.tag
    if f.document_ids is not None:
        ids = sorted(set(f.document_ids))
        names = [f"d{i}" for i in range(len(ids))]
        params.update(zip(names, ids, strict=True))
        where.append("sf.document_id IN (" + (", ".join(":" + n for n in names) or "NULL") + ")")
    sql = (f"SELECT sf.document_id AS id, {score} AS score, sf.kind AS kind, "
           f"sf.language AS language, sf.year AS year FROM {source}"
           + (" WHERE " + " AND ".join(where) if where else ""))
    return sql, params


def search(session: Session, cipher: Cipher, query: str, filters: SearchFilters | None = None,
           *, limit: int = 20, offset: int = 0) -> SearchPage:
    """Documents matching every term of ``query``: a page of hits in a fixed order (rank, then
    id, so consecutive pages neither repeat nor skip a row), the number of matches and facet
    counts, from one statement that reads the index once."""
    f = filters or SearchFilters()
    terms = parse_query(query)
    if not terms:
        return SearchPage([], 0, Facets())
    dialect = session.get_bind().dialect.name
    match, params = _match_sql(dialect, terms, f)
    # SQLite: probe the tags of each match (CROSS JOIN keeps m outside) rather than scan all tags
    tag_join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"
    sql = text(
        f"WITH m AS MATERIALIZED ({match}) "
        "SELECT 'page' AS part, NULL AS value, p.id AS id, p.score AS n FROM "
        "(SELECT id, score FROM m ORDER BY score, id LIMIT :limit OFFSET :offset) p "
        "UNION ALL SELECT 'kind', kind, NULL, count(*) FROM m GROUP BY kind "
        "UNION ALL SELECT 'language', language, NULL, count(*) FROM m GROUP BY language "
        "UNION ALL SELECT 'year', year, NULL, count(*) FROM m GROUP BY year "
        "UNION ALL SELECT 'tag', t.tag, NULL, count(*) FROM m "
        f"{tag_join} document_tags t ON t.document_id = m.id GROUP BY t.tag")
    page: list[int] = []
    facets = Facets()
    for part, value, doc_id, n in session.execute(sql, params | {"limit": limit, "offset": offset}):
        if part == "page":
            page.append(doc_id)
        else:
            facets.add(part, value, int(n))
    indexed_total = sum(facets.kind.values())
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
