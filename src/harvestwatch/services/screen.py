"""Screening use cases: import records, run the rules (locally or on Dask), review, export."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, select, update

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.engine.runner import run_batches
from harvestwatch.screen.agreement import cohen_kappa
from harvestwatch.screen.dedupe import KEY_LABELS, KeyIndex, Keys, Match, keys_of
from harvestwatch.screen.prisma import PrismaCounts, flow_svg
from harvestwatch.screen.ranking import (
    RankerSettings,
    StoppingRule,
    estimated_recall,
    expected_remaining,
    irrelevant_run,
    rank,
    should_stop,
    simulate,
)
from harvestwatch.screen.records import Facts, Record, facts_of, read_records, record_text
from harvestwatch.screen.review import (
    DECISIONS,
    REASON_LABELS,
    REASONS,
    RELEVANT,
    State,
    Vote,
    check_reason,
    latest_votes,
    state,
)
from harvestwatch.screen.rules import RULES, VERSION, screen_texts
from harvestwatch.screen.setting import record_setting
from harvestwatch.services import audit
from harvestwatch.services.screen_fulltext import FulltextIndex
from harvestwatch.store import Store, ledger
from harvestwatch.store.models import utcnow
from harvestwatch.store.screening import (
    ScreenDecision,
    ScreenDuplicate,
    ScreenFlag,
    ScreenProject,
    ScreenRecord,
    ScreenResolution,
)

BATCH = 2000


class _Ref:
    """A kept record in the key index: its primary key, known once the new row is flushed."""

    __slots__ = ("pk",)

    def __init__(self, pk: int | None = None):
        self.pk = pk


def _ensure_keys(session, project: str) -> None:
    """Give records imported before dedupe keys existed their keys (once)."""
    rows = session.execute(select(ScreenRecord.id, ScreenRecord.data).where(
        ScreenRecord.project == project, ScreenRecord.title_key.is_(None))).all()
    for pk, data in rows:
        k = keys_of(data)
        session.execute(update(ScreenRecord).where(ScreenRecord.id == pk).values(
            doi_key=k.doi or None, pmid_key=k.pmid or None, title_key=k.title, year=k.year))


def _same(a: Keys, b: Keys) -> bool:
    """Two records under one id are the same paper (a re-import), not an id collision."""
    if a.doi and b.doi:
        return a.doi == b.doi
    if a.title and b.title:
        return a.title == b.title
    return not (a.doi or a.title or b.doi or b.title)


def import_files(store: Store, paths: list[str], *, project: str = "default",
                 actor: str | None = None, chunk: int = 5000) -> dict:
    """Add records from RIS / PubMed XML / CSV files, recording duplicates instead of adding them.

    A record duplicates one already kept in the project (from this or an earlier import) when
    they share a DOI, a PMID, or a normalised title and year (screen/dedupe.py); it is stored
    in ``screen_duplicates`` with the record it duplicates and the key, and counted in PRISMA.
    Importing a file again adds only what is missing (a record is known by its id and file).
    An id another file already used is kept as ``ID@FILE`` (two exports numbering from 1, or
    two RIS exports whose records are known by DOI), an id repeated within one file as
    ``ID@FILE#N``; either is then a duplicate or a new record by its keys. Every file is read
    and checked before anything is written; rows are committed in chunks.
    """
    added = skipped = renamed = 0
    dup_keys: Counter[str] = Counter()
    per_file = {}
    index = KeyIndex()
    known: dict[str, tuple[Keys, str | None]] = {}  # id → keys, file it came from
    refs: dict[str, _Ref] = {}
    with store.session() as s:
        _ensure_keys(s, project)
    with store.session() as s:
        for pk, rid, src, doi, pmid, tkey, year in s.execute(
                select(ScreenRecord.id, ScreenRecord.record_id, ScreenRecord.source, ScreenRecord.doi_key,
                       ScreenRecord.pmid_key, ScreenRecord.title_key, ScreenRecord.year)
                .where(ScreenRecord.project == project)):
            k = Keys(doi or "", pmid or "", tkey or "", year)
            refs[rid] = _Ref(pk)
            index.add(refs[rid], k)
            known[rid] = (k, src)
        for rid, src, data in s.execute(select(ScreenDuplicate.record_id, ScreenDuplicate.source,
                                               ScreenDuplicate.data).where(ScreenDuplicate.project == project)):
            known[rid] = (keys_of(data), src)
    files = [(Path(p).name, read_records(p)) for p in paths]  # every file parses before any write
    for name, records in files:
        plan: list[tuple[Record, Keys, str | None]] = []  # record, keys, the id it was renamed from
        seen_here: set[str] = set()
        for pos, r in enumerate(records, 1):
            k = keys_of(r.to_dict())
            rid = r.id
            if rid in seen_here:
                rid = f"{r.id}@{name}#{pos}"
            elif rid in known and known[rid][1] not in (name, None):
                rid = f"{r.id}@{name}"
            seen_here.add(r.id)
            if rid in known:
                if _same(known[rid][0], k):  # imported before from this file: nothing to add
                    skipped += 1
                    continue
                rid = f"{r.id}@{name}#{pos}"  # the file changed under its name
                if rid in known:
                    skipped += 1
                    continue
            known[rid] = (k, name)
            plan.append((replace(r, id=rid), k, r.id if rid != r.id else None))
        n = d = 0
        by_key: Counter[str] = Counter()
        for i in range(0, len(plan), chunk):
            with store.session() as s:
                new, dups = [], []
                for r, k, was in plan[i:i + chunk]:
                    m = index.match(k)
                    if m is None and was in refs and _same(known[was][0], k):
                        m = Match(refs[was], "id")  # same id, no key to tell them apart
                    if m is not None:
                        dups.append((r, m))
                        continue
                    row = ScreenRecord(project=project, record_id=r.id, data=r.to_dict(), source=name,
                                       doi_key=k.doi or None, pmid_key=k.pmid or None, title_key=k.title,
                                       year=k.year)
                    s.add(row)
                    ref = refs[r.id] = _Ref()
                    index.add(ref, k)
                    new.append((row, ref))
                    renamed += was is not None
                s.flush()
                for row, ref in new:
                    ref.pk = row.id
                for r, m in dups:
                    s.add(ScreenDuplicate(project=project, record_id=r.id, source=name, data=r.to_dict(),
                                          duplicate_of=m.target.pk, key=m.key))
                    by_key[m.key] += 1
                n += len(new)
                d += len(dups)
        with store.session() as s:
            ledger.append(s, actor=actor or store.settings.actor, action="screen_import",
                          object_type="screen_file", object_id=name,
                          payload={"project": project, "records": len(records), "added": n,
                                   "duplicates": dict(sorted(by_key.items())),
                                   "skipped": len(records) - len(plan)})
        added += n
        dup_keys.update(by_key)
        per_file[name] = {"records": len(records), "added": n, "duplicates": d,
                          "skipped": len(records) - len(plan)}
    return {"added": added, "duplicates": sum(dup_keys.values()), "duplicates_by_key": dict(dup_keys),
            "skipped": skipped, "renamed": renamed, "files": per_file}


def duplicates(store: Store, *, project: str = "default") -> list[dict]:
    """Each recorded duplicate with the record it duplicates and the matching key."""
    with store.session() as s:
        rows = s.execute(select(ScreenDuplicate, ScreenRecord)
                         .join(ScreenRecord, ScreenRecord.id == ScreenDuplicate.duplicate_of)
                         .where(ScreenDuplicate.project == project).order_by(ScreenDuplicate.id))
        return [{"id": d.record_id, "source": d.source, "title": d.data.get("title"),
                 "year": d.data.get("year"), "doi": d.data.get("doi"), "key": d.key,
                 "key_label": KEY_LABELS.get(d.key, d.key), "duplicate_of": r.record_id,
                 "duplicate_of_source": r.source, "duplicate_of_title": r.data.get("title")}
                for d, r in rows]


def _screen_batch(batch: list[tuple[int, str, int | None, Facts]]) -> list[tuple[int, list[tuple]]]:
    """(pk, text, year, facts) per record in, (pk, flag rows) out: only what the rules need travels."""
    flags = screen_texts([b[1] for b in batch], [b[2] for b in batch], [b[3] for b in batch])
    return [(b[0], [f.to_row() for f in fl]) for b, fl in zip(batch, flags, strict=True)]


def run(store: Store, *, project: str = "default", scheduler: str | None = None, workers: int = 1,
        on_batch: Callable[[int], None] | None = None) -> dict:
    """Screen every record not yet screened by this rule version; resumable batch by batch."""
    with store.session() as s:
        todo = list(s.scalars(select(ScreenRecord.id).where(
            ScreenRecord.project == project,
            (ScreenRecord.screened_version.is_(None)) | (ScreenRecord.screened_version != VERSION))
            .order_by(ScreenRecord.id)))
    batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]

    linked = FulltextIndex(store)  # records that link to a stored paper are read in full

    def load(ids: list[int]) -> list[tuple[int, str, int | None, Facts]]:
        with store.session() as s:
            rows = list(s.execute(select(ScreenRecord.id, ScreenRecord.data).where(ScreenRecord.id.in_(ids))))
        full = linked.texts(rows)
        out = []
        for pk, d in rows:
            more = d.get("fulltext") or full.get(pk)
            out.append((pk, record_text(d.get("title"), d.get("abstract"), more), d.get("year"),
                        facts_of(d, fulltext=bool(more))))
        return out

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


DEFAULT_PROJECT = {"reviewers": 2, "stop_after": 50, "min_screened": 0.10}


def _settings(session, project: str) -> dict:
    row = session.get(ScreenProject, project)
    if row is None:
        return dict(DEFAULT_PROJECT)
    return {"reviewers": row.reviewers, "stop_after": row.stop_after, "min_screened": row.min_screened}


def project_settings(store: Store, *, project: str = "default") -> dict:
    """Reviewers per record and the stopping rule of a project (defaults until configured)."""
    with store.session() as s:
        return {"project": project, **_settings(s, project)}


def configure(store: Store, *, project: str = "default", reviewers: int | None = None,
              stop_after: int | None = None, min_screened: float | None = None,
              actor: str | None = None) -> dict:
    """Change a project's review settings; a custody ledger entry says who changed what."""
    if reviewers is not None and reviewers not in (1, 2):
        raise ValidationError(str(reviewers), "reviewers per record must be 1 or 2")
    if stop_after is not None and stop_after < 1:
        raise ValidationError(str(stop_after), "--stop-after must be at least 1")
    if min_screened is not None and not 0 <= min_screened <= 1:
        raise ValidationError(str(min_screened), "--min-screened is a fraction between 0 and 1")
    with store.session() as s:
        cur = _settings(s, project)
        new = {"reviewers": reviewers if reviewers is not None else cur["reviewers"],
               "stop_after": stop_after if stop_after is not None else cur["stop_after"],
               "min_screened": min_screened if min_screened is not None else cur["min_screened"]}
        row = s.get(ScreenProject, project) or ScreenProject(name=project)
        row.reviewers, row.stop_after, row.min_screened = new["reviewers"], new["stop_after"], new["min_screened"]
        row.updated_at = utcnow()
        s.add(row)
        ledger.append(s, actor=actor or store.settings.actor, action="screen_settings",
                      object_type="screen_project", object_id=project, payload={"from": cur, "to": new})
    return {"project": project, **new}


@dataclass
class _Review:
    """Every record of a project with its votes, resolution and state."""

    records: list[ScreenRecord]
    votes: dict[int, list[Vote]]  # record pk → decision rows, oldest first
    sequences: dict[str, list[tuple[int, int]]]  # reviewer → (record pk, relevant) in screening order
    states: dict[int, State]
    nflags: dict[int, int]
    settings: dict


def _review(session, project: str) -> _Review:
    settings = _settings(session, project)
    records = list(session.scalars(select(ScreenRecord).where(ScreenRecord.project == project)
                                   .order_by(ScreenRecord.id)))
    votes: dict[int, list[Vote]] = {}
    first_seen: dict[str, dict[int, int]] = {}
    for d in session.scalars(select(ScreenDecision).join(ScreenRecord, ScreenRecord.id == ScreenDecision.record_pk)
                             .where(ScreenRecord.project == project).order_by(ScreenDecision.id)):
        votes.setdefault(d.record_pk, []).append(Vote(d.actor, d.decision, d.reason, d.note))
        first_seen.setdefault(d.actor, {})[d.record_pk] = RELEVANT[d.decision]  # order: first vote
    resolutions: dict[int, Vote] = {}
    for r in session.scalars(select(ScreenResolution).join(ScreenRecord, ScreenRecord.id == ScreenResolution.record_pk)
                             .where(ScreenRecord.project == project).order_by(ScreenResolution.id)):
        resolutions[r.record_pk] = Vote(r.actor, r.decision, r.reason, r.note)
    states = {r.id: state(votes.get(r.id, []), settings["reviewers"], resolutions.get(r.id)) for r in records}
    nflags = dict(session.execute(select(ScreenFlag.record_pk, func.count())
                                  .join(ScreenRecord, ScreenRecord.id == ScreenFlag.record_pk)
                                  .where(ScreenRecord.project == project).group_by(ScreenFlag.record_pk)).all())
    sequences = {a: list(seq.items()) for a, seq in first_seen.items()}
    return _Review(records, votes, sequences, states, nflags, settings)


def _labels(rv: _Review, reviewer: str | None) -> dict[int, int]:
    """Relevance labels the ranking may learn from: final decisions and the reviewer's own."""
    out = {}
    for pk, st in rv.states.items():
        if st.final is not None:
            out[pk] = RELEVANT[st.final]
        elif reviewer is not None:
            own = [v for v in latest_votes(rv.votes.get(pk, [])) if v.actor == reviewer]
            if own:
                out[pk] = RELEVANT[own[0].decision]
    return out


def _texts(records: list[ScreenRecord]) -> list[str]:
    return [f"{r.data.get('title', '')}\n{r.data.get('abstract', '')}" for r in records]


def review_queue(store: Store, *, project: str = "default", limit: int = 10,
                 reviewer: str | None = None) -> list[dict]:
    """The next records for ``reviewer``: not final, not yet decided by them, still needing a
    reviewer; ranked by a model retrained on the final decisions and the reviewer's own
    (never on the other reviewer's pending ones, which stay blind)."""
    reviewer = reviewer or store.settings.actor
    with store.session() as s:
        rv = _review(s, project)
    if not rv.records:
        raise NotFound(f"project {project!r} has no records; run 'screen import'")
    pos = {r.id: i for i, r in enumerate(rv.records)}
    labels = {pos[pk]: v for pk, v in _labels(rv, reviewer).items()}
    open_ = {i for i, r in enumerate(rv.records)
             if rv.states[r.id].status == "pending" and reviewer not in rv.states[r.id].reviewers}
    prior = np.array([rv.nflags.get(r.id, 0) for r in rv.records], float)
    order = [i for i in rank(_texts(rv.records), labels, RankerSettings(), prior) if i in open_]
    return [{"id": rv.records[i].record_id, "title": rv.records[i].data.get("title"),
             "year": rv.records[i].data.get("year"), "flags": rv.nflags.get(rv.records[i].id, 0),
             "abstract": rv.records[i].data.get("abstract") or "", "setting": setting_of(rv.records[i].data)}
            for i in order[:limit]]


def setting_of(data: dict) -> dict:
    """Where a stored record's transplants were done (mainland China, elsewhere, unknown) and
    why, read on its title, abstract and metadata as the Rogers rules read it."""
    return record_setting(record_text(data.get("title"), data.get("abstract")), facts_of(data)).to_dict()


def _record(session, project: str, record_id: str) -> ScreenRecord:
    rec = session.scalar(select(ScreenRecord).where(ScreenRecord.project == project,
                                                    ScreenRecord.record_id == record_id))
    if rec is not None:
        return rec
    dup = session.scalar(select(ScreenDuplicate).where(ScreenDuplicate.project == project,
                                                       ScreenDuplicate.record_id == record_id))
    if dup is not None:
        kept = session.get(ScreenRecord, dup.duplicate_of)
        raise ValidationError(record_id, f"is a duplicate of {kept.record_id} ({KEY_LABELS.get(dup.key, dup.key)}); "
                                         f"decide on {kept.record_id}")
    raise NotFound(f"no record {record_id!r} in project {project!r}")


def _check(decision: str, reason: str | None, note: str | None) -> None:
    problem = check_reason(decision, reason, note)
    if problem:
        raise ValidationError(reason if reason and decision in DECISIONS else decision, problem)


def decide(store: Store, record_id: str, decision: str, *, project: str = "default",
           rule: str | None = None, note: str | None = None, reason: str | None = None,
           actor: str | None = None) -> dict:
    """One reviewer's decision (a custody ledger entry); the ranking retrains on it.

    An exclusion needs a reason code (screen/review.py REASONS). A record takes as many
    reviewers as the project asks for; a reviewer may revise their decision until the other
    reviewer has decided too (so that kappa measures independent decisions), a single
    reviewer at any time. The answer says only whether the record still waits for a reviewer,
    agrees, or conflicts: the other reviewer's decision stays hidden.
    """
    _check(decision, reason, note)
    if rule and rule not in RULES:
        raise ValidationError(rule, f"unknown rule; expected one of {', '.join(RULES)}")
    actor = actor or store.settings.actor
    with store.session() as s:
        rec = _record(s, project, record_id)
        settings = _settings(s, project)
        rows = _votes(s, rec.id)
        res = s.scalar(select(ScreenResolution.id).where(ScreenResolution.record_pk == rec.id).limit(1))
        before = state(rows, settings["reviewers"])
        if res is not None:
            raise ValidationError(record_id, "is already resolved; a new resolution goes through 'screen resolve'")
        if actor not in before.reviewers and len(before.reviewers) >= settings["reviewers"]:
            raise ValidationError(record_id, f"already has its {settings['reviewers']} reviewer(s) "
                                             f"({', '.join(before.reviewers)}); a disagreement is settled "
                                             "with 'screen resolve'")
        if before.status == "agreed" and settings["reviewers"] > 1:
            raise ValidationError(record_id, "both reviewers already agree; the decision is final")
        if before.status == "conflict":  # kappa counts the independent decisions, not revisions
            raise ValidationError(record_id, "both reviewers have decided and disagree; settle it with "
                                             "'screen resolve' (the pair: --consensus)")
        entry = ledger.append(s, actor=actor, action="screen_decision", object_type="screen_record",
                              object_id=f"{project}:{rec.record_id}",
                              payload={"decision": decision, "reason": reason, "rule": rule, "note": note})
        s.add(ScreenDecision(record_pk=rec.id, decision=decision, rule=rule, note=note, actor=actor,
                             reason=reason, ledger_seq=entry.seq))
        after = state([*rows, Vote(actor, decision, reason, note)], settings["reviewers"])
    status = {"pending": "waiting for the second reviewer", "agreed": "final: the reviewers agree",
              "conflict": f"reviewers disagree on the {after.conflict_on}: in the conflict queue"}[after.status]
    if settings["reviewers"] == 1 and after.status == "agreed":
        status = "final"
    return {"id": rec.record_id, "decision": decision, "reason": reason, "ledger_seq": entry.seq,
            "status": after.status, "message": status}


def _votes(s, record_pk: int) -> list[Vote]:
    """A record's reviewer decisions, oldest first."""
    return [Vote(d.actor, d.decision, d.reason, d.note) for d in s.scalars(
        select(ScreenDecision).where(ScreenDecision.record_pk == record_pk).order_by(ScreenDecision.id))]


def conflicts(store: Store, *, project: str = "default") -> list[dict]:
    """Records both reviewers decided differently (or excluded for different reasons), with
    both decisions; resolved ones leave the queue."""
    with store.session() as s:
        rv = _review(s, project)
    return [{"id": r.record_id, "title": r.data.get("title"), "year": r.data.get("year"),
             "flags": rv.nflags.get(r.id, 0), "on": rv.states[r.id].conflict_on,
             "votes": [{"reviewer": v.actor, "decision": v.decision, "reason": v.reason, "note": v.note}
                       for v in rv.states[r.id].votes]}
            for r in rv.records if rv.states[r.id].status == "conflict"]


def resolve(store: Store, record_id: str, decision: str, *, project: str = "default",
            reason: str | None = None, note: str | None = None, consensus: bool = False,
            actor: str | None = None) -> dict:
    """Settle a conflict: a third reviewer decides, or one of the pair records the pair's
    consensus (``consensus=True``). A ledger entry; the latest resolution is final."""
    _check(decision, reason, note)
    actor = actor or store.settings.actor
    with store.session() as s:
        rec = _record(s, project, record_id)
        settings = _settings(s, project)
        rows = _votes(s, rec.id)
        resolved = s.scalar(select(ScreenResolution.id).where(ScreenResolution.record_pk == rec.id).limit(1))
        st = state(rows, settings["reviewers"])
        if st.status != "conflict" and resolved is None:
            raise ValidationError(record_id, f"is not in conflict ({st.status}); only disagreements are resolved")
        if consensus and actor not in st.reviewers:
            raise ValidationError(record_id, f"a consensus is recorded by one of its reviewers ({', '.join(st.reviewers)})")
        if not consensus and actor in st.reviewers:
            raise ValidationError(record_id, f"{actor} reviewed this record; a third person resolves it, "
                                             "or the pair together with --consensus")
        mode = "consensus" if consensus else "third_reviewer"
        entry = ledger.append(s, actor=actor, action="screen_resolution", object_type="screen_record",
                              object_id=f"{project}:{rec.record_id}",
                              payload={"decision": decision, "reason": reason, "note": note, "mode": mode,
                                       "votes": [[v.actor, v.decision, v.reason] for v in st.votes]})
        s.add(ScreenResolution(record_pk=rec.id, decision=decision, reason=reason, note=note, mode=mode,
                               actor=actor, ledger_seq=entry.seq))
    return {"id": rec.record_id, "decision": decision, "reason": reason, "mode": mode, "ledger_seq": entry.seq}


def record_status(store: Store, record_id: str, *, project: str = "default",
                  viewer: str | None = None) -> dict:
    """A record, its flags and decisions as ``viewer`` may see them: the other reviewer's
    decision is hidden until both have decided."""
    viewer = viewer or store.settings.actor
    with store.session() as s:
        rec = _record(s, project, record_id)
        rv_settings = _settings(s, project)
        rows = _votes(s, rec.id)
        res = s.scalars(select(ScreenResolution).where(ScreenResolution.record_pk == rec.id)
                        .order_by(ScreenResolution.id.desc()).limit(1)).first()
        resolution = Vote(res.actor, res.decision, res.reason, res.note) if res else None
        st = state(rows, rv_settings["reviewers"], resolution)
        fl = [{"rule": f.rule, "strength": f.strength, "explanation": f.explanation, "evidence": f.evidence}
              for f in s.scalars(select(ScreenFlag).where(ScreenFlag.record_pk == rec.id).order_by(ScreenFlag.rule))]
    complete = len(st.votes) >= rv_settings["reviewers"]
    votes = [{"reviewer": v.actor, "decision": v.decision, "reason": v.reason, "note": v.note}
             if complete or v.actor == viewer else {"reviewer": "(hidden until both have decided)",
                                                    "decision": None, "reason": None, "note": None}
             for v in st.votes]
    return {"id": rec.record_id, "title": rec.data.get("title"), "year": rec.data.get("year"),
            "abstract": rec.data.get("abstract"), "source": rec.source, "setting": setting_of(rec.data),
            "flags": fl, "status": st.status,
            "final": st.final, "reason": st.reason, "votes": votes,
            "resolution": {"reviewer": res.actor, "decision": res.decision, "reason": res.reason,
                           "mode": res.mode, "note": res.note} if res else None}


def agreement(store: Store, *, project: str = "default") -> dict:
    """Cohen's kappa with its 95% interval for the project and for each pair of reviewers, over
    the records both reviewers of the pair decided (their latest decisions, four categories)."""
    with store.session() as s:
        rv = _review(s, project)
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for pk in rv.states:
        votes = latest_votes(rv.votes.get(pk, []))[:2]
        if len(votes) == 2:
            a, b = sorted(votes, key=lambda v: v.actor)
            pairs.setdefault((a.actor, b.actor), []).append((a.decision, b.decision))
    pooled = [x for xs in pairs.values() for x in xs]
    return {"project": project, "overall": cohen_kappa([a for a, _ in pooled], [b for _, b in pooled]),
            "pairs": [{"reviewers": list(k), "kappa": cohen_kappa([a for a, _ in v], [b for _, b in v])}
                      for k, v in sorted(pairs.items())]}


def stopping(store: Store, *, project: str = "default", viewer: str | None = None) -> dict:
    """Where the stopping rule stands, and the estimated recall (records found relevant over
    those plus the model's expected number among the records not yet labelled).

    With a ``viewer`` (a reviewer still screening), only their own run is shown and only final
    decisions and their own count as labels, so nothing reveals the other reviewer's pending
    decisions; without one (reports, after screening) every reviewer's run is listed.
    """
    with store.session() as s:
        rv = _review(s, project)
    rule = StoppingRule(rv.settings["stop_after"], rv.settings["min_screened"])
    total = len(rv.records)
    per = []
    for reviewer, seq in sorted(rv.sequences.items()):
        if viewer is not None and reviewer != viewer:
            continue
        labels = [v for _, v in seq]
        per.append({"reviewer": reviewer, "screened": len(labels), "irrelevant_run": irrelevant_run(labels),
                    "met": should_stop(rule, labels, total)})
    pos = {r.id: i for i, r in enumerate(rv.records)}
    labels = {pos[pk]: v for pk, v in _labels(rv, viewer).items()}
    found = sum(labels.values())
    remaining = expected_remaining(_texts(rv.records), labels) if total else None
    recall = estimated_recall(found, remaining)
    return {"project": project, "rule": rule.describe(), "stop_after": rule.stop_after,
            "min_screened": rule.min_screened, "records": total, "undecided": total - len(labels),
            "relevant_found": found, "expected_remaining": remaining, "estimated_recall": recall,
            "reviewers": per, "met": bool(per) and all(p["met"] for p in per)}


def prisma(store: Store, *, project: str = "default") -> PrismaCounts:
    """The PRISMA 2020 counts of a project (``prisma.flow_svg`` draws them)."""
    with store.session() as s:
        rv = _review(s, project)
        src = Counter(dict(s.execute(select(ScreenRecord.source, func.count()).where(
            ScreenRecord.project == project).group_by(ScreenRecord.source)).all()))
        src.update(dict(s.execute(select(ScreenDuplicate.source, func.count()).where(
            ScreenDuplicate.project == project).group_by(ScreenDuplicate.source)).all()))
        dups = dict(s.execute(select(ScreenDuplicate.key, func.count()).where(
            ScreenDuplicate.project == project).group_by(ScreenDuplicate.key)).all())
        rule_rows = s.execute(select(ScreenFlag.record_pk, ScreenFlag.rule)
                              .join(ScreenRecord, ScreenRecord.id == ScreenFlag.record_pk)
                              .where(ScreenRecord.project == project)).all()
    rules_of: dict[int, set[str]] = {}
    for pk, rule in rule_rows:
        rules_of.setdefault(pk, set()).add(rule)
    excluded: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    flagged = wrong = conf_f = conf_u = not_run = 0
    version = {r.id: r.screened_version for r in rv.records}
    for pk, st in rv.states.items():
        if st.final is None:
            continue
        if st.final == "exclude":
            excluded[st.reason or "other"] += 1
            continue
        not_run += version[pk] != VERSION
        if pk in rules_of:
            flagged += 1
            by_rule.update(rules_of[pk])
            wrong += st.final == "flag_wrong"
            conf_f += st.final == "flag_confirmed"
        else:
            conf_u += st.final == "flag_confirmed"
    statuses = Counter(st.status for st in rv.states.values())
    ag = agreement(store, project=project)["overall"]
    kappa = ""
    if ag.n:
        kappa = (f"agreement on the {ag.n:,} records both reviewers decided: " + (
            f"κ\u00a0=\u00a0{ag.kappa:.2f} (95%\u00a0CI {ag.low:.2f} to {ag.high:.2f}), {ag.agreement:.0%} agreed"
            if ag.kappa is not None else f"{ag.agreement:.0%} agreed (κ undefined: one category only)"))
    stop = ""
    if rv.records and statuses["pending"]:
        st_ = stopping(store, project=project)
        est = st_["estimated_recall"]
        stop = (f"stopping rule {'met' if st_['met'] else 'not met'} ({st_['stop_after']} irrelevant in a row "
                f"after ≥{st_['min_screened']:.0%} screened); estimated recall "
                + (f"{est:.2f} (model-based)" if est is not None else "not yet estimable"))
    return PrismaCounts(project=project, sources=sorted((k or "earlier import", v) for k, v in src.items()),
                        duplicates=dups, awaiting=statuses["pending"], conflicts=statuses["conflict"],
                        one_vote=sum(st.status == "pending" and bool(st.votes) for st in rv.states.values()),
                        resolved=statuses["resolved"],
                        excluded=dict(excluded), flagged_by_rule=dict(by_rule), flagged=flagged,
                        flag_wrong=wrong, confirmed_flagged=conf_f, confirmed_unflagged=conf_u,
                        reviewers=rv.settings["reviewers"], not_run=not_run, kappa=kappa, stopping=stop)


def prisma_svg(store: Store, *, project: str = "default") -> str:
    return flow_svg(prisma(store, project=project))


def prisma_figure(store: Store, *, project: str = "default") -> dict:
    """PRISMA counts (as a dict) and the flow diagram, for reports."""
    counts = prisma(store, project=project)
    return {"counts": counts.to_dict(), "svg": flow_svg(counts)}


def projects(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(ScreenRecord.project).distinct().order_by(ScreenRecord.project)))


def reasons() -> list[dict]:
    """The documented exclusion reason codes."""
    return [{"code": r.code, "label": r.label, "help": r.help} for r in REASONS]


def simulate_file(path: str | Path, *, seed: int = 0, stop_after: int = 50, min_screened: float = 0.10) -> dict:
    """Recall curve, WSS@95, recall@k and the stopping rule's stop point (with its estimated
    and true recall) on a labelled CSV (id, title, abstract, label 0/1)."""
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
    return simulate(texts, truth, seed=seed, stopping=StoppingRule(stop_after, min_screened))


def export(store: Store, fmt: str, *, project: str = "default", rule: str | None = None,
           actor: str | None = None, via: str = "cli") -> str:
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
        audit.record(s, actor=actor or store.settings.actor, action="export", object_type="screen_flags",
                     object_id=f"{project}:{fmt}", via=via, payload={"rule": rule, "rows": len(rows)})
    return out


def export_decisions(store: Store, fmt: str = "csv", *, project: str = "default",
                     actor: str | None = None, via: str = "cli") -> str:
    """Every record and duplicate with its screening outcome, as CSV or JSON: the record of
    the selection process a published review appends. Votes on records still waiting for a
    reviewer are left out (blinding); the export is a custody ledger entry."""
    if fmt not in ("csv", "json"):
        raise ValidationError(fmt, "decisions export as csv or json")
    with store.session() as s:
        rv = _review(s, project)
        res = {r.record_pk: r for r in s.scalars(
            select(ScreenResolution).join(ScreenRecord, ScreenRecord.id == ScreenResolution.record_pk)
            .where(ScreenRecord.project == project).order_by(ScreenResolution.id))}
    rows = []
    for r in rv.records:
        st = rv.states[r.id]
        votes = [] if st.status == "pending" else st.votes
        rows.append({"id": r.record_id, "source": r.source, "doi": r.data.get("doi"), "year": r.data.get("year"),
                     "title": r.data.get("title"), "status": st.status, "decision": st.final,
                     "reason": st.reason, "reason_label": REASON_LABELS.get(st.reason or "", ""),
                     "flags": rv.nflags.get(r.id, 0),
                     "votes": [{"reviewer": v.actor, "decision": v.decision, "reason": v.reason, "note": v.note}
                               for v in votes],
                     "resolved_by": f"{res[r.id].actor} ({res[r.id].mode})" if r.id in res else None})
    for d in duplicates(store, project=project):
        rows.append({"id": d["id"], "source": d["source"], "doi": d["doi"], "year": d["year"], "title": d["title"],
                     "status": "duplicate", "decision": None, "reason": d["key"],
                     "reason_label": f"duplicate of {d['duplicate_of']} ({d['key_label']})", "flags": 0,
                     "votes": [], "resolved_by": None})
    if fmt == "json":
        out = json.dumps(rows, ensure_ascii=False, indent=2)
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["id", "source", "doi", "year", "title", "status", "decision", "reason", "reason_label",
                    "flags", "votes", "resolved_by"])
        for x in rows:
            w.writerow([x["id"], x["source"], x["doi"], x["year"], x["title"], x["status"], x["decision"],
                        x["reason"], x["reason_label"], x["flags"],
                        "; ".join(f"{v['reviewer']}: {v['decision']}" + (f" ({v['reason']})" if v["reason"] else "")
                                  for v in x["votes"]), x["resolved_by"]])
        out = buf.getvalue()
    with store.session() as s:
        audit.record(s, actor=actor or store.settings.actor, action="export", object_type="screen_decisions",
                     object_id=f"{project}:{fmt}", via=via, payload={"rows": len(rows)})
    return out
