"""Report use cases: what a brief covers (documents in scope, the ledger's Merkle root), the
ledger entry of its export, and the cache of built briefs keyed by that root and the options.

The brief itself is assembled and rendered by ``harvestwatch.report`` (a face) over these
functions and the other services.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from harvestwatch.core.errors import ValidationError
from harvestwatch.core.hashing import sha256_file
from harvestwatch.services import audit
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import plain_text
from harvestwatch.store.models import Document, DocumentTag, LedgerEntry

REPORT_ACTION = "export_report"
DOWNLOAD_ACTION = "download_report"  # a cleared user fetching a built brief
FORMATS = ("html", "pdf")

__all__ = ["REPORT_ACTION", "FORMATS", "ReportScope", "ReportOptions", "scope", "ledger_state",
           "record_export", "cache_key", "cached_path", "cache_dir", "publish", "cached_options", "dataset_rows"]


@dataclass(frozen=True)
class ReportScope:
    """The documents a brief shows (dicts with text and source) and what custody says of the store."""

    documents: list[dict]
    left_out_restricted: int
    merkle_root: str
    ledger_entries: int


@dataclass(frozen=True)
class ReportOptions:
    """What a brief is built from; with the Merkle root, it names a built brief in the cache."""

    format: str = "html"
    title: str = "Evidence brief"
    scope: str | None = None
    docs: tuple[int, ...] = ()
    sections: tuple[str, ...] = ()
    include_restricted: bool = False
    base_url: str = "http://127.0.0.1:8000"
    reader_cleared: bool = True  # False: the brief never says how many restricted documents it left out

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValidationError(self.format, f"unknown report format; choose from {', '.join(FORMATS)}")


def _scope_ids(session, scope: str | None, docs: list[int] | None) -> list[int] | None:
    if docs:
        return list(docs)
    if scope:
        kind, _, value = scope.partition(":")
        if kind != "tag" or not value:
            raise ValidationError(scope, "scope must look like tag:NAME (or pass document ids)")
        return list(session.scalars(select(DocumentTag.document_id).where(DocumentTag.tag == value)))
    return None


def ledger_state(store: Store) -> tuple[str, int]:
    """The Merkle root over the ledger (report exports and downloads left out, so asking twice agrees)
    and its size."""
    with store.session() as s:
        hashes = list(s.scalars(select(LedgerEntry.entry_hash)
                                .where(LedgerEntry.action.not_in((REPORT_ACTION, DOWNLOAD_ACTION)))
                                .order_by(LedgerEntry.seq)))
    return ledger.merkle_root(hashes), len(hashes)


def scope(store: Store, *, scope: str | None = None, docs: list[int] | None = None,
          include_restricted: bool = False) -> ReportScope:
    """The documents a brief covers (all, one tag, or ids), restricted ones left out unless cleared."""
    with store.session() as s:
        ids = _scope_ids(s, scope, docs)
        q = select(Document).order_by(Document.id)
        if ids is not None:
            q = q.where(Document.id.in_(ids))
        rows = list(s.scalars(q))
        left_out = sum(1 for d in rows if d.restricted and not include_restricted)
        shown = [d for d in rows if include_restricted or not d.restricted]
        ocr = _ocr_readings(s, shown)
        documents = [{"id": d.id, "sha256": d.sha256, "title": d.title, "kind": d.kind,
                      "language": d.language, "published": d.published, "site": d.site,
                      "url": d.url, "source": d.source.name, "text": plain_text(d, store.cipher),
                      "ocr": ocr.get(d.id)}
                     for d in shown]
    root, entries = ledger_state(store)
    return ReportScope(documents=documents, left_out_restricted=left_out, merkle_root=root,
                       ledger_entries=entries)


def _ocr_readings(s, docs: list[Document]) -> dict[int, dict]:
    """For documents whose text OCR read: engine, mean confidence, and each word's (start, end,
    confidence), so a citation can say how surely its own words were read."""
    from harvestwatch.store.ingest_links import OcrPage

    out = {d.id: {"engine": d.meta["ocr"].get("engine"), "confidence": d.meta["ocr"].get("confidence"),
                  "words": []} for d in docs if isinstance((d.meta or {}).get("ocr"), dict)}
    if out:
        for page in s.scalars(select(OcrPage).where(OcrPage.document_id.in_(list(out)))
                              .order_by(OcrPage.document_id, OcrPage.page)):
            out[page.document_id]["words"] += [(w[0], w[1], w[6]) for w in page.words or ()
                                               if len(w) > 6]
    return out


def dataset_rows(store: Store) -> dict:
    """Every dataset row (shipped and the user's) by its origin ``file.csv:line``, for citations."""
    from harvestwatch.analysis import datasets as ds
    from harvestwatch.services import analysis as analysis_svc

    return {r.origin: r for r in (*ds.shipped_rows(), *analysis_svc.user_rows(store))}


def record_export(store: Store, path: Path, *, merkle_root: str, documents: list[str],
                  left_out_restricted: int, actor: str | None = None, name: str | None = None,
                  via: str = "cli") -> None:
    """Audit a written brief (``services.audit``: one access-log row, one ledger entry): its hash,
    the root it rests on, its documents."""
    with store.session() as s:
        audit.record(s, actor=actor or store.settings.actor, action=REPORT_ACTION, object_type="report",
                     object_id=name or path.name, via=via,
                     payload={"sha256": sha256_file(path), "merkle_root": merkle_root,
                              "documents": documents, "left_out_restricted": left_out_restricted})


def record_download(store: Store, name: str, *, actor: str, via: str = "web") -> None:
    """Audit a cleared user's download of a built brief (which a cache hit did not build for them)."""
    with store.session() as s:
        audit.record(s, actor=actor, action=DOWNLOAD_ACTION, object_type="report", object_id=name, via=via)


def cache_key(merkle_root: str, options: ReportOptions) -> str:
    """A brief's name in the cache: the ledger's root and every option it was built with."""
    spec = {"root": merkle_root, "format": options.format, "title": options.title, "scope": options.scope,
            "docs": sorted(options.docs), "sections": list(options.sections),
            "include_restricted": options.include_restricted, "base_url": options.base_url,
            "reader_cleared": options.reader_cleared}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def cache_dir(store: Store, restricted: bool = False) -> Path:
    """Where built briefs are kept (safe to delete): inside the store folder, except briefs
    with restricted sources, which would hold them in clear: those go to a private (0700)
    folder of this user outside the store, under the system's temporary folder."""
    if restricted:
        import tempfile

        private = Path(tempfile.gettempdir()) / f"harvestwatch-briefs-{os.getuid()}"
        private.mkdir(mode=0o700, exist_ok=True)
        os.chmod(private, 0o700)
        folder = private / hashlib.sha256(str(store.settings.store_dir.resolve()).encode()).hexdigest()[:16]
    else:
        folder = store.settings.store_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached_path(store: Store, key: str, fmt: str) -> Path | None:
    """The built brief named ``key``, or None when it has not been built (or was deleted)."""
    if fmt not in FORMATS or not key.isalnum():
        return None
    for restricted in (False, True):
        path = cache_dir(store, restricted) / f"{key}.{fmt}"
        if path.is_file():
            return path
    return None


def publish(store: Store, built: Path, key: str, options: ReportOptions) -> Path:
    """Move a freshly written brief into the cache atomically, under its key, with its options beside it."""
    folder = cache_dir(store, options.include_restricted)
    meta = folder / f"{key}.json"
    meta.write_text(json.dumps({"format": options.format, "title": options.title, "scope": options.scope,
                                "docs": list(options.docs), "sections": list(options.sections),
                                "include_restricted": options.include_restricted}), encoding="utf-8")
    target = folder / f"{key}.{options.format}"
    os.replace(built, target)
    return target


def cached_options(store: Store, key: str) -> dict | None:
    """The options a cached brief was built with (None when unknown)."""
    if not key.isalnum():
        return None
    for restricted in (False, True):
        meta = cache_dir(store, restricted) / f"{key}.json"
        try:
            return json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None
