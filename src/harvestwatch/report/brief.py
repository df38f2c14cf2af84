"""Briefs: gather what the services know into a sourced report, and write it as HTML or PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from harvestwatch.core.errors import ValidationError
from harvestwatch.report.build import SECTIONS, Report, cite_analysis, cite_claims
from harvestwatch.report.citations import Citations
from harvestwatch.report.render import to_html, to_pdf
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import plain_text
from harvestwatch.store.models import Document, DocumentTag, LedgerEntry

REPORT_ACTION = "export_report"


def _scope_ids(session, scope: str | None, docs: list[int] | None) -> list[int] | None:
    if docs:
        return list(docs)
    if scope:
        kind, _, value = scope.partition(":")
        if kind != "tag" or not value:
            raise ValidationError(scope, "scope must look like tag:NAME (or pass document ids)")
        return list(session.scalars(select(DocumentTag.document_id).where(DocumentTag.tag == value)))
    return None


def build_report(store: Store, *, title: str = "Evidence brief", scope: str | None = None,
                 docs: list[int] | None = None, sections: list[str] | None = None,
                 include_restricted: bool = False, now: datetime | None = None) -> Report:
    """Everything the brief shows, each figure and quote with a citation; deterministic."""
    from harvestwatch.analysis import datasets as ds
    from harvestwatch.services import analysis as analysis_svc
    from harvestwatch.services import extract as extract_svc
    from harvestwatch.services import link as link_svc
    from harvestwatch.services import screen as screen_svc
    from harvestwatch.services import store as store_svc

    sections = sections or list(SECTIONS)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValidationError(",".join(unknown), f"unknown section(s); choose from {', '.join(SECTIONS)}")
    cites = Citations()
    with store.session() as s:
        ids = _scope_ids(s, scope, docs)
        q = select(Document).order_by(Document.id)
        if ids is not None:
            q = q.where(Document.id.in_(ids))
        rows = list(s.scalars(q))
        left_out = sum(1 for d in rows if d.restricted and not include_restricted)
        visible = [d for d in rows if include_restricted or not d.restricted]
        documents = {d.id: {"id": d.id, "sha256": d.sha256, "title": d.title, "kind": d.kind,
                            "language": d.language, "published": d.published, "site": d.site,
                            "url": d.url, "source": d.source.name, "text": plain_text(d, store.cipher)}
                     for d in visible}
        entries = list(s.scalars(select(LedgerEntry).where(LedgerEntry.action != REPORT_ACTION)
                                 .order_by(LedgerEntry.seq)))
        root = ledger.merkle_root([e.entry_hash for e in entries])
    grades = {g["source"].lower(): g["reliability"] for g in link_svc.list_grades(store)}
    for d in documents.values():
        d["grade"] = grades.get((d["site"] or "").lower())
    report = Report(title=title, generated_at=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
                    merkle_root=root, ledger_entries=len(entries), sections=sections,
                    documents=list(documents.values()), left_out_restricted=left_out, citations=cites)
    if "claims" in sections:
        link_svc.rebuild(store)
        clusters = sorted(link_svc.corroboration(store, min_sources=1),
                          key=lambda c: (c["kind"] != "quantity", -c["support"]["independent_sources"], c["id"]))
        report.claims, report.contradictions = cite_claims(
            clusters, link_svc.contradictions(store), documents, cites)
    if "entities" in sections:
        for label in ("person", "organization"):
            for e in extract_svc.list_entities(store, label=label, include_restricted=include_restricted):
                mentions = [m for m in store_svc.entity_mentions(store, label, e["name"],
                                                                 include_restricted=include_restricted)
                            if m["document_id"] in documents]
                if not mentions:
                    continue
                first = mentions[0]
                report.entities.append({"name": e["name"], "label": label, "mentions": len(mentions),
                                        "documents": sorted({m["document_id"] for m in mentions}),
                                        "first_text": first["text"],
                                        "ref": cites.span(documents[first["document_id"]], first["start"], first["end"])})
    if "analyses" in sections:
        rows_by_origin = {r.origin: r for r in (*ds.shipped_rows(), *analysis_svc.user_rows(store))}
        for run in (lambda: analysis_svc.run_integrity("CN:deceased_donors", store=store),
                    lambda: analysis_svc.run_supply_gap(store=store),
                    lambda: analysis_svc.run_waiting(7, population="national", store=store)):
            result = run()
            report.analyses.append(cite_analysis(result.to_dict(), analysis_svc.chart_svg(result), cites,
                                                 rows_by_origin.get))
    if "screening" in sections:
        report.screening = screen_svc.flags(store)[:50]
        report.prisma = [screen_svc.prisma_figure(store, project=p) for p in screen_svc.projects(store)]
    if "custody" in sections:
        report.verify = store_svc.verify(store).to_dict()
    return report


def write_report(store: Store, report: Report, out: str | Path, *, base_url: str = "http://127.0.0.1:8000",
                 actor: str | None = None) -> Path:
    """Write HTML or PDF (by extension); the export is recorded in the custody ledger."""
    out = Path(out)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(to_pdf(report, base_url=base_url))
    elif out.suffix.lower() in (".html", ".htm"):
        out.write_text(to_html(report, base_url=base_url), encoding="utf-8")
    else:
        raise ValidationError(str(out), "the report file must end in .html or .pdf")
    from harvestwatch.core.hashing import sha256_file

    with store.session() as s:
        ledger.append(s, actor=actor or store.settings.actor, action=REPORT_ACTION, object_type="report",
                      object_id=out.name, payload={"sha256": sha256_file(out), "merkle_root": report.merkle_root,
                                                   "documents": [d["sha256"] for d in report.documents],
                                                   "left_out_restricted": report.left_out_restricted})
    return out
