"""Assemble a sourced brief from the store: sections, numbered citations, custody appendix.

Pure over what the services return; rendering to HTML/PDF lives in ``render``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harvestwatch.report.citations import Citations

SECTIONS = ("sources", "claims", "entities", "analyses", "screening", "custody")


@dataclass
class Report:
    title: str
    generated_at: str
    merkle_root: str
    ledger_entries: int
    sections: list[str]
    documents: list[dict]
    left_out_restricted: int
    citations: Citations
    claims: list[dict] = field(default_factory=list)
    contradictions: list[dict] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    analyses: list[dict] = field(default_factory=list)
    screening: list[dict] = field(default_factory=list)
    prisma: list[dict] = field(default_factory=list)  # per screening project: counts and flow SVG
    verify: dict | None = None
    notes: list[str] = field(default_factory=list)


def cite_claims(clusters: list[dict], contradictions: list[dict], docs: dict[int, dict],
                cites: Citations, limit: int = 40) -> tuple[list[dict], list[dict]]:
    """Claim clusters and contradictions with a citation for every member span."""
    out = []
    for c in clusters[:limit]:
        members = []
        for m in c["members"]:
            if m["document_id"] not in docs:
                continue
            members.append({"text": m["text"], "ref": cites.span(docs[m["document_id"]], m["start"], m["end"])})
        if not members:
            continue
        out.append({"summary": c["summary"], "kind": c["kind"], "members": members,
                    "independent": c["support"]["independent_sources"],
                    "documents": c["support"]["documents"],
                    "lines": [{"origin": ln["origin"],
                               "grade": (ln["grade"] or {}).get("reliability"),
                               "documents": sorted({x["document_id"] for x in ln["chain"]})}
                              for ln in c["support"]["lines"]]})
    conflicts = []
    for c in contradictions[:limit]:
        if c["a"]["document_id"] in docs and c["b"]["document_id"] in docs:
            conflicts.append({"type": c["type"],
                              "a": {"text": c["a"]["text"], "ref": cites.span(docs[c["a"]["document_id"]], c["a"]["start"], c["a"]["end"])},
                              "b": {"text": c["b"]["text"], "ref": cites.span(docs[c["b"]["document_id"]], c["b"]["start"], c["b"]["end"])}})
    return out, conflicts


def cite_analysis(result: dict, svg: str, cites: Citations, row_of) -> dict:
    """An analysis result whose every input from a dataset row carries a citation.

    ``row_of(origin)`` returns the dataset row (quote, URL) behind ``file.csv:line``.
    """
    inputs = []
    for i in result["inputs"]:
        refs = []
        for part in str(i["source"]).replace(" / ", "; ").split("; "):
            if "@" not in part:
                continue
            dataset, origin = part.split("@", 1)
            origin = origin.split(" ")[0]
            row = row_of(origin)
            if row is not None:
                refs.append(cites.data(dataset.strip(), origin, row.quote, row.source_url))
        inputs.append({"name": i["name"], "value": i["value"], "source": i["source"], "refs": refs})
    return {"method": result["method"], "question": result["question"], "conclusion": result["conclusion"],
            "point": result["point"], "interval": result["interval"], "unit": result["unit"],
            "assumptions": result["assumptions"], "seed": result["seed"], "version": result["version"],
            "inputs": inputs, "svg": svg, "checks": (result.get("details") or {}).get("checks")}
