"""CLI: extract, entities, claims and the extraction evaluation."""

from __future__ import annotations

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.progress import progress
from harvestwatch.services import extract as svc
from harvestwatch.services import store as store_svc

eval_app = typer.Typer(help="Measure the extractors against gold annotations.", no_args_is_help=True)


def _store():
    return store_svc.open(_context.settings())


def extract(
    docs: list[int] = typer.Argument(None, help="Document ids (default: all with --all)."),
    all_docs: bool = typer.Option(False, "--all", help="Extract from every document."),
    workers: int = typer.Option(1, "--workers", min=1),
) -> None:
    """(Re-)extract entities, quantities, testimonies and stances; idempotent."""
    if not docs and not all_docs:
        raise typer.BadParameter("name document ids or pass --all")
    st = _store()
    ids = None if all_docs else list(docs)
    total = len(ids) if ids else store_svc.store_summary(st, include_restricted=True)["documents"]
    with progress("extract", total) as bar:
        result = svc.extract_documents(st, ids, workers=workers, on_document=lambda i: bar.step(str(i)))
    console.print(f"extracted {result['items']} items from {result['documents']} document(s) "
                  f"({result['extractor']})", highlight=False)


def entities(
    type_: str = typer.Option(None, "--type", help="|".join(svc.ENTITY_LABELS)),
    limit: int = typer.Option(200, "--limit"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Entities across the store, with mention and document counts."""
    if type_ and type_ not in svc.ENTITY_LABELS:
        raise typer.BadParameter(f"unknown type {type_!r}; expected one of {', '.join(svc.ENTITY_LABELS)}")
    rows = svc.list_entities(_store(), label=type_, limit=limit)
    if json_out:
        emit_json(rows)
        return
    table("entities", ["type", "name", "mentions", "documents"],
          [[r["label"], r["name"], r["mentions"], r["documents"]] for r in rows])


def claims(
    kind: str = typer.Option(None, "--kind", help="|".join(svc.CLAIM_KINDS)),
    doc: int = typer.Option(None, "--doc", help="Only this document id."),
    limit: int = typer.Option(500, "--limit"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Quantitative claims, testimonies and stances, each with its evidence span."""
    if kind and kind not in svc.CLAIM_KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; expected one of {', '.join(svc.CLAIM_KINDS)}")
    rows = svc.list_claims(_store(), kind=kind, document=doc, limit=limit)
    if json_out:
        emit_json([r.to_dict() for r in rows])
        return
    table("claims", ["doc", "span", "type", "reading", "text"],
          [[r.document_id, f"{r.start}-{r.end}", r.item_type, r.reading, r.text[:90]] for r in rows])


@eval_app.command("extraction")
def eval_extraction(
    gold: str = typer.Argument(..., help="Gold JSONL (one object per document)."),
    docs_dir: str = typer.Argument(..., help="Folder with the documents the gold names."),
    json_out: bool = typer.Option(False, "--json"),
    details: bool = typer.Option(False, "--details", help="List missed and extra items."),
) -> None:
    """Precision, recall and F1 per field, and micro-F1 over all fields."""
    result = svc.evaluate_extraction(gold, docs_dir, details=details)
    if json_out:
        emit_json(result)
        return
    table(f"extraction vs {gold}", ["field", "precision", "recall", "F1", "predicted", "gold"],
          [[f, s["precision"], s["recall"], s["f1"], s["predicted"], s["gold"]]
           for f, s in result["fields"].items()])
    console.print(f"micro precision {result['micro_precision']}, recall {result['micro_recall']}, "
                  f"F1 {result['micro_f1']}", highlight=False)
    langs = result.get("languages", {})
    if langs:
        heads = [f"{lg} ({v['documents']} docs)" for lg, v in langs.items()]
        rows = [[f, *(v["fields"][f]["f1"] if v["fields"][f]["gold"] or v["fields"][f]["predicted"]
                      else "–" for v in langs.values())] for f in result["fields"]]
        rows.append(["micro F1", *(v["micro_f1"] for v in langs.values())])
        table("F1 per language", ["field", *heads], rows)
    for fld, errs in result.get("errors", {}).items():
        for m in errs["missed"]:
            console.print(f"missed {fld}: {m}", highlight=False, markup=False)
        for x in errs["extra"]:
            console.print(f"extra  {fld}: {x}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add the extraction commands to the root app."""
    app.command("extract")(extract)
    app.command("entities")(entities)
    app.command("claims")(claims)
    app.add_typer(eval_app, name="eval")
