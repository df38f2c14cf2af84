"""Registry use cases: hospitals and their sourced facts, linking documents, review, capacity, export.

The shipped registry (``registry/data``) is loaded into the store on first use (and again when
a newer package ships a different one); facts added by users, imports and accepted proposals
live beside it. Every write appends a custody-ledger entry.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlparse

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from harvestwatch.analysis.montecarlo import Prior
from harvestwatch.analysis.result import AnalysisResult
from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.core.registry import METRICS, Accreditation, Fact, Hospital, SourceRef
from harvestwatch.registry import csvio
from harvestwatch.registry.names import Matcher, NameMatch, all_names
from harvestwatch.registry.proposals import (
    attribute,
    propose,
    quantities_in,
    quantity_from_item,
)
from harvestwatch.services import audit
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import find_document, plain_text
from harvestwatch.store.items import from_row
from harvestwatch.store.models import Document, ExtractedItem
from harvestwatch.store.registry import (
    RegistryAccreditation,
    RegistryAlias,
    RegistryFact,
    RegistryHospital,
    RegistryMention,
    RegistryMeta,
    RegistryProposal,
    accreditation_from_row,
    accreditation_to_row,
    fact_from_row,
    fact_to_row,
    hospital_from_row,
    hospital_to_row,
)

if TYPE_CHECKING:  # numpy loads only for the capacity model
    from harvestwatch.analysis.capacity import HospitalInput, SharedAssumptions

__all__ = ["list_hospitals", "show_hospital", "resolve", "add_fact", "import_csv", "link_documents",
           "list_proposals", "review_proposal", "capacity_inputs", "run_capacity", "timeline",
           "province_summary", "export_csv", "export_ftm", "registry_status", "parse_prior"]

NATIONAL_SERIES = "CN:transplants_total"


def _actor(store: Store, actor: str | None) -> str:
    return actor or store.settings.actor


# --- loading ------------------------------------------------------------------------------

def _ensure_loaded(store: Store) -> None:
    """Load (or refresh) the shipped registry when the store has not seen this version."""
    with store.session() as s:
        meta = s.get(RegistryMeta, "shipped_sha256")
        if meta is not None and meta.value == csvio.shipped_digest():
            return  # loaded already: the CSVs need no parsing
        shipped = csvio.load_shipped()
        ledger.lock_head(s)
        meta = s.get(RegistryMeta, "shipped_sha256")  # another process may have loaded it
        if meta is not None and meta.value == shipped.digest:
            return
        s.execute(delete(RegistryAlias).where(RegistryAlias.hospital_id.in_(
            select(RegistryHospital.id).where(RegistryHospital.origin == "shipped"))))
        s.execute(delete(RegistryAccreditation).where(RegistryAccreditation.origin == "shipped"))
        s.execute(delete(RegistryFact).where(RegistryFact.origin == "shipped"))
        for h in shipped.hospitals:
            row = s.get(RegistryHospital, h.id)
            new = hospital_to_row(h)
            if row is None:
                s.add(new)
            elif row.origin == "shipped":
                for col in ("name_en", "name_zh_hans", "name_zh_hant", "city", "province",
                            "affiliation", "source_title", "source_url", "quote"):
                    setattr(row, col, getattr(new, col))
        s.flush()
        for h in shipped.hospitals:
            _add_aliases(s, h)
        for a in shipped.accreditations:
            s.add(accreditation_to_row(a, "shipped"))
        for f in shipped.facts:
            s.add(fact_to_row(f, "shipped"))
        entry = ledger.append(s, actor="harvestwatch", action="registry-load", object_type="registry",
                              object_id="shipped", payload={
                                  "sha256": shipped.digest, "hospitals": len(shipped.hospitals),
                                  "accreditations": len(shipped.accreditations),
                                  "facts": len(shipped.facts)})
        s.flush()
        s.execute(delete(RegistryMeta).where(RegistryMeta.key == "shipped_sha256"))
        s.add(RegistryMeta(key="shipped_sha256", value=shipped.digest))
        for f in s.scalars(select(RegistryFact).where(RegistryFact.origin == "shipped")):
            f.ledger_seq = entry.seq


def _add_aliases(s: Session, h: Hospital) -> None:
    have = set(s.scalars(select(RegistryAlias.name).where(RegistryAlias.hospital_id == h.id)))
    for a in h.aliases:
        if a.name not in have:
            s.add(RegistryAlias(hospital_id=h.id, name=a.name, lang=a.lang, kind=a.kind))
            have.add(a.name)


def _hospitals(s: Session) -> list[Hospital]:
    aliases = defaultdict(list)
    for a in s.scalars(select(RegistryAlias).order_by(RegistryAlias.id)):
        aliases[a.hospital_id].append(a)
    return [hospital_from_row(r, aliases[r.id])
            for r in s.scalars(select(RegistryHospital).order_by(RegistryHospital.id))]


def _matcher(s: Session) -> Matcher:
    return Matcher(_hospitals(s))


def _resolve(s: Session, name: str, matcher: Matcher | None = None) -> Hospital:
    matcher = matcher or _matcher(s)
    ids = matcher.resolve(name)
    if not ids:
        hint = matcher.suggest(name)
        raise NotFound(f"no hospital {name!r} in the registry"
                       + (f"; did you mean: {'; '.join(hint)}" if hint else "")
                       + " (see 'harvestwatch hospitals list')")
    if len(ids) > 1:
        names = "; ".join(matcher.hospitals[i].name_en for i in ids)
        raise ValidationError(name, f"names more than one hospital ({names}); give the full name")
    return matcher.hospitals[ids[0]]


def resolve(store: Store, name: str) -> Hospital:
    """The hospital a name designates, in any script or abbreviation (NotFound with suggestions)."""
    _ensure_loaded(store)
    with store.session() as s:
        return _resolve(s, name)


# --- listing ------------------------------------------------------------------------------

@dataclass
class HospitalSummary:
    id: str
    name_en: str
    name_zh_hans: str | None
    name_zh_hant: str | None
    city: str | None
    province: str | None
    affiliation: str
    accreditations: list[str]
    facts: int
    metrics: list[str]
    documents: int

    @property
    def accredited(self) -> bool:
        return any(not a.startswith("KMG") for a in self.accreditations)

    def to_dict(self) -> dict:
        return asdict(self) | {"accredited": self.accredited}


def list_hospitals(store: Store, *, province: str | None = None, accredited: bool = False,
                   query: str | None = None, include_restricted: bool = False) -> list[HospitalSummary]:
    """Hospitals with their lists and how much is known; filters by province and official accreditation."""
    _ensure_loaded(store)
    with store.session() as s:
        accs = defaultdict(list)
        for a in s.scalars(select(RegistryAccreditation).order_by(RegistryAccreditation.year)):
            label = a.list_name if a.list_name.startswith("KMG") else f"{a.list_name}"
            if label not in accs[a.hospital_id]:
                accs[a.hospital_id].append(label)
        fq = select(RegistryFact.hospital_id, RegistryFact.metric)
        if not include_restricted:
            fq = fq.where(RegistryFact.restricted.is_(False))
        facts = defaultdict(list)
        for hid, metric in s.execute(fq):
            facts[hid].append(metric)
        dq = (select(RegistryMention.hospital_id, func.count(func.distinct(RegistryMention.document_id)))
              .join(Document, Document.id == RegistryMention.document_id))
        if not include_restricted:
            dq = dq.where(Document.restricted.is_(False))
        docs = dict(s.execute(dq.group_by(RegistryMention.hospital_id)).all())
        keep: set[str] | None = None
        if query:
            keep = set(_matcher(s).resolve(query))
        out = []
        for h in _hospitals(s):
            if province and (h.province or "").lower() != province.strip().lower():
                continue
            if keep is not None and h.id not in keep:
                continue
            summary = HospitalSummary(h.id, h.name_en, h.name_zh_hans, h.name_zh_hant, h.city,
                                      h.province, h.affiliation, accs[h.id], len(facts[h.id]),
                                      sorted(set(facts[h.id])), docs.get(h.id, 0))
            if accredited and not summary.accredited:
                continue
            out.append(summary)
    out.sort(key=lambda x: ((x.province or "~"), x.name_en))
    return out


def province_summary(store: Store) -> list[dict]:
    """Per province: hospitals, officially listed ones, and ones with beds/staff/volume facts."""
    rows: dict[str, dict] = {}
    for h in list_hospitals(store):
        r = rows.setdefault(h.province or "unknown", {"province": h.province or "unknown", "hospitals": 0,
                                                      "accredited": 0, "military": 0, "with_facts": 0})
        r["hospitals"] += 1
        r["accredited"] += h.accredited
        r["military"] += h.affiliation.startswith("military")
        r["with_facts"] += bool(h.facts)
    return sorted(rows.values(), key=lambda r: (-r["hospitals"], r["province"]))


def registry_status(store: Store) -> dict:
    """Counts for the closing note and the list page: how many hospitals have which facts."""
    hospitals = list_hospitals(store)
    by_metric = Counter(m for h in hospitals for m in h.metrics)
    lists = Counter(a for h in hospitals for a in h.accreditations)
    return {"hospitals": len(hospitals), "accredited": sum(h.accredited for h in hospitals),
            "with_any_fact": sum(bool(h.facts) for h in hospitals),
            "with_beds": sum(any(m.endswith("beds") for m in h.metrics) for h in hospitals),
            "with_staff": sum("staff" in h.metrics for h in hospitals),
            "with_volume": sum(any(m.startswith("transplants") for m in h.metrics) for h in hospitals),
            "hospitals_by_metric": dict(by_metric), "lists": dict(lists),
            "provinces": len({h.province for h in hospitals})}


# --- the hospital page --------------------------------------------------------------------

@dataclass
class MetricFacts:
    """Every fact of one metric, in time order; ``conflicts`` names years whose sources disagree."""

    metric: str
    description: str
    facts: list[dict]
    conflicts: list[str] = field(default_factory=list)


@dataclass
class HospitalView:
    hospital: dict
    names: list[dict]
    accreditations: list[dict]
    metrics: list[MetricFacts]
    documents: list[dict]
    allegations: list[dict]
    denials: list[dict]
    testimonies: list[dict]
    proposals_pending: int
    independent_sources: int
    alleging_sources: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def _fact_dict(f: Fact) -> dict:
    d = f.to_dict()
    d["source_label"] = f.source.label
    return d


def _group_facts(facts: list[Fact]) -> list[MetricFacts]:
    by = defaultdict(list)
    for f in facts:
        by[f.metric].append(f)
    out = []
    for metric in METRICS:
        group = sorted(by.get(metric, []), key=lambda f: (f.year or 0, f.date or "", f.value))
        if not group:
            continue
        conflicts = []
        per_key = defaultdict(set)
        for f in group:
            per_key[(f.year, f.scope)].add((f.low, f.high))
        for (year, scope), values in per_key.items():
            if len(values) > 1:
                vals = " vs ".join(f"{lo:g}" + (f"–{hi:g}" if hi != lo else "") for lo, hi in sorted(values))
                conflicts.append(f"{year or 'year not stated'}{' ' + scope if scope else ''}: {vals}")
        out.append(MetricFacts(metric, METRICS[metric], [_fact_dict(f) for f in group], conflicts))
    return out


def _host(doc: Document) -> str:
    if doc.url:
        return urlparse(doc.url).netloc.removeprefix("www.") or doc.url
    return doc.site or doc.source.name


def show_hospital(store: Store, name: str, *, include_restricted: bool = False) -> HospitalView:
    """Everything known about one hospital, each line with its source; restricted sources
    appear only when ``include_restricted`` (never on the outside view)."""
    _ensure_loaded(store)
    with store.session() as s:
        h = _resolve(s, name)
        names = [{"name": a.name, "lang": a.lang, "kind": a.kind} for a in all_names(h)]
        accs = [accreditation_from_row(a) for a in s.scalars(
            select(RegistryAccreditation).where(RegistryAccreditation.hospital_id == h.id)
            .order_by(RegistryAccreditation.year, RegistryAccreditation.list_name))]
        fq = select(RegistryFact).where(RegistryFact.hospital_id == h.id)
        if not include_restricted:
            fq = fq.where(RegistryFact.restricted.is_(False))
        facts = [fact_from_row(r) for r in s.scalars(fq)]
        mq = (select(RegistryMention, Document).join(Document, Document.id == RegistryMention.document_id)
              .where(RegistryMention.hospital_id == h.id))
        if not include_restricted:
            mq = mq.where(Document.restricted.is_(False))
        docs: dict[int, dict] = {}
        texts: dict[int, str] = {}
        doc_rows: dict[int, Document] = {}
        for m, doc in s.execute(mq.order_by(Document.id, RegistryMention.start)):
            text = texts.setdefault(doc.id, plain_text(doc, store.cipher))
            doc_rows[doc.id] = doc
            d = docs.setdefault(doc.id, {"id": doc.id, "sha256": doc.sha256, "title": doc.title,
                                         "url": doc.url, "published": doc.published, "kind": doc.kind,
                                         "source": _host(doc), "mentions": []})
            d["mentions"].append({"start": m.start, "end": m.end, "text": m.text,
                                  "context": text[max(0, m.start - 80):m.end + 80]})
        all_mentions: dict[int, list[NameMatch]] = defaultdict(list)  # every hospital, for attribution
        for m in s.scalars(select(RegistryMention).where(RegistryMention.document_id.in_(list(docs)))
                           .order_by(RegistryMention.start)):
            all_mentions[m.document_id].append(NameMatch(m.hospital_id, m.start, m.end, m.text, m.kind))
        allegations, denials, testimonies = [], [], []
        if docs:
            iq = select(ExtractedItem).where(ExtractedItem.document_id.in_(list(docs)),
                                             ExtractedItem.item_type.in_(("stance", "testimony")))
            for item in s.scalars(iq.order_by(ExtractedItem.document_id, ExtractedItem.start)):
                who = attribute(texts[item.document_id], all_mentions[item.document_id], item.start,
                                loose=False)  # the passage itself must point at it
                if who is None or who[0] != h.id:
                    continue
                doc = doc_rows[item.document_id]
                row = {"document_id": doc.id, "title": doc.title, "source": _host(doc),
                       "start": item.start, "end": item.end, "text": item.text,
                       "actor": item.canonical, "kind": item.label, "why": who[1]}
                if item.item_type == "testimony":
                    testimonies.append(row)
                elif item.label in ("allegation", "condemnation"):
                    allegations.append(row)
                elif item.label == "denial":
                    denials.append(row)
        pq = select(func.count()).select_from(RegistryProposal).where(
            RegistryProposal.hospital_id == h.id, RegistryProposal.status == "proposed")
        if not include_restricted:
            pq = pq.where(RegistryProposal.restricted.is_(False))
        pending = s.scalar(pq)
        shas = {f.source.document_sha256 for f in facts if f.source.document_sha256}
        doc_ids = dict(s.execute(select(Document.sha256, Document.id).where(Document.sha256.in_(shas)))
                       .all()) if shas else {}
    groups = _group_facts(facts)
    for g in groups:
        for f in g.facts:
            f["source"]["document_id"] = doc_ids.get(f["source"]["document_sha256"])
    alleging = sorted({a["source"] for a in allegations + testimonies})
    hospital = {"id": h.id, "name_en": h.name_en, "name_zh_hans": h.name_zh_hans,
                "name_zh_hant": h.name_zh_hant, "city": h.city, "province": h.province,
                "affiliation": h.affiliation, "military": h.military, "origin": h.origin,
                "source": h.source.to_dict()}
    return HospitalView(hospital, names,
                        [{"list": a.list_name, "year": a.year, "organs": list(a.organs),
                          "official": a.official, "verified": a.verified, "source": a.source.to_dict()}
                         for a in accs],
                        groups, list(docs.values()), allegations, denials, testimonies,
                        pending, len(alleging), alleging)


# --- adding facts ---------------------------------------------------------------------------

def _parse_doc_source(spec: str) -> tuple[str, int, int]:
    """'DOC#span-START-END' (DOC: id or sha256 prefix) → (doc, start, end)."""
    doc, sep, span = spec.partition("#span-")
    start_s, _, end_s = span.partition("-")
    if not sep or not doc or not start_s.isdigit() or not end_s.isdigit():
        raise ValidationError(spec, "source must be DOC#span-START-END (document id or sha256, "
                              "character offsets) or an http(s) URL with --quote")
    return doc, int(start_s), int(end_s)


def add_fact(store: Store, hospital: str, *, metric: str, value: float, source: str,
             value_high: float | None = None, year: int | None = None, date: str | None = None,
             unit: str | None = None, scope: str | None = None, quote: str | None = None,
             title: str | None = None, notes: str | None = None, actor: str | None = None) -> Fact:
    """Record one sourced fact; the span's text (or the given quote) is kept as the quote."""
    _ensure_loaded(store)
    if metric not in METRICS:
        raise ValidationError(metric, f"unknown metric; expected one of {', '.join(METRICS)}")
    if year is not None and not (1900 <= year <= 2100):
        raise ValidationError(str(year), "year must be between 1900 and 2100")
    who = _actor(store, actor)
    with store.session() as s:
        h = _resolve(s, hospital)
        restricted = False
        if source.startswith(("http://", "https://")):
            if not quote:
                raise ValidationError(source, "a URL source needs --quote with the exact sentence")
            ref = SourceRef(title, source, quote.strip())
        else:
            doc_ref, start, end = _parse_doc_source(source)
            doc = find_document(s, doc_ref, include_restricted=True)
            text = plain_text(doc, store.cipher)
            if not (0 <= start < end <= len(text)):
                raise ValidationError(source, f"span {start}-{end} is outside the document "
                                      f"(its text has {len(text)} characters)")
            span_text = text[start:end]
            if quote and quote.strip() not in span_text:
                raise ValidationError(source, "the quote given is not inside that span")
            ref = SourceRef(title or doc.title, doc.url, span_text, doc.sha256, start, end)
            restricted = doc.restricted
        try:
            fact = Fact(hospital_id=h.id, metric=metric, value=float(value), value_high=value_high,
                        unit=unit or metric, source=ref, year=year, date=date, scope=scope,
                        verified="yes (entered by " + who + ")", notes=notes, origin="cli",
                        restricted=restricted)
        except ValueError as exc:
            raise ValidationError(hospital, str(exc)) from None
        row = fact_to_row(fact, who)
        s.add(row)
        s.flush()
        entry = ledger.append(s, actor=who, action="registry-fact-add", object_type="registry-fact",
                              object_id=row.id, payload=ledger.restricted_payload(
                                  fact.to_dict() | {"id": row.id}, restricted=restricted,
                                  keep=("id", "hospital_id", "metric")))
        s.flush()
        row.ledger_seq = entry.seq
        return fact_from_row(row)


@dataclass
class ImportReport:
    kind: str
    hospitals: int = 0
    facts: int = 0
    accreditations: int = 0
    ledger_seq: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def import_csv(store: Store, path: str | Path, *, actor: str | None = None) -> ImportReport:
    """Import hospitals, facts or accreditations from a CSV; any bad row refuses the whole file."""
    _ensure_loaded(store)
    text = csvio.read_file(path)
    name = Path(path).name
    who = _actor(store, actor)
    with store.session() as s:
        matcher = _matcher(s)
        known = set(matcher.hospitals)

        def resolve_name(n: str) -> str | None:
            ids = matcher.resolve(n)
            return ids[0] if len(ids) == 1 else None

        parsed = csvio.parse_csv(text, name, resolve_name, origin=f"import:{name}", known_ids=known)
        report = ImportReport(parsed.kind)
        for h in parsed.hospitals:
            s.add(hospital_to_row(h))
            s.flush()
            _add_aliases(s, h)
            report.hospitals += 1
        for a in parsed.accreditations:
            s.add(accreditation_to_row(a, f"import:{name}"))
            report.accreditations += 1
        rows = []
        for f in parsed.facts:
            row = fact_to_row(f, who)
            s.add(row)
            rows.append(row)
            report.facts += 1
        s.flush()
        entry = ledger.append(s, actor=who, action="registry-import", object_type="registry",
                              object_id=name, payload={
                                  "file": name, "kind": parsed.kind, "sha256": _sha(text),
                                  "hospitals": [h.id for h in parsed.hospitals],
                                  "facts": [r.id for r in rows], "accreditations": report.accreditations})
        s.flush()
        for r in rows:
            r.ledger_seq = entry.seq
        report.ledger_seq = entry.seq
    return report


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- linking documents --------------------------------------------------------------------

@dataclass
class LinkReport:
    documents: int = 0
    mentions: int = 0
    hospitals: int = 0
    proposals: int = 0
    ledger_seq: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def link_documents(store: Store, document_ids: Iterable[int] | None = None, *,
                   actor: str | None = None,
                   on_document: Callable[[int], None] | None = None) -> LinkReport:
    """Resolve hospital names in documents to registry entries and propose their figures.

    Proposals are never facts: a reviewer accepts or rejects each (``review_proposal``).
    Re-running is idempotent: mentions are rebuilt per document, proposals kept.
    """
    _ensure_loaded(store)
    who = _actor(store, actor)
    report = LinkReport()
    with store.session() as s:
        matcher = _matcher(s)
        q = select(Document.id).order_by(Document.id)
        if document_ids is not None:
            q = q.where(Document.id.in_(list(document_ids)))
        ids = list(s.scalars(q))
    touched: set[str] = set()
    new_proposals: list[int] = []
    for doc_id in ids:
        with store.session() as s:
            doc = s.get(Document, doc_id)
            text = plain_text(doc, store.cipher)
            matches = matcher.find(text)
            s.execute(delete(RegistryMention).where(RegistryMention.document_id == doc_id))
            for m in matches:
                s.add(RegistryMention(hospital_id=m.hospital_id, document_id=doc_id, start=m.start,
                                      end=m.end, text=m.text, kind=m.kind))
                touched.add(m.hospital_id)
            report.mentions += len(matches)
            if matches:
                items = [from_row(i).to_dict() for i in s.scalars(select(ExtractedItem).where(
                    ExtractedItem.document_id == doc_id, ExtractedItem.item_type == "quantity"))]
                quantities = ([quantity_from_item(i) for i in items] if items
                              else quantities_in(text, doc.language))
                existing = {(r.hospital_id, r.metric, r.item_start, r.item_end) for r in s.scalars(
                    select(RegistryProposal).where(RegistryProposal.document_id == doc_id))}
                for p in propose(text, doc.sha256, matches, quantities):
                    if (p.hospital_id, p.metric, p.item_start, p.item_end) in existing:
                        continue
                    existing.add((p.hospital_id, p.metric, p.item_start, p.item_end))
                    row = RegistryProposal(
                        hospital_id=p.hospital_id, metric=p.metric, value=p.value,
                        value_high=p.value_high, unit=p.unit, year=p.year, document_id=doc_id,
                        document_sha256=p.document_sha256, start=p.start, end=p.end,
                        item_start=p.item_start, item_end=p.item_end, quote=p.quote,
                        reason=p.reason, restricted=doc.restricted, status="proposed")
                    s.add(row)
                    s.flush()
                    new_proposals.append(row.id)
            report.documents += 1
        if on_document:
            on_document(doc_id)
    report.hospitals = len(touched)
    report.proposals = len(new_proposals)
    with store.session() as s:
        entry = ledger.append(s, actor=who, action="registry-link", object_type="registry",
                              object_id="documents", payload={
                                  "documents": ids, "mentions": report.mentions,
                                  "proposals": new_proposals})
        s.flush()
        report.ledger_seq = entry.seq
    return report


def list_proposals(store: Store, *, status: str | None = "proposed", hospital: str | None = None,
                   include_restricted: bool = False, limit: int = 200) -> list[dict]:
    """Figures waiting for review (or decided ones), newest first, with their sentence."""
    _ensure_loaded(store)
    with store.session() as s:
        q = select(RegistryProposal, RegistryHospital.name_en).join(
            RegistryHospital, RegistryHospital.id == RegistryProposal.hospital_id)
        if status:
            q = q.where(RegistryProposal.status == status)
        if hospital:
            q = q.where(RegistryProposal.hospital_id == _resolve(s, hospital).id)
        if not include_restricted:
            q = q.where(RegistryProposal.restricted.is_(False))
        return [_proposal_dict(p) | {"hospital": name}
                for p, name in s.execute(q.order_by(RegistryProposal.id.desc()).limit(limit))]


def _proposal_dict(p: RegistryProposal) -> dict:
    return {"id": p.id, "hospital_id": p.hospital_id, "metric": p.metric, "value": p.value,
            "value_high": p.value_high, "unit": p.unit, "year": p.year, "document_id": p.document_id,
            "document_sha256": p.document_sha256, "start": p.start, "end": p.end,
            "item_start": p.item_start, "item_end": p.item_end, "quote": p.quote, "reason": p.reason,
            "status": p.status, "reviewer": p.reviewer, "note": p.note, "fact_id": p.fact_id,
            "restricted": p.restricted}


def review_proposal(store: Store, proposal_id: int, decision: str, *, note: str | None = None,
                    actor: str | None = None, include_restricted: bool = False) -> dict:
    """Accept (the figure becomes a fact citing its span) or reject a proposal; both are ledgered."""
    if decision not in ("accept", "reject"):
        raise ValidationError(decision, "decision must be accept or reject")
    who = _actor(store, actor)
    with store.session() as s:
        p = s.get(RegistryProposal, proposal_id)
        if p is None or (p.restricted and not include_restricted):
            raise NotFound(f"no proposal {proposal_id}")
        if p.status != "proposed":
            raise ValidationError(str(proposal_id), f"already {p.status} by {p.reviewer}")
        payload = {"proposal": _proposal_dict(p), "decision": decision, "note": note}
        p.status = "accepted" if decision == "accept" else "rejected"
        p.reviewer = who
        p.note = note
        p.decided_at = datetime.now(UTC)
        if decision == "accept":
            doc = s.get(Document, p.document_id)
            fact = Fact(hospital_id=p.hospital_id, metric=p.metric, value=p.value,
                        value_high=p.value_high, unit=p.unit, year=p.year,
                        source=SourceRef(doc.title, doc.url, p.quote, p.document_sha256, p.start, p.end),
                        verified=f"yes (reviewed by {who})", notes=note, origin="review",
                        restricted=p.restricted)
            row = fact_to_row(fact, who)
            s.add(row)
            s.flush()
            p.fact_id = row.id
            payload["fact_id"] = row.id
        entry = ledger.append(s, actor=who, action="registry-review", object_type="registry-proposal",
                              object_id=p.id, payload=ledger.restricted_payload(
                                  payload, restricted=p.restricted, keep=("decision", "fact_id")))
        s.flush()
        p.ledger_seq = entry.seq
        if p.fact_id:
            s.get(RegistryFact, p.fact_id).ledger_seq = entry.seq
        return _proposal_dict(p)


# --- analyses -----------------------------------------------------------------------------

@dataclass
class CapacityInputs:
    """Typed inputs for ``analysis.capacity``: one ``HospitalInput`` per hospital that has what
    the model needs, the shared assumptions given, and every hospital left out with the reason."""

    inputs: list[HospitalInput]
    shared: SharedAssumptions | None
    lacking: list[dict]  # {"hospital_id", "hospital", "missing", "known"}
    facts: dict[str, list[dict]]  # hospital name -> the registry facts its inputs rest on
    province: str | None
    year: int | None


def _fact_prior(facts: list[Fact], metric: str, year: int | None) -> tuple[Prior | None, list[Fact]]:
    """Every usable fact of a metric as one prior: range over all (conflicts widen it), mode at
    the latest; facts after ``year`` are left out."""
    usable = [f for f in facts if f.metric == metric and (year is None or f.year is None or f.year <= year)]
    if not usable:
        return None, []
    latest = sorted(usable, key=lambda f: (f.year or 0, f.date or ""))[-1]
    low = min(f.low for f in usable)
    high = max(f.high for f in usable)
    mode = min(max((latest.low + latest.high) / 2, low), high)
    src = "; ".join(f"registry fact {f.id} ({f.value:g}{'–' + format(f.value_high, 'g') if f.value_high else ''}"
                    f"{', ' + str(f.year) if f.year else ''}; {f.source.label})" for f in usable)
    return Prior(low, mode, high, "fixed" if low == high else "pert", src), usable


def parse_prior(spec: str | None, what: str) -> Prior | None:
    """'0.8' (fixed), '0.7:0.9' (uniform) or '0.7:0.8:0.95' (PERT min:mode:max), marked as the user's."""
    if spec is None or not str(spec).strip():
        return None
    try:
        parts = [float(x) for x in str(spec).split(":")]
    except ValueError:
        raise ValidationError(what, f"expected N, MIN:MAX or MIN:MODE:MAX, got {spec!r}") from None
    source = f"user assumption ({what})"
    if len(parts) == 1:
        return Prior.fixed(parts[0], source)
    if len(parts) == 2:
        return Prior(min(parts), sum(parts) / 2, max(parts), "uniform", source)
    if len(parts) == 3:
        return Prior(*parts, "pert", source)
    raise ValidationError(what, f"expected N, MIN:MAX or MIN:MODE:MAX, got {spec!r}")


def capacity_inputs(store: Store, *, province: str | None = None, year: int | None = None,
                    occupancy: Prior | None = None, length_of_stay: Prior | None = None,
                    hospital: str | None = None, include_restricted: bool = False) -> CapacityInputs:
    """Per hospital: transplant beds from facts, with the hospital's own occupancy and length of
    stay where facts give them. ``occupancy`` and ``length_of_stay`` given together are shared
    assumptions (drawn once per simulation); one given alone fills only hospitals lacking it.
    Hospitals without transplant beds, or whose figures the model refuses, are listed."""
    from harvestwatch.analysis.capacity import HospitalInput, Provenance, SharedAssumptions

    _ensure_loaded(store)
    with store.session() as s:
        only = _resolve(s, hospital).id if hospital else None
        hospitals = [h for h in _hospitals(s)
                     if (not province or (h.province or "").lower() == province.strip().lower())
                     and (only is None or h.id == only)]
        if province and not hospitals:
            raise NotFound(f"no registry hospital in province {province!r}")
        fq = select(RegistryFact)
        if not include_restricted:
            fq = fq.where(RegistryFact.restricted.is_(False))
        facts = defaultdict(list)
        for r in s.scalars(fq):
            facts[r.hospital_id].append(fact_from_row(r))
    shared = SharedAssumptions(occupancy, length_of_stay) if occupancy and length_of_stay else None
    inputs, lacking, used_facts = [], [], {}
    for h in hospitals:
        fs = facts[h.id]
        beds, used = _fact_prior(fs, "transplant_beds", year)
        occ, used_o = _fact_prior(fs, "occupancy", year)
        los, used_l = _fact_prior(fs, "length_of_stay", year)
        teams, used_t = _fact_prior(fs, "surgical_teams", year)
        if shared is None:
            occ, los = occ or occupancy, los or length_of_stay
        missing = [n for n, v in (("transplant_beds", beds),
                                  ("occupancy", occ or (shared and shared.occupancy)),
                                  ("length_of_stay", los or (shared and shared.length_of_stay))) if v is None]
        row = {"hospital_id": h.id, "hospital": h.name_en, "missing": missing,
               "known": sorted({f.metric for f in fs})}
        if missing:
            lacking.append(row)
            continue
        quote = used[-1].source.quote or ""
        item = HospitalInput(h.name_en, beds, Provenance(f"registry:{h.id}", quote,
                                                         ",".join(str(f.id) for f in used)),
                             occupancy=occ, length_of_stay=los, teams=teams)
        try:
            item.validate()
        except ValidationError as exc:
            lacking.append(row | {"missing": [], "refused": f"{exc.source}: {exc.reason}"})
            continue
        inputs.append(item)
        used_facts[h.name_en] = [_fact_dict(f) for f in used + used_o + used_l + used_t]
    return CapacityInputs(inputs, shared, lacking, used_facts, province, year)


def run_capacity(store: Store, *, province: str | None = None, year: int | None = None,
                 occupancy: Prior | None = None, length_of_stay: Prior | None = None,
                 hospital: str | None = None, draws: int = 100_000, seed: int = 0,
                 include_restricted: bool = False) -> AnalysisResult:
    """The capacity model over registry hospitals that have the inputs; the rest are named."""
    ci = capacity_inputs(store, province=province, year=year, occupancy=occupancy,
                         length_of_stay=length_of_stay, hospital=hospital,
                         include_restricted=include_restricted)
    if not ci.inputs:
        needs = Counter(m for row in ci.lacking for m in row["missing"])
        refused = [f"{r['hospital']} ({r['refused']})" for r in ci.lacking if r.get("refused")]
        parts = [f"{k} missing for {v}" for k, v in needs.items()]
        parts += [f"refused: {r}" for r in refused]
        raise ValidationError("registry", "no hospital has every capacity input ("
                              + "; ".join(parts) + "); give --occupancy and --los "
                              "priors or add facts")
    from harvestwatch.analysis.capacity import capacity_model

    result = capacity_model(ci.inputs, ci.shared, draws=draws, seed=seed)
    result.details["registry"] = {"province": province, "year": year,
                                  "hospitals_used": [i.name for i in ci.inputs],
                                  "lacking": ci.lacking, "facts": ci.facts}
    result.assumptions.append(
        f"{len(ci.inputs)} registry hospital(s) had transplant beds"
        f"{' as of ' + str(year) if year else ''}; {len(ci.lacking)} lacked an input and are left out "
        "(listed in details.registry.lacking), so the total covers only the hospitals used.")
    return result


@dataclass
class Timeline:
    hospital: dict
    years: list[dict]  # {"year", "facts": [...], "national": {...} | None}
    undated: list[dict]
    national_series: str


def timeline(store: Store, name: str, *, include_restricted: bool = False) -> Timeline:
    """A hospital's capacity indicators by year beside China's official national volume."""
    from harvestwatch.services import analysis as analysis_svc

    view = show_hospital(store, name, include_restricted=include_restricted)
    try:
        national_rows = analysis_svc.show_dataset(NATIONAL_SERIES, store)["rows"]
    except NotFound:
        national_rows = []
    national = defaultdict(list)
    for r in national_rows:
        if r.get("year"):
            national[int(r["year"])].append({"value": r["value"], "source_title": r["source_title"],
                                             "source_url": r["source_url"], "quote": r["quote"]})
    by_year, undated = defaultdict(list), []
    for group in view.metrics:
        for f in group.facts:
            (by_year[f["year"]] if f["year"] else undated).append(f)
    years = [{"year": y, "facts": by_year.get(y, []), "national": national.get(y, [])}
             for y in sorted(set(by_year) | {y for y in national if by_year})]
    return Timeline(view.hospital, years, undated, NATIONAL_SERIES)


# --- export -------------------------------------------------------------------------------

EXPORT_COLUMNS = ("record", "hospital_id", "name_en", "name_zh_hans", "name_zh_hant", "city",
                  "province", "affiliation", "list_or_metric", "year", "value", "value_high", "unit",
                  "source_title", "source_url", "document_sha256", "span", "quote", "verified")


def _export_rows(store: Store, include_restricted: bool) -> tuple[list[Hospital], list[Accreditation], list[Fact]]:
    _ensure_loaded(store)
    with store.session() as s:
        hospitals = _hospitals(s)
        accs = [accreditation_from_row(a) for a in s.scalars(select(RegistryAccreditation)
                                                             .order_by(RegistryAccreditation.id))]
        fq = select(RegistryFact).order_by(RegistryFact.id)
        if not include_restricted:
            fq = fq.where(RegistryFact.restricted.is_(False))
        facts = [fact_from_row(r) for r in s.scalars(fq)]
    return hospitals, accs, facts


def export_csv(store: Store, out: IO[str], *, include_restricted: bool = False,
               actor: str | None = None, destination: str = "-", via: str = "cli") -> int:
    """One row per hospital, accreditation and fact, each with its source; ledgered."""
    hospitals, accs, facts = _export_rows(store, include_restricted)
    by_id = {h.id: h for h in hospitals}
    w = csv.writer(out)
    w.writerow(EXPORT_COLUMNS)
    n = 0

    def base(h: Hospital) -> list:
        return [h.id, h.name_en, h.name_zh_hans, h.name_zh_hant, h.city, h.province, h.affiliation]

    for h in hospitals:
        w.writerow(["hospital", *base(h), "", "", "", "", "", h.source.title, h.source.url, "", "",
                    h.source.quote, ""])
        n += 1
    for a in accs:
        h = by_id[a.hospital_id]
        w.writerow(["accreditation", *base(h), a.list_name, a.year, ";".join(a.organs), "", "",
                    a.source.title, a.source.url, "", "", a.source.quote, a.verified])
        n += 1
    for f in facts:
        h = by_id[f.hospital_id]
        src = f.source
        span = f"{src.start}-{src.end}" if src.document_sha256 else ""
        w.writerow(["fact", *base(h), f.metric, f.year, f.value, f.value_high, f.unit, src.title,
                    src.url, src.document_sha256, span, src.quote, f.verified])
        n += 1
    _ledger_export(store, "csv", destination, n, include_restricted, actor, via)
    return n


def export_ftm(store: Store, out: IO[str], *, include_restricted: bool = False,
               actor: str | None = None, destination: str = "-", via: str = "cli") -> int:
    """FollowTheMoney entities (Organization + Address), one JSON object per line, for Aleph."""
    from harvestwatch.registry.ftm import registry_entities

    hospitals, accs, facts = _export_rows(store, include_restricted)
    n = 0
    for entity in registry_entities(hospitals, accs, facts):
        out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    _ledger_export(store, "ftm", destination, n, include_restricted, actor, via)
    return n


def _ledger_export(store: Store, fmt: str, destination: str, n: int, include_restricted: bool,
                   actor: str | None, via: str) -> None:
    """Audit the export (``services.audit``: an access-log row and a ledger entry)."""
    with store.session() as s:
        audit.record(s, actor=_actor(store, actor), action="export", object_type="registry-export",
                     object_id=str(destination), via=via,
                     payload={"format": fmt, "records": n, "include_restricted": include_restricted})



def record_brief(store: Store, name: str, content: bytes, *, actor: str | None = None,
                 via: str = "cli") -> None:
    """Audit a hospital brief handed out (access-log row + ledger entry with its sha256, so the
    copy can be checked later)."""
    import hashlib

    with store.session() as s:
        h = _resolve(s, name)
        audit.record(s, actor=_actor(store, actor), action="export", object_type="hospital-brief",
                     object_id=h.id, via=via, payload={"sha256": hashlib.sha256(content).hexdigest(),
                                                       "include_restricted": False})
