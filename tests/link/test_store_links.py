"""Linking through the store: skipped rebuilds, grades under any outlet spelling, subject
clusters and grouped denials on the documents in tests/link/docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc

DOCS = Path(__file__).parent / "docs"


@pytest.fixture
def linked(sqlite_store):
    store_svc.ingest(sqlite_store, [str(DOCS)], kind="news")
    first = link_svc.rebuild(sqlite_store)
    assert "unchanged" not in first
    return sqlite_store


def test_rebuild_is_skipped_until_something_changes(linked):
    again = link_svc.rebuild(linked)
    assert again.get("unchanged") is True
    assert "unchanged" not in link_svc.rebuild(linked, force=True)
    link_svc.grade_source(linked, "BBC", "B")
    assert "unchanged" not in link_svc.rebuild(linked)  # a new grade is a new input


def test_a_grade_under_a_domain_name_applies_to_the_outlet(linked):
    link_svc.grade_source(linked, "www.dailymail.co.uk", "D", note="relays without checking")
    link_svc.rebuild(linked)
    lines = [ln for c in link_svc.corroboration(linked, min_sources=1)
             for ln in c["support"]["lines"] if ln["origin"] == "Daily Mail"]
    assert lines and all(ln["grade"]["reliability"] == "D" for ln in lines)


def test_allegations_about_one_group_cluster_across_actors(linked):
    clusters = {c["id"]: c for c in link_svc.corroboration(linked, min_sources=1)}
    falun = clusters.get("allegation~Falun Gong")
    assert falun is not None
    docs = sorted({m["document_id"] for m in falun["members"]})
    # the three English articles allege it; the two mirrors share one origin
    assert len(docs) >= 3
    assert falun["support"]["independent_sources"] < falun["support"]["documents"]


def test_denial_lists_every_allegation_it_answers(linked):
    rows = [c for c in link_svc.contradictions(linked) if c["type"] == "allegation vs denial"]
    official = next(c for c in rows if "National Health Commission" in c["b"]["text"])
    answered = {official["a"]["id"], *(x["id"] for x in official["also"])}
    assert len(answered) >= 2
    assert all(x["label"] == "allegation" for x in [official["a"], *official["also"]])


def test_cli_link_corroboration_entity_grade(linked):
    from harvestwatch.cli import app

    runner = CliRunner()
    base = ["--store", str(linked.settings.store_dir)]
    out = runner.invoke(app, [*base, "link"])
    assert out.exit_code == 0 and "links up to date" in out.output
    out = runner.invoke(app, [*base, "corroboration", "--min-sources", "2", "--json"])
    assert out.exit_code == 0 and '"independent_sources"' in out.output
    out = runner.invoke(app, [*base, "entity", "Matas"])
    assert out.exit_code == 0 and "David Matas (person)" in out.output
    out = runner.invoke(app, [*base, "sources", "grade", "Daily Mail", "Z"])
    assert out.exit_code != 0


def test_seed_articles_allegations_and_the_denial_that_answers_them(sqlite_store):
    from tests.conftest import SAMPLES

    store_svc.ingest(sqlite_store, [str(SAMPLES)], kind="news")
    link_svc.rebuild(sqlite_store)
    clusters = {c["id"]: c for c in link_svc.corroboration(sqlite_store, min_sources=2)}
    falun = clusters["allegation~Falun Gong"]
    assert falun["support"]["documents"] == 3  # all three seed articles allege it
    assert falun["support"]["independent_sources"] >= 3
    denial = next(c for c in link_svc.contradictions(sqlite_store)
                  if "denies these allegations" in c["b"]["text"])
    assert denial["answers_document"] and denial["a"]["document_id"] == denial["b"]["document_id"]
    assert denial["a"]["label"] == "allegation"


def test_links_decisions_and_grades_on_both_databases(any_store):
    store_svc.ingest(any_store, [str(DOCS)], kind="news")
    link_svc.grade_source(any_store, "Mail Online", "C", credibility=3)
    link_svc.decide(any_store, "split", "person", "human rights lawyer David Matas", note="test")
    support = max((c for c in link_svc.corroboration(any_store, min_sources=1)
                   if c["id"].startswith("q") and c["key"].startswith("victims")),
                  key=lambda c: len(c["members"]))["support"]
    assert support["documents"] == 3 and support["independent_sources"] == 2
    grade = next(ln["grade"] for ln in support["lines"] if ln["origin"] == "Daily Mail")
    assert grade["reliability"] == "C" and grade["source"] == "Mail Online"
    assert link_svc.rebuild(any_store).get("unchanged") is True
