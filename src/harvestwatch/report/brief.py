"""Briefs: gather what the services know into a sourced report, and write it as HTML or PDF."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from harvestwatch.core.errors import ValidationError
from harvestwatch.report.build import SECTIONS, Report, cite_analysis, cite_claims
from harvestwatch.report.citations import Citations
from harvestwatch.report.render import to_html, to_pdf
from harvestwatch.services import report as report_svc
from harvestwatch.services.store import Store

REPORT_ACTION = report_svc.REPORT_ACTION

# progress(done, total, what): called before each step of a build
Progress = Callable[[int, int, str], None]


def build_report(store: Store, *, title: str = "Evidence brief", scope: str | None = None,
                 docs: list[int] | None = None, sections: list[str] | None = None,
                 include_restricted: bool = False, now: datetime | None = None,
                 progress: Progress | None = None) -> Report:
    """Everything the brief shows, each figure and quote with a citation; deterministic."""
    from harvestwatch.services import analysis as analysis_svc
    from harvestwatch.services import extract as extract_svc
    from harvestwatch.services import link as link_svc
    from harvestwatch.services import screen as screen_svc
    from harvestwatch.services import store as store_svc

    sections = sections or list(SECTIONS)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValidationError(",".join(unknown), f"unknown section(s); choose from {', '.join(SECTIONS)}")
    step = _stepper(progress, 1 + len(sections))
    step("documents in scope")
    cites = Citations()
    covered = report_svc.scope(store, scope=scope, docs=docs, include_restricted=include_restricted)
    documents = {d["id"]: dict(d) for d in covered.documents}
    grades = {g["source"].lower(): g["reliability"] for g in link_svc.list_grades(store)}
    for d in documents.values():
        d["grade"] = grades.get((d["site"] or "").lower())
    report = Report(title=title, generated_at=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
                    merkle_root=covered.merkle_root, ledger_entries=covered.ledger_entries, sections=sections,
                    documents=list(documents.values()), left_out_restricted=covered.left_out_restricted,
                    citations=cites)
    if "sources" in sections:
        step("sources")
    if "claims" in sections:
        step("claims and contradictions")
        link_svc.rebuild(store)
        clusters = sorted(link_svc.corroboration(store, min_sources=1),
                          key=lambda c: (c["kind"] != "quantity", -c["support"]["independent_sources"], c["id"]))
        report.claims, report.contradictions = cite_claims(
            clusters, link_svc.contradictions(store), documents, cites)
    if "entities" in sections:
        step("entities")
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
        step("analyses")
        rows_by_origin = report_svc.dataset_rows(store)
        for run in (lambda: analysis_svc.run_integrity("CN:deceased_donors", store=store),
                    lambda: analysis_svc.run_supply_gap(store=store),
                    lambda: analysis_svc.run_waiting(7, population="national", store=store)):
            result = run()
            report.analyses.append(cite_analysis(result.to_dict(), analysis_svc.chart_svg(result), cites,
                                                 rows_by_origin.get))
    if "screening" in sections:
        step("screening")
        report.screening = screen_svc.flags(store)[:50]
        report.prisma = [screen_svc.prisma_figure(store, project=p) for p in screen_svc.projects(store)]
    if "custody" in sections:
        step("custody")
        report.verify = store_svc.verify(store).to_dict()
    return report


def _stepper(progress: Progress | None, total: int) -> Callable[[str], None]:
    done = [0]

    def step(what: str) -> None:
        if progress is not None:
            progress(done[0], total, what)
        done[0] += 1
    return step


def _render(report: Report, out: Path, base_url: str) -> None:
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        out.write_bytes(to_pdf(report, base_url=base_url))
    elif suffix in (".html", ".htm"):
        out.write_text(to_html(report, base_url=base_url), encoding="utf-8")
    else:
        raise ValidationError(str(out), "the report file must end in .html or .pdf")


def write_report(store: Store, report: Report, out: str | Path, *, base_url: str = "http://127.0.0.1:8000",
                 actor: str | None = None, via: str = "cli") -> Path:
    """Write HTML or PDF (by extension); the export is recorded in the custody ledger."""
    out = Path(out)
    _render(report, out, base_url)
    report_svc.record_export(store, out, merkle_root=report.merkle_root,
                             documents=[d["sha256"] for d in report.documents],
                             left_out_restricted=report.left_out_restricted, actor=actor, via=via)
    return out


def build_cached(store: Store, options: report_svc.ReportOptions, *, actor: str | None = None,
                 progress: Progress | None = None, via: str = "cli") -> tuple[str, Path]:
    """The brief for ``options`` over the store as it stands: built, ledgered and cached once per
    Merkle root and options; a second call with nothing changed returns the cached file."""
    if "claims" in (options.sections or SECTIONS):
        from harvestwatch.services import link as link_svc

        if progress is not None:
            progress(0, 1, "links")
        link_svc.rebuild(store)  # first, so the root names the links the brief will show
    root, _ = report_svc.ledger_state(store)
    key = report_svc.cache_key(root, options)
    cached = report_svc.cached_path(store, key, options.format)
    if cached is not None:
        return key, cached
    report = build_report(store, title=options.title, scope=options.scope, docs=list(options.docs) or None,
                          sections=list(options.sections) or None,
                          include_restricted=options.include_restricted, progress=progress)
    if not options.reader_cleared:  # how many restricted documents exist is itself restricted
        report.left_out_restricted = 0
    name = f"{key}.{options.format}"
    tmp = report_svc.cache_dir(store, options.include_restricted) / f".{os.getpid()}-{key}.{options.format}"
    try:
        _render(report, tmp, options.base_url)
        report_svc.record_export(store, tmp, merkle_root=report.merkle_root,
                                 documents=[d["sha256"] for d in report.documents],
                                 left_out_restricted=report.left_out_restricted, actor=actor, name=name,
                                 via=via)
        return key, report_svc.publish(store, tmp, key, options)
    finally:
        tmp.unlink(missing_ok=True)
