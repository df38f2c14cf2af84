"""CLI: link, entity, corroboration, contradictions, merges/splits and source grades."""

from __future__ import annotations

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.services import link as svc
from harvestwatch.services import store as store_svc

sources_app = typer.Typer(help="Reliability grades of publishers and authors (Admiralty A–F).",
                          no_args_is_help=True)
entities_app = typer.Typer(help="Manual entity merges and splits (kept and replayed).",
                           no_args_is_help=True)


def _store():
    return store_svc.open(_context.settings())


def link(force: bool = typer.Option(False, "--force", help="Rebuild even if nothing changed.")) -> None:
    """(Re)build entity and claim links from the stored extractions (skipped when unchanged)."""
    counts = svc.rebuild(_store(), force=force)
    if counts.get("unchanged"):
        how = "links up to date"
    elif counts["mode"] == "incremental":
        how = (f"re-linked {counts['relinked_blocks']:,} of {counts['blocks']:,} blocks and "
               f"{counts.get('relinked_clusters', 0):,} claim cluster(s) "
               f"({counts['documents']:,} changed document(s)); linked")
    else:
        how = f"linked in full ({counts['blocks']:,} blocks)"
    console.print(f"{how} {counts['items']} items: {counts['entities']} entities, "
                  f"{counts['claim_clusters']} claim clusters, {counts['contradictions']} contradictions",
                  highlight=False)


def entity(name: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """Every mention of an entity across documents, its aliases and why they were joined."""
    e = svc.entity(_store(), name)
    if json_out:
        emit_json(e)
        return
    console.print(f"[bold]{e['name']}[/bold] ({e['label']}), {e['mention_count']} mention(s) in "
                  f"{len(e['documents'])} document(s)")
    console.print("aliases: " + ", ".join(e["aliases"]), highlight=False)
    for r in e["reasons"]:
        console.print(f"  joined: {r}", highlight=False, markup=False)
    table("mentions", ["doc", "span", "text"], [[m["document_id"], f"{m['start']}-{m['end']}", m["text"]]
                                                 for m in e["mentions"]])
    table("co-occurring", ["name", "type", "shared documents"],
          [[c["name"], c["label"], c["shared_documents"]] for c in e["co_occurring"]])


def corroboration(min_sources: int = typer.Option(2, "--min-sources"),
                  limit: int = typer.Option(200, "--limit", min=1, help="Clusters to show."),
                  offset: int = typer.Option(0, "--offset", min=0, help="Clusters to skip."),
                  json_out: bool = typer.Option(False, "--json")) -> None:
    """Claim clusters ranked by independent support (documents citing one origin count once)."""
    rows = svc.corroboration(_store(), min_sources=min_sources, limit=limit, offset=offset)
    if json_out:
        emit_json(rows)
        return
    table(f"claim clusters with ≥ {min_sources} independent source(s)",
          ["cluster", "independent", "documents", "lines of evidence (origin ← documents)"],
          [[c["summary"][:70], c["support"]["independent_sources"], c["support"]["documents"],
            "; ".join(f"{ln['origin']}{' [' + ln['grade']['reliability'] + ']' if ln['grade'] else ''}"
                      f" ← docs {sorted({x['document_id'] for x in ln['chain']})}"
                      for ln in c["support"]["lines"])] for c in rows])


def contradictions(limit: int = typer.Option(200, "--limit", min=1, help="Rows to show."),
                   offset: int = typer.Option(0, "--offset", min=0, help="Rows to skip."),
                   json_out: bool = typer.Option(False, "--json")) -> None:
    """Claims that conflict, side by side with both evidence spans."""
    rows = svc.contradictions(_store(), limit=limit, offset=offset)
    if json_out:
        emit_json(rows)
        return
    table("contradictions", ["type", "claim A (doc:span)", "claim B (doc:span)", "also"],
          [[c["type"], f"{c['a']['document_id']}:{c['a']['start']}-{c['a']['end']} {c['a']['text'][:60]}",
            f"{c['b']['document_id']}:{c['b']['start']}-{c['b']['end']} {c['b']['text'][:60]}",
            ", ".join(f"{x['document_id']}:{x['start']}-{x['end']}" for x in c.get("also", [])[:5])
            + (f" (+{len(c['also']) - 5})" if len(c.get("also", [])) > 5 else "")] for c in rows])


@sources_app.command("grade")
def sources_grade(source: str, reliability: str, credibility: int = typer.Option(None, "--credibility"),
                  note: str = typer.Option(None, "--note")) -> None:
    """Grade a source: reliability A–F (Admiralty), optional information credibility 1–6."""
    g = svc.grade_source(_store(), source, reliability, credibility=credibility, note=note)
    console.print(f"{g['source']}: {g['reliability']} ({g['meaning']})", highlight=False)


@sources_app.command("list")
def sources_list(json_out: bool = typer.Option(False, "--json")) -> None:
    rows = svc.list_grades(_store())
    if json_out:
        emit_json(rows)
        return
    table("source grades", ["source", "reliability", "credibility", "note", "by"],
          [[r["source"], r["reliability"], r["credibility"], r["note"], r["by"]] for r in rows])


@entities_app.command("merge")
def entities_merge(label: str, a: str, b: str, note: str = typer.Option(None, "--note")) -> None:
    """Join two entity names of one type (e.g. person "Wang Lijun" "王立军")."""
    svc.decide(_store(), "merge", label, a, b, note=note)
    console.print(f"merged {a!r} and {b!r}; links rebuilt", highlight=False)


@entities_app.command("split")
def entities_split(label: str, a: str, note: str = typer.Option(None, "--note")) -> None:
    """Take a name out of the cluster it was joined to."""
    svc.decide(_store(), "split", label, a, note=note)
    console.print(f"split {a!r} out; links rebuilt", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the linking commands to the root app."""
    app.command("link")(link)
    app.command("entity")(entity)
    app.command("corroboration")(corroboration)
    app.command("contradictions")(contradictions)
    app.add_typer(sources_app, name="sources")
    app.add_typer(entities_app, name="entities-link")
