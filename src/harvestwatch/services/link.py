"""Linking use cases: (re)build links, look up entities, corroboration, contradictions, grades.

Links are derived data: rebuilt from the stored extractions on every `link` (fast enough to
redo in full after each ingest), with manual merges/splits and source grades replayed.
Restricted documents are left out of the links, so no result can reveal them.
"""

from __future__ import annotations

from sqlalchemy import func, select

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.core.hashing import sha256_json
from harvestwatch.extract.gazetteer import load_gazetteer
from harvestwatch.link.build import GRADE_HELP, LINK_VERSION, build_links
from harvestwatch.link.citations import outlet_name
from harvestwatch.link.resolution import norm
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import plain_text
from harvestwatch.store.links import LinkDecision, LinkResult, SourceGrade
from harvestwatch.store.models import Document, ExtractedItem


def _grades(session) -> dict[str, dict]:
    out = {}
    for g in session.scalars(select(SourceGrade).order_by(SourceGrade.id)):
        out[norm(outlet_name(g.source))] = {"source": g.source, "reliability": g.reliability,
                               "credibility": g.credibility, "note": g.note, "by": g.actor}
    return out


def _fingerprint(s) -> str:
    """What a build depends on: the visible documents, their items (re-extraction gives new
    item ids), the manual decisions, the grades and the linker's version."""
    visible = Document.restricted.is_(False)
    doc_ids = s.scalars(select(Document.id).where(visible).order_by(Document.id)).all()
    item_ids = s.scalars(select(ExtractedItem.id).join(Document, Document.id == ExtractedItem.document_id)
                         .where(visible).order_by(ExtractedItem.id)).all()
    return sha256_json({"version": LINK_VERSION, "documents": doc_ids, "items": item_ids,
                        "decisions": s.scalar(select(func.max(LinkDecision.id))),
                        "grades": s.scalar(select(func.max(SourceGrade.id)))})


def rebuild(store: Store, *, force: bool = False) -> dict:
    """Rebuild every link from the stored items; returns the counts.

    Links are rebuilt in full (manual decisions and grades replayed), but only when what they
    depend on changed since the last build, unless ``force``; then the counts carry
    ``"unchanged": True``.
    """
    with store.session() as s:
        fingerprint = _fingerprint(s)
        last = s.scalar(select(LinkResult).order_by(LinkResult.id.desc()).limit(1))
        if not force and last is not None and last.data.get("fingerprint") == fingerprint:
            return last.data["counts"] | {"unchanged": True}
        docs = {d.id: {"id": d.id, "title": d.title, "site": d.site, "url": d.url,
                       "text": plain_text(d, store.cipher)}
                for d in s.scalars(select(Document).where(Document.restricted.is_(False)))}
        items = [i.to_dict() for i in s.scalars(select(ExtractedItem).where(
            ExtractedItem.document_id.in_(list(docs))))]
        decisions = [{"kind": d.kind, "label": d.label, "a": d.a, "b": d.b, "note": d.note,
                      "actor": d.actor} for d in s.scalars(select(LinkDecision).order_by(LinkDecision.id))]
        result = build_links(items, docs, decisions, _grades(s))
        result["fingerprint"] = fingerprint
        s.add(LinkResult(items=len(items), data=result))
    return result["counts"]


def _latest(store: Store) -> dict:
    with store.session() as s:
        row = s.scalar(select(LinkResult).order_by(LinkResult.id.desc()).limit(1))
        if row is None:
            raise NotFound("no links built yet; run 'harvestwatch link'")
        return row.data


def entity(store: Store, name: str) -> dict:
    """One entity across documents: mentions, aliases, why they were joined, co-occurring entities."""
    data = _latest(store)
    entry = load_gazetteer().lookup(name)  # cross-language aliases: 法轮功 → Falun Gong
    key = norm(entry.name if entry else name)
    match = next((c for c in data["entities"] if key == norm(c["name"]) or key in map(norm, c["aliases"])), None)
    if match is None:  # a surname, or a name with a title in front ("human rights lawyer David Matas")
        cands = [c for c in data["entities"] if c["label"] == "person" and (
            norm(c["name"]).split()[-1] == key or key.endswith(" " + norm(c["name"])))]
        match = cands[0] if len(cands) == 1 else None
    if match is None:
        raise NotFound(f"no entity named {name!r}")
    docs = set(match["documents"])
    co = sorted(({"name": c["name"], "label": c["label"], "shared_documents": len(docs & set(c["documents"]))}
                 for c in data["entities"] if c["id"] != match["id"] and docs & set(c["documents"])),
                key=lambda c: (-c["shared_documents"], c["name"]))
    return match | {"co_occurring": co[:30]}


def corroboration(store: Store, *, min_sources: int = 1) -> list[dict]:
    """Claim clusters with at least ``min_sources`` independent lines, best supported first."""
    return [c for c in _latest(store)["claim_clusters"]
            if c["support"]["independent_sources"] >= min_sources]


def contradictions(store: Store) -> list[dict]:
    return _latest(store)["contradictions"]


def grade_source(store: Store, source: str, reliability: str, *, credibility: int | None = None,
                 note: str | None = None, actor: str | None = None) -> dict:
    """Admiralty grade of a publisher or author; recorded in the ledger, used on the next build."""
    reliability = reliability.upper()
    if reliability not in GRADE_HELP:
        raise ValidationError(reliability, "reliability must be one of A, B, C, D, E, F")
    if credibility is not None and not 1 <= credibility <= 6:
        raise ValidationError(str(credibility), "credibility must be 1–6")
    actor = actor or store.settings.actor
    with store.session() as s:
        s.add(SourceGrade(source=source, reliability=reliability, credibility=credibility,
                          note=note, actor=actor))
        ledger.append(s, actor=actor, action="grade_source", object_type="source_name",
                      object_id=source, payload={"reliability": reliability,
                                                 "credibility": credibility, "note": note})
    return {"source": source, "reliability": reliability, "meaning": GRADE_HELP[reliability],
            "credibility": credibility}


def list_grades(store: Store) -> list[dict]:
    with store.session() as s:
        return list(_grades(s).values())


def decide(store: Store, kind: str, label: str, a: str, b: str | None = None, *,
           note: str | None = None, actor: str | None = None) -> dict:
    """Record a manual merge (a + b) or split (a out of its cluster), then rebuild."""
    if kind not in ("merge", "split") or (kind == "merge" and not b):
        raise ValidationError(kind, "use merge A B or split A")
    actor = actor or store.settings.actor
    with store.session() as s:
        entry = ledger.append(s, actor=actor, action=f"entity_{kind}", object_type="entity",
                              object_id=f"{label}:{a}", payload={"b": b, "note": note})
        s.add(LinkDecision(kind=kind, label=label, a=a, b=b, note=note, actor=actor,
                           ledger_seq=entry.seq))
    return rebuild(store)
