"""Incremental linking: adding documents re-links only the blocks they touch, and the links it
leaves are the links a full rebuild makes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc
from tests.conftest import SAMPLES

DOCS = Path(__file__).parent / "docs"


def snapshot(store) -> dict:
    """Everything the pages show, in a comparable form."""
    ents = sorted((e["id"], e["name"], tuple(sorted(e["aliases"])), e["mentions"], e["documents"])
                  for e in link_svc.entities(store, limit=10_000))
    clusters = sorted((c["id"], c["summary"], c["support"]["independent_sources"],
                       c["support"]["documents"], tuple(sorted(m["item_id"] for m in c["members"])),
                       tuple((ln["origin"], len(ln["chain"])) for ln in c["support"]["lines"]))
                      for c in link_svc.corroboration(store, min_sources=1, limit=10_000))
    contra = sorted((c["type"], c["a"]["id"], c["b"]["id"], tuple(x["id"] for x in c["also"]),
                     tuple(sorted((c.get("allegations_per_topic") or {}).items())))
                    for c in link_svc.contradictions(store, limit=10_000))
    return {"entities": ents, "clusters": clusters, "contradictions": contra}


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for f in sorted(DOCS.iterdir()) + sorted(SAMPLES.iterdir()):
        if f.is_file():
            shutil.copy(f, src / f.name)
    return src


def test_adding_a_document_relinks_its_blocks_and_matches_a_full_rebuild(sqlite_store, folder):
    files = sorted(folder.iterdir())
    assert len(files) >= 6
    store_svc.ingest(sqlite_store, [str(f) for f in files[:-1]], kind="news")
    first = link_svc.rebuild(sqlite_store)
    assert first["mode"] == "full"
    store_svc.ingest(sqlite_store, [str(files[-1])], kind="news")
    step = link_svc.rebuild(sqlite_store)
    assert step["mode"] == "incremental" and step["documents"] >= 1
    assert 0 < step["relinked_blocks"] < step["blocks"]
    incremental = snapshot(sqlite_store)
    full = link_svc.rebuild(sqlite_store, force=True)
    assert full["mode"] == "full"
    assert snapshot(sqlite_store) == incremental
    assert link_svc.rebuild(sqlite_store).get("unchanged") is True


@pytest.mark.parametrize("removed", [0, 3])
def test_a_document_made_restricted_leaves_the_links(sqlite_store, folder, removed):
    """Restricted content never stays in link tables, whichever way the update runs."""
    from sqlalchemy import select

    from harvestwatch.store.models import Document

    store_svc.ingest(sqlite_store, [str(folder)], kind="news")
    link_svc.rebuild(sqlite_store)
    with sqlite_store.session() as s:
        doc = s.scalars(select(Document).order_by(Document.id)).all()[removed]
        doc.restricted = True
        gone = doc.id
    link_svc.rebuild(sqlite_store)
    incremental = snapshot(sqlite_store)
    assert all(gone not in (c["a"]["document_id"], c["b"]["document_id"])
               for c in link_svc.contradictions(sqlite_store, limit=10_000))
    link_svc.rebuild(sqlite_store, force=True)
    assert snapshot(sqlite_store) == incremental


def test_link_command_says_what_it_relinked(sqlite_store, folder):
    from harvestwatch.cli import app

    files = sorted(folder.iterdir())
    store_svc.ingest(sqlite_store, [str(f) for f in files[:-1]], kind="news")
    link_svc.rebuild(sqlite_store)
    store_svc.ingest(sqlite_store, [str(files[-1])], kind="news")
    out = CliRunner().invoke(app, ["--store", str(sqlite_store.settings.store_dir), "link"])
    assert out.exit_code == 0, out.output
    assert re.search(r"re-linked \d+ of \d+ blocks and \d+ claim cluster\(s\) "
                     r"\(1 changed document\(s\)\)", out.output), out.output
