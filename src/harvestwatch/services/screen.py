"""Screening use cases: import records, run the rules (locally or on Dask), review, export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, select, update

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.engine.runner import run_batches
from harvestwatch.screen.detectors import RULES, VERSION, screen_texts
from harvestwatch.screen.ranking import RankerSettings, rank, simulate
from harvestwatch.screen.records import read_records, record_text
from harvestwatch.store import Store, ledger
from harvestwatch.store.screening import ScreenDecision, ScreenFlag, ScreenRecord

DECISIONS = ("include", "exclude", "flag_confirmed", "flag_wrong")
BATCH = 2000


def import_files(store: Store, paths: list[str], *, project: str = "default",
                 actor: str | None = None, chunk: int = 5000) -> dict:
    """Add records from RIS / PubMed XML / CSV files; records already in the project are skipped.

    Rows are committed in chunks, so a large file neither holds one huge transaction nor
    loses work if interrupted: importing the file again adds only what is missing.
    """
    added = skipped = 0
    per_file = {}
    with store.session() as s:
        existing = set(s.scalars(select(ScreenRecord.record_id).where(ScreenRecord.project == project)))
    for path in paths:
        records = read_records(path)
        n = 0
        for i in range(0, len(records), chunk):
            with store.session() as s:
                for r in records[i:i + chunk]:
                    if r.id in existing:
                        skipped += 1
                        continue
                    existing.add(r.id)
                    s.add(ScreenRecord(project=project, record_id=r.id, data=r.to_dict()))
                    n += 1
        with store.session() as s:
            ledger.append(s, actor=actor or store.settings.actor, action="screen_import",
                          object_type="screen_file", object_id=Path(path).name,
                          payload={"project": project, "records": len(records), "added": n})
        added += n
        per_file[str(path)] = n
    return {"added": added, "skipped": skipped, "files": per_file}


def _screen_batch(batch: list[tuple[int, str, int | None]]) -> list[tuple[int, list[tuple]]]:
    """(pk, text, year) per record in, (pk, flag rows) out: only what the rules need travels."""
    flags = screen_texts([text for _, text, _ in batch], [year for _, _, year in batch])
    return [(pk, [f.to_row() for f in fl]) for (pk, _, _), fl in zip(batch, flags, strict=True)]


def run(store: Store, *, project: str = "default", scheduler: str | None = None, workers: int = 1,
        on_batch: Callable[[int], None] | None = None) -> dict:
    """Screen every record not yet screened by this rule version; resumable batch by batch."""
    with store.session() as s:
        todo = list(s.scalars(select(ScreenRecord.id).where(
            ScreenRecord.project == project,
            (ScreenRecord.screened_version.is_(None)) | (ScreenRecord.screened_version != VERSION))
            .order_by(ScreenRecord.id)))
    batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]

    def load(ids: list[int]) -> list[tuple[int, str, int | None]]:
        with store.session() as s:
            return [(pk, record_text(d.get("title"), d.get("abstract"), d.get("fulltext")), d.get("year"))
                    for pk, d in s.execute(select(ScreenRecord.id, ScreenRecord.data)
                                           .where(ScreenRecord.id.in_(ids)))]

    flagged = 0
    payloads = (load(b) for b in batches)  # loaded lazily, a few batches ahead of the workers
    for results in run_batches(_screen_batch, payloads, scheduler=scheduler, workers=workers):
        with store.session() as s:  # one transaction per batch: an interrupted run resumes here
            ids = [pk for pk, _ in results]
            s.execute(delete(ScreenFlag).where(ScreenFlag.record_pk.in_(ids)))
            rows = [{"record_pk": pk, "rule": rule, "strength": strength, "explanation": why,
                     "evidence": evidence}
                    for pk, flags in results for rule, strength, why, evidence in flags]
            if rows:  # Core executemany: ORM objects per flag cost more than the screening
                s.execute(insert(ScreenFlag.__table__), rows)
            flagged += sum(bool(flags) for _, flags in results)
            s.execute(update(ScreenRecord).where(ScreenRecord.id.in_(ids))
                      .values(screened_version=VERSION))
        if on_batch:
            on_batch(len(results))
    return {"screened": len(todo), "flagged": flagged, "version": VERSION}


def flags(store: Store, *, project: str = "default", rule: str | None = None) -> list[dict]:
    if rule and rule not in RULES:
        raise ValidationError(rule, f"unknown rule; expected one of {', '.join(RULES)}")
    with store.session() as s:
        q = (select(ScreenFlag, ScreenRecord).join(ScreenRecord, ScreenRecord.id == ScreenFlag.record_pk)
             .where(ScreenRecord.project == project).order_by(ScreenRecord.id, ScreenFlag.rule))
        if rule:
            q = q.where(ScreenFlag.rule == rule)
        return [{"id": r.record_id, "title": r.data.get("title"), "year": r.data.get("year"),
                 "doi": r.data.get("doi"), "rule": f.rule, "strength": f.strength,
                 "explanation": f.explanation, "evidence": f.evidence} for f, r in s.execute(q)]


def _labels(session, project: str) -> dict[int, int]:
    rows = session.execute(select(ScreenDecision.record_pk, ScreenDecision.decision)
                           .join(ScreenRecord, ScreenRecord.id == ScreenDecision.record_pk)
                           .where(ScreenRecord.project == project).order_by(ScreenDecision.id))
    out = {}
    for pk, decision in rows:
        if decision in ("include", "flag_confirmed"):
            out[pk] = 1
        elif decision in ("exclude", "flag_wrong"):
            out[pk] = 0
    return out


def review_queue(store: Store, *, project: str = "default", limit: int = 10) -> list[dict]:
    """The next records to look at: ranked by a model retrained on every decision so far."""
    with store.session() as s:
        recs = list(s.scalars(select(ScreenRecord).where(ScreenRecord.project == project)
                              .order_by(ScreenRecord.id)))
        if not recs:
            raise NotFound(f"project {project!r} has no records; run 'screen import'")
        nflags = dict(s.execute(select(ScreenFlag.record_pk, func.count()).group_by(ScreenFlag.record_pk)).all())
        labels_pk = _labels(s, project)
    pos = {r.id: i for i, r in enumerate(recs)}
    labels = {pos[pk]: v for pk, v in labels_pk.items() if pk in pos}
    texts = [f"{r.data.get('title', '')}\n{r.data.get('abstract', '')}" for r in recs]
    order = rank(texts, labels, RankerSettings(), np.array([nflags.get(r.id, 0) for r in recs], float))
    out = []
    for i in order[:limit]:
        r = recs[i]
        out.append({"id": r.record_id, "title": r.data.get("title"), "year": r.data.get("year"),
                    "flags": nflags.get(r.id, 0)})
    return out


def decide(store: Store, record_id: str, decision: str, *, project: str = "default",
           rule: str | None = None, note: str | None = None, actor: str | None = None) -> dict:
    """Record a review decision (a custody ledger entry); the ranking retrains on it."""
    if decision not in DECISIONS:
        raise ValidationError(decision, f"decision must be one of {', '.join(DECISIONS)}")
    actor = actor or store.settings.actor
    with store.session() as s:
        rec = s.scalar(select(ScreenRecord).where(ScreenRecord.project == project,
                                                  ScreenRecord.record_id == record_id))
        if rec is None:
            raise NotFound(f"no record {record_id!r} in project {project!r}")
        entry = ledger.append(s, actor=actor, action="screen_decision", object_type="screen_record",
                              object_id=f"{project}:{record_id}",
                              payload={"decision": decision, "rule": rule, "note": note})
        s.add(ScreenDecision(record_pk=rec.id, decision=decision, rule=rule, note=note, actor=actor,
                             ledger_seq=entry.seq))
    return {"id": record_id, "decision": decision, "ledger_seq": entry.seq}


def simulate_file(path: str | Path, *, seed: int = 0) -> dict:
    """Recall curve, WSS@95 and recall@k on a labelled CSV (id, title, abstract, label 0/1)."""
    path = Path(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows or "label" not in rows[0]:
        raise ValidationError(str(path), "needs columns id, title, abstract, label (0/1)")
    truth = []
    for n, r in enumerate(rows, 2):
        if r["label"].strip() not in ("0", "1"):
            raise ValidationError(f"{path.name} row {n}", "column 'label' must be 0 or 1")
        truth.append(int(r["label"]))
    texts = [f"{r.get('title', '')}\n{r.get('abstract', '')}" for r in rows]
    return simulate(texts, truth, seed=seed)


def export(store: Store, fmt: str, *, project: str = "default", rule: str | None = None,
           actor: str | None = None) -> str:
    """Flagged records as CSV, RIS or JSON with their ids, rule ids and evidence."""
    rows = flags(store, project=project, rule=rule)
    if fmt == "json":
        out = json.dumps(rows, ensure_ascii=False, indent=2)
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["id", "doi", "year", "title", "rule", "strength", "explanation", "evidence"])
        for r in rows:
            w.writerow([r["id"], r["doi"], r["year"], r["title"], r["rule"], r["strength"],
                        r["explanation"], " | ".join(e["text"] for e in r["evidence"])])
        out = buf.getvalue()
    elif fmt == "ris":
        by_id: dict[str, list[dict]] = {}
        for r in rows:
            by_id.setdefault(r["id"], []).append(r)
        lines = []
        for rid, rs in by_id.items():
            lines += ["TY  - JOUR", f"ID  - {rid}", f"TI  - {rs[0]['title'] or ''}"]
            if rs[0]["doi"]:
                lines.append(f"DO  - {rs[0]['doi']}")
            if rs[0]["year"]:
                lines.append(f"PY  - {rs[0]['year']}")
            lines += [f"N1  - {r['rule']}: {r['explanation']}" for r in rs]
            lines += ["KW  - " + r["rule"] for r in rs]
            lines.append("ER  - ")
        out = "\n".join(lines) + "\n"
    else:
        raise ValidationError(fmt, "format must be csv, ris or json")
    with store.session() as s:
        ledger.append(s, actor=actor or store.settings.actor, action="export", object_type="screen_flags",
                      object_id=f"{project}:{fmt}", payload={"rule": rule, "rows": len(rows)})
    return out
