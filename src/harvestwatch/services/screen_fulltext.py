"""Full text for screening: a bibliographic record read together with the paper it links to
in the evidence store (text extracted from the ingested PDF or page), or with its methods
section when the import carried one (a ``methods`` column) and no paper is linked.

A record links to a stored document by ``extra.document`` (document id or sha256, as
``store show`` takes it) or by its DOI, found in the document's metadata, its URL or the first
page of its text. Restricted documents are encrypted at rest and are not read here: their
records are screened on title and abstract, as before.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from harvestwatch.core.errors import NotFound
from harvestwatch.store import Store
from harvestwatch.store.documents import find_document
from harvestwatch.store.models import Document

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>,;]+", re.I)
_FIRST_PAGE = 4000


def _norm_doi(doi: str) -> str:
    return doi.strip().lower().removeprefix("https://doi.org/").removeprefix("doi:").rstrip(".)")


class FulltextIndex:
    """DOI → stored document id, built once per screening run."""

    def __init__(self, store: Store):
        self.store = store
        self._by_doi: dict[str, int] | None = None

    def _index(self, session) -> dict[str, int]:
        if self._by_doi is None:
            by_doi: dict[str, int] = {}
            rows = session.execute(select(Document.id, Document.meta, Document.url,
                                          func.substr(Document.text, 1, _FIRST_PAGE))
                                   .where(Document.restricted.is_(False)).order_by(Document.id))
            for doc_id, meta, url, head in rows:
                found = [str((meta or {}).get("doi") or "")] + _DOI.findall(url or "") + _DOI.findall(head or "")
                for doi in filter(None, map(_norm_doi, found)):
                    by_doi.setdefault(doi, doc_id)
            self._by_doi = by_doi
        return self._by_doi

    def texts(self, rows: list[tuple[int, dict]]) -> dict[int, str]:
        """Text to read beyond title and abstract, per record pk, for the (pk, record data) rows
        that carry no full text of their own: the linked document's, else the methods."""
        out: dict[int, str] = {}
        with self.store.session() as s:
            for pk, d in rows:
                if d.get("fulltext"):
                    continue
                text = self._document_text(s, d)
                if text is None and (methods := _methods(d)):
                    text = "Methods\n" + methods
                if text:
                    out[pk] = text
        return out

    def _document_text(self, session, d: dict) -> str | None:
        ref = (d.get("extra") or {}).get("document")
        if isinstance(ref, list):
            ref = ref[0] if ref else None
        try:
            if ref:
                doc = find_document(session, str(ref))
            elif d.get("doi") and (doc_id := self._index(session).get(_norm_doi(d["doi"]))):
                doc = session.get(Document, doc_id)
            else:
                return None
        except NotFound:
            return None  # a dangling link: screened on what the record itself carries
        return doc.text if doc is not None and not doc.restricted else None


def _methods(d: dict) -> str:
    extra = d.get("extra") or {}
    value = next((v for k, v in extra.items() if k.strip().lower() in ("methods", "method", "方法")), "")
    return " ".join(value) if isinstance(value, list) else str(value or "").strip()
