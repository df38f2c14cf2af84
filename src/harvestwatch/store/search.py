"""Full-text search over folded text: FTS5 trigram on SQLite, pg_trgm/ILIKE on PostgreSQL.

Queries are split into terms (quoted phrases kept whole). Terms of three or more
characters use the trigram index; shorter ones (e.g. 1–2 character Chinese words)
fall back to substring matching. Snippets are cut from the original text at the
offsets found in the folded copy, which has the same length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, column, func, select, table, text
from sqlalchemy.orm import Session

from harvestwatch.core.folding import fold_for_search
from harvestwatch.store.crypto import Cipher
from harvestwatch.store.documents import plain_text
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


def search(session: Session, cipher: Cipher, query: str, filters: SearchFilters | None = None,
           *, limit: int = 20, offset: int = 0) -> tuple[list[Hit], int]:
    """Documents matching every term of ``query``; returns (page of hits, total matches)."""
    f = filters or SearchFilters()
    terms = parse_query(query)
    if not terms:
        return [], 0
    dialect = session.get_bind().dialect.name
    q = select(Document.id).join(SearchText, SearchText.document_id == Document.id)
    long_terms = [t for t in terms if len(t) >= 3]
    if dialect == "sqlite" and long_terms:
        # Rank and filter inside SQLite: the index does the work, only a page comes back.
        fts = table("search_fts", column("rowid"))
        q = (q.join(fts, fts.c.rowid == Document.id)
             .where(text("search_fts MATCH :m"))
             .order_by(text("bm25(search_fts)"), Document.id)
             .params(m=" AND ".join(_fts_phrase(t) for t in long_terms)))
        rest = [t for t in terms if len(t) < 3]
    else:
        q = q.order_by(Document.id)
        rest = terms
    for term in rest:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where((SearchText.body.like(pattern, escape="\\"))
                    | (SearchText.title.like(pattern, escape="\\")))
    q = _filtered(q, f)
    indexed_total = session.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
    page = list(session.scalars(q.limit(limit).offset(offset)))
    total = indexed_total
    if f.include_restricted:
        # Restricted text is encrypted at rest and not indexed: scan it decrypted, list it last.
        restricted_ids = _scan_restricted(session, cipher, terms, f)
        total += len(restricted_ids)
        if len(page) < limit:
            skip = max(0, offset - indexed_total)
            page += restricted_ids[skip:skip + limit - len(page)]
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(page)))}
    folded = dict(session.execute(select(SearchText.document_id, SearchText.body)
                                  .where(SearchText.document_id.in_(page))).all())
    hits = []
    for rank, doc_id in enumerate(page):
        doc = docs[doc_id]
        body = plain_text(doc, cipher)
        spans = find_spans(folded.get(doc_id) or fold_for_search(body), terms)
        hits.append(Hit(doc.id, doc.sha256, doc.title, doc.kind, doc.language, doc.published,
                        make_snippet(body, spans), spans[:50], score=float(offset + rank)))
    return hits, total


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
