"""The demo investigation: real public documents (EN / 简体 / 繁體), a literature set, the
reference datasets and the hospital registry, built into a store in one idempotent pass.

Documents and records are package data under ``harvestwatch/demo`` with a manifest giving each
one's source URL, date, publisher and licence (``manifest.json``). Text documents are stored as
a small HTML page that carries that metadata in its head and the verbatim text in its body; the
PDF, WARC and scanned page (an image-only PDF) are stored as shipped (each says in its own metadata how it was made).
A second build finds everything present and adds nothing.
"""

from __future__ import annotations

import html
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from harvestwatch.core.errors import InputError
from harvestwatch.store import Store
from harvestwatch.store.screening import ScreenDuplicate, ScreenRecord

PROJECT = "default"  # the screening project the literature goes into (the screening page's default)
TAG = "demo"
ASSETS = {"pdf": ".pdf", "warc": ".warc.gz", "scan": ".pdf"}  # forms shipped as built files


@dataclass(frozen=True)
class DemoDocument:
    """One manifest entry: where the text came from, when, under which licence, in which form."""

    id: str
    file: str
    form: str  # html | pdf | warc | scan
    language: str
    kind: str
    tags: tuple[str, ...]
    title: str
    url: str
    published: str | None
    publisher: str
    licence: str
    excerpt: str
    found_at: str | None = None
    date_note: str | None = None
    note: str | None = None

    @property
    def stored_name(self) -> str:
        """The name the original is stored under (the text file's stem plus the form's suffix)."""
        return Path(self.file).stem + ASSETS.get(self.form, ".html")


@dataclass(frozen=True)
class LiteratureFile:
    file: str
    records: int
    source: str
    selection: str
    licence: str


@dataclass
class Step:
    """One build step and what it did (``added`` is 0 when everything was already there)."""

    name: str
    added: int
    present: int = 0
    detail: str = ""


@dataclass
class DemoReport:
    steps: list[Step] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def added(self) -> int:
        return sum(s.added for s in self.steps)

    def to_dict(self) -> dict:
        return {"added": self.added, "failed": self.failed, "seconds": round(self.seconds, 1),
                "steps": [vars(s) for s in self.steps]}


def _root() -> Path:
    return Path(str(resources.files("harvestwatch.demo")))


def manifest() -> tuple[list[DemoDocument], list[LiteratureFile]]:
    """The demo's documents and literature files, checked against the package data."""
    root = _root()
    path = root / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        docs = [DemoDocument(**{**d, "tags": tuple(d.get("tags", ()))}) for d in data["documents"]]
        lit = [LiteratureFile(**f) for f in data["literature"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(str(path), f"demo manifest unreadable: {exc}") from exc
    for d in docs:
        for name in (d.file, *([d.stored_name] if d.form in ASSETS else [])):
            if not (root / "documents" / name).is_file():
                raise InputError(str(root / "documents" / name), f"missing for demo document {d.id}")
    for f in lit:
        if not (root / f.file).is_file():
            raise InputError(str(root / f.file), "missing demo literature file")
    return docs, lit


def page_html(doc: DemoDocument, text: str) -> bytes:
    """The stored page of a text document: source metadata in the head, the text verbatim.

    Each line of the text is one paragraph and the body holds nothing else (the manifest's title
    is metadata, not text); the bytes depend only on the manifest entry and the text, so a
    rebuild stores nothing new.
    """
    e = html.escape
    meta = [("author", doc.publisher), ("dc.rights", doc.licence),
            ("harvestwatch:excerpt", doc.excerpt),
            ("harvestwatch:note", "demo copy written by harvestwatch from the text at the canonical "
                                  "URL" + (f" (found at {doc.found_at})" if doc.found_at else ""))]
    if doc.published and len(doc.published) == 10:  # a partial date would be completed by
        meta.append(("date", doc.published))              # date parsers: leave it to the manifest
    if doc.date_note:
        meta.append(("harvestwatch:date-note", doc.date_note))
    if doc.note:
        meta.append(("harvestwatch:form-note", doc.note))
    head = "\n".join(f'<meta name="{e(k)}" content="{e(v)}">' for k, v in meta)
    body = "\n".join(f"<p>{e(line)}</p>" for line in text.splitlines() if line.strip())
    page = (f'<!DOCTYPE html>\n<html lang="{e(doc.language)}"><head><meta charset="utf-8">\n'
            f"<title>{e(doc.title)}</title>\n"
            f'<link rel="canonical" href="{e(doc.url)}">\n{head}\n</head>\n'
            f"<body><article>\n{body}\n</article></body></html>\n")
    return page.encode("utf-8")


def _stage(docs: list[DemoDocument], folder: Path) -> dict[tuple[str, tuple[str, ...]], dict[str, str]]:
    """Write each document's stored form into ``folder``: {(kind, tags): {path: stored name}}."""
    root = _root() / "documents"
    groups: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
    for d in docs:
        target = folder / d.stored_name
        if d.form in ASSETS:
            target.write_bytes((root / d.stored_name).read_bytes())
        else:
            target.write_bytes(page_html(d, (root / d.file).read_text(encoding="utf-8")))
        groups.setdefault((d.kind, d.tags), {})[str(target)] = d.stored_name
    return groups


def _literature_present(store: Store, name: str) -> int:
    with store.session() as s:
        kept = s.scalar(select(func.count()).select_from(ScreenRecord).where(
            ScreenRecord.project == PROJECT, ScreenRecord.source == name))
        dups = s.scalar(select(func.count()).select_from(ScreenDuplicate).where(
            ScreenDuplicate.project == PROJECT, ScreenDuplicate.source == name))
    return (kept or 0) + (dups or 0)


def build(store: Store, *, workers: int = 1,
          on_step: Callable[[str], None] | None = None,
          on_document: Callable[[str], None] | None = None) -> DemoReport:
    """Build the demo investigation into ``store``; safe to run again (adds only what is missing).

    Steps: ingest and extract the documents (by kind, tagged ``demo`` and their manifest tags),
    rebuild links, link hospitals named in the new documents to the registry, import the
    literature into screening and screen it, then count the reference datasets.
    ``on_step`` is told each step's name as it starts, ``on_document`` each stored name ingested.
    """
    from harvestwatch.ingest.pipeline import ingest_paths
    from harvestwatch.services import analysis as analysis_svc
    from harvestwatch.services import extract as extract_svc
    from harvestwatch.services import link as link_svc
    from harvestwatch.services import registry as registry_svc
    from harvestwatch.services import screen as screen_svc

    started = time.perf_counter()
    docs, lit = manifest()
    report = DemoReport()

    def step(name: str) -> None:
        if on_step:
            on_step(name)

    step("documents")
    new_ids: list[int] = []
    stored = present = 0
    with tempfile.TemporaryDirectory(prefix="harvestwatch-demo-") as tmp:
        for (kind, tags), names in sorted(_stage(docs, Path(tmp)).items()):
            result = ingest_paths(store, sorted(names), kind=kind, tags=[TAG, *tags], names=names,
                                  workers=workers,
                                  on_result=(lambda r: on_document(r.input)) if on_document else None)
            new_ids += [i for r in result.by_status("stored") for i in r.document_ids]
            stored += len(result.by_status("stored"))
            present += len(result.by_status("present"))
            report.failed += [f"{r.input}: {r.error}" for r in result.by_status("failed")]
    if new_ids:
        extract_svc.extract_documents(store, new_ids, workers=workers)
    report.steps.append(Step("documents", stored, present,
                             f"{len(new_ids)} new document(s) extracted"))

    step("links")
    counts = link_svc.rebuild(store)
    report.steps.append(Step("links", 0 if counts.get("unchanged") else counts.get("items", 0),
                             detail=f"{counts.get('entities', 0)} entities, "
                                    f"{counts.get('claim_clusters', 0)} claim clusters, "
                                    f"{counts.get('contradictions', 0)} contradictions"
                                    + (" (up to date)" if counts.get("unchanged") else "")))

    step("hospitals")
    status = registry_svc.registry_status(store)  # loads the shipped registry on first use
    linked = registry_svc.link_documents(store, new_ids) if new_ids else None
    report.steps.append(Step("hospitals", linked.proposals if linked else 0, status["hospitals"],
                             f"{status['hospitals']} hospitals in the registry"
                             + (f", {linked.mentions} mention(s) in new documents" if linked else "")))

    step("literature")
    added = kept = 0
    for f in lit:
        path = _root() / f.file
        name = path.name
        if _literature_present(store, name) >= f.records:
            kept += f.records
            continue
        added += screen_svc.import_files(store, [str(path)], project=PROJECT)["added"]
    screened = screen_svc.run(store, project=PROJECT, workers=workers)
    report.steps.append(Step("literature", added, kept,
                             f"{screened['screened']} screened now, {screened['flagged']} with flags "
                             "to review (prompts, not findings)"))

    step("datasets")
    datasets = analysis_svc.list_datasets(store)
    report.steps.append(Step("datasets", 0, len(datasets),
                             f"{len(datasets)} reference data series, each row with its source"))
    report.seconds = time.perf_counter() - started
    return report
