"""Side tables of the search index: narrow facet rows and a CJK character index.

``search_facets`` holds one narrow row (kind, language, year, published) per document in the
full-text index, so facet counts and filters over a matched set read a few bytes per match
instead of the wide ``documents`` rows. ``search_cjk`` holds the distinct folded CJK characters
and adjacent character pairs of each indexed document, so that one- and two-character Chinese
terms (too short for trigrams) are answered from an index instead of a scan: an FTS5 table on
SQLite, a GIN-indexed text array on PostgreSQL.

Both follow ``search_text`` (insert, delete, update) and ``documents`` (kind, language or
published changed; made restricted) through one session event per flush; migration
``search_0001`` fills them for existing stores.
Restricted documents are never in ``search_text``, so never here either.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ForeignKey,
    String,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from harvestwatch.store.base import Base
from harvestwatch.store.models import Document, SearchText

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


class SearchFacet(Base):
    """The facet values of one indexed document."""

    __tablename__ = "search_facets"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    year: Mapped[str | None] = mapped_column(String(4), index=True)
    published: Mapped[str | None] = mapped_column(String(32))


def is_cjk(term: str) -> bool:
    """True when every character of ``term`` is a CJK ideograph."""
    return bool(term) and _CJK_RUN.fullmatch(term) is not None


def cjk_grams(folded: str) -> list[str]:
    """Distinct CJK characters and adjacent pairs (within one run of ideographs), sorted."""
    grams: set[str] = set()
    for run in _CJK_RUN.findall(folded):
        grams.update(run)
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
    return sorted(grams)


def cjk_match(term: str) -> str:
    """The FTS5 query for one 1–2 character CJK term in ``search_cjk``."""
    return '"' + term + '"'


def facet_select():
    """Facet values of documents, as ``search_facets`` stores them (for INSERT … SELECT)."""
    return select(Document.id, Document.kind, Document.language,
                  func.substr(Document.published, 1, 4), Document.published)


def _add(connection: Connection, rows: list[tuple[int, str]]) -> None:
    """Facet rows and CJK grams for newly indexed documents: (id, folded text and title)."""
    if not rows:
        return
    for i in range(0, len(rows), 500):
        ids = [doc_id for doc_id, _ in rows[i:i + 500]]
        connection.execute(insert(SearchFacet).from_select(
            ["document_id", "kind", "language", "year", "published"],
            facet_select().where(Document.id.in_(ids))))
    grams = [(doc_id, g) for doc_id, folded in rows if (g := cjk_grams(folded))]
    if not grams:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_cjk(rowid, grams) VALUES (:id, :g)"),
                           [{"id": doc_id, "g": " ".join(g)} for doc_id, g in grams])
    else:
        connection.execute(text("INSERT INTO search_cjk(document_id, grams) VALUES (:id, :g)"),
                           [{"id": doc_id, "g": g} for doc_id, g in grams])


def _remove(connection: Connection, document_id: int, folded: str | None) -> None:
    connection.execute(delete(SearchFacet).where(SearchFacet.document_id == document_id))
    if connection.dialect.name != "sqlite":
        connection.execute(text("DELETE FROM search_cjk WHERE document_id = :id"), {"id": document_id})
    elif folded is not None and (grams := cjk_grams(folded)):
        # a contentless FTS5 table forgets a row given the values it indexed
        connection.execute(text("INSERT INTO search_cjk(search_cjk, rowid, grams) "
                                "VALUES ('delete', :id, :g)"), {"id": document_id, "g": " ".join(grams)})


def _folded(target: SearchText) -> str:
    return (target.body or "") + "\n" + (target.title or "")


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, context) -> None:
    """Follow the flushed changes of ``search_text`` and ``documents`` (batched per flush)."""
    new = [o for o in session.new if isinstance(o, SearchText)]
    gone = [o for o in session.deleted if isinstance(o, SearchText)]
    changed = [o for o in session.dirty if isinstance(o, SearchText | Document)]
    if not (new or gone or changed):
        return
    connection = session.connection()
    for target in gone:
        _remove(connection, target.document_id, _folded(target))
    for target in changed:
        state = inspect(target)
        if isinstance(target, Document):
            _document_changed(connection, target, state)
        elif state.attrs.body.history.has_changes() or state.attrs.title.history.has_changes():
            body = (state.attrs.body.history.deleted or [target.body])[0]
            title = (state.attrs.title.history.deleted or [target.title])[0]
            _remove(connection, target.document_id, (body or "") + "\n" + (title or ""))
            _add(connection, [(target.document_id, _folded(target))])
    _add(connection, [(o.document_id, _folded(o)) for o in new])


def _document_changed(connection: Connection, target: Document, state) -> None:
    if state.attrs.restricted.history.has_changes() and target.restricted:
        body = connection.execute(select(SearchText.body, SearchText.title)
                                  .where(SearchText.document_id == target.id)).first()
        _remove(connection, target.id, (body[0] + "\n" + body[1]) if body else None)
    elif any(state.attrs[f].history.has_changes() for f in ("kind", "language", "published")):
        connection.execute(update(SearchFacet).where(SearchFacet.document_id == target.id).values(
            kind=target.kind, language=target.language,
            year=target.published[:4] if target.published else None, published=target.published))


def rebuild(connection: Connection) -> int:
    """Fill both tables from ``search_text`` (for a migration or a repair); returns rows."""
    connection.execute(delete(SearchFacet))
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_cjk(search_cjk) VALUES ('delete-all')"))
    else:
        connection.execute(text("DELETE FROM search_cjk"))
    connection.execute(insert(SearchFacet).from_select(
        ["document_id", "kind", "language", "year", "published"],
        facet_select().where(Document.id.in_(select(SearchText.document_id)))))
    n, last = 0, 0
    while True:
        rows = connection.execute(select(SearchText.document_id, SearchText.body, SearchText.title)
                                  .where(SearchText.document_id > last)
                                  .order_by(SearchText.document_id).limit(500)).all()
        if not rows:
            return n
        grams = [(doc_id, g) for doc_id, body, title in rows
                 if (g := cjk_grams((body or "") + "\n" + (title or "")))]
        if grams and connection.dialect.name == "sqlite":
            connection.execute(text("INSERT INTO search_cjk(rowid, grams) VALUES (:id, :g)"),
                               [{"id": doc_id, "g": " ".join(g)} for doc_id, g in grams])
        elif grams:
            connection.execute(text("INSERT INTO search_cjk(document_id, grams) VALUES (:id, :g)"),
                               [{"id": doc_id, "g": g} for doc_id, g in grams])
        n += len(rows)
        last = rows[-1][0]
