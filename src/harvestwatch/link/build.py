"""One linking pass over all items: entity clusters, claim clusters with independent support,
contradictions. Pure: items, documents, decisions and grades in; a JSON-able result out."""

from __future__ import annotations

from harvestwatch.link.citations import claim_origin, sentence_of
from harvestwatch.link.claims import cluster_by_actor, cluster_by_subject, cluster_quantities
from harvestwatch.link.contradictions import quantity_conflicts, stance_conflicts
from harvestwatch.link.resolution import norm, resolve_entities

GRADE_HELP = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
              "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}


LINK_VERSION = "3"  # bump when linking rules change: stored links are then rebuilt
SUBJECT_LABELS = ("victim_group", "place", "hospital", "organ")


def build_links(items: list[dict], documents: dict[int, dict], decisions: list[dict],
                grades: dict[str, dict]) -> dict:
    entities = [i for i in items if i["item_type"] == "entity"]
    # Durations and bare vague amounts ("thousands") say nothing to corroborate on their own.
    quantities = [i for i in items if i["item_type"] == "quantity"
                  and i["label"] not in ("duration", "other") and len(i["text"].split()) > 1]
    testimonies = [i for i in items if i["item_type"] == "testimony"]
    stances = [i for i in items if i["item_type"] == "stance"]
    clusters = resolve_entities(entities, decisions)
    by_name: dict[str, str] = {}
    for c in clusters:
        for alias in c.aliases:
            by_name.setdefault(norm(alias), c.name)

    surnames: dict[str, set[str]] = {}
    for c in clusters:
        if c.label == "person" and len(c.name.split()) > 1:
            surnames.setdefault(norm(c.name).split()[-1], set()).add(c.name)

    def resolve(name: str | None) -> str:
        if not name:
            return "(unattributed)"
        key = norm(name)
        if key in by_name:
            return by_name[key]
        if len(surnames.get(key, ())) == 1:  # "Matas said" → David Matas
            return next(iter(surnames[key]))
        return name.strip()

    # context of each quantity: victim groups and places in its sentence
    ctx_entities: dict[int, list[dict]] = {}
    for e in entities:
        if e["label"] in ("victim_group", "place", "hospital"):
            ctx_entities.setdefault(e["document_id"], []).append(e)
    context: dict[int, set[str]] = {}
    for q in quantities:
        doc = documents[q["document_id"]]
        lo, hi = sentence_of(doc["text"], q["start"], q["end"])
        context[q["id"]] = {resolve(e["canonical"]) for e in ctx_entities.get(q["document_id"], [])
                            if lo <= e["start"] < hi}

    testimonies_in: dict[int, list[dict]] = {}
    for t in testimonies:
        testimonies_in.setdefault(t["document_id"], []).append(t)
    urls = {d["url"].rstrip("/"): d for d in documents.values() if d.get("url")}

    def support(members: list[dict]) -> dict:
        lines: dict[str, list[dict]] = {}
        for m in members:
            origin, how = claim_origin(m, documents[m["document_id"]],
                                       testimonies_in.get(m["document_id"], []), resolve, urls)
            lines.setdefault(origin, []).append({"item_id": m["id"], "document_id": m["document_id"],
                                                 "start": m["start"], "end": m["end"],
                                                 "text": m["text"], "via": how})
        return {"independent_sources": len(lines), "documents": len({m["document_id"] for m in members}),
                "lines": [{"origin": o, "grade": grades.get(norm(o)), "chain": chain}
                          for o, chain in sorted(lines.items())]}

    claim_clusters = []
    qclusters = cluster_quantities(quantities)
    attributed = [i for i in testimonies + stances
                  if (i["data"].get("speaker") or i["data"].get("actor"))]
    # the subjects of a stance: its target, and the groups, places and hospitals it names
    subjects_in: dict[int, list[dict]] = {}
    for e in entities:
        if e["label"] in SUBJECT_LABELS:
            subjects_in.setdefault(e["document_id"], []).append(e)

    def subjects_of(st: dict) -> set[str]:
        found = {resolve(e["canonical"]) for e in subjects_in.get(st["document_id"], [])
                 if st["start"] <= e["start"] and e["end"] <= st["end"]}
        target = st["data"].get("target") if st["item_type"] == "stance" else None
        return found | ({resolve(target)} if target else set())

    by_subject = cluster_by_subject([s for s in stances if s["label"] in ("allegation", "denial")]
                                    + testimonies, subjects_of)
    for c in qclusters + cluster_by_actor(attributed, resolve) + by_subject:
        d = c.to_dict()
        d["members"] = [{k: m[k] for k in ("id", "document_id", "start", "end", "text", "label")}
                        for m in c.members]
        d["support"] = support(c.members)
        claim_clusters.append(d)
    claim_clusters.sort(key=lambda c: (-c["support"]["independent_sources"], -len(c["members"]), c["id"]))

    def brief(i: dict) -> dict:
        return {k: i[k] for k in ("id", "document_id", "start", "end", "text", "label")} | {
            "data": i["data"]}

    contradictions = [dict(c, a=brief(c["a"]), b=brief(c["b"]), also=[brief(x) for x in c.get("also", [])])
                      for c in quantity_conflicts(qclusters, context) + stance_conflicts(stances)]
    return {"entities": [c.to_dict() for c in clusters], "claim_clusters": claim_clusters,
            "contradictions": contradictions,
            "counts": {"items": len(items), "entities": len(clusters),
                       "claim_clusters": len(claim_clusters), "contradictions": len(contradictions)}}
