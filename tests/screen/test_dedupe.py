"""Duplicates across real RIS, PubMed XML and CSV exports: found by DOI, PMID, title + year."""

from __future__ import annotations

from pathlib import Path

from harvestwatch.screen.dedupe import (
    KeyIndex,
    Keys,
    keys_of,
    norm_doi,
    norm_pmid,
    norm_title,
    title_key,
)
from harvestwatch.screen.records import read_records
from harvestwatch.services import screen as svc
from harvestwatch.store.ledger import check_chain

FIX = Path(__file__).parent / "fixtures"
EMBASE_RIS, EMBASE_CSV = FIX / "asreview_embase.ris", FIX / "asreview_embase.csv"
PUBMED_RIS, PUBMED_XML = FIX / "asreview_pubmed_endnote.ris", FIX / "pubmed_overlap.xml"


def test_keys_are_normalised():
    assert norm_doi("https://doi.org/10.1016/J.JEP.2016.07.056.") == "10.1016/j.jep.2016.07.056"
    assert norm_doi("doi: 10.4103/2303-9027.138783") == "10.4103/2303-9027.138783"
    assert norm_doi("not a doi") == "" and norm_pmid("PMID: 0029459515") == "29459515"
    assert norm_title("Yuzu (Citrus junos Tanaka) Peel Attenuates…  Colitis.") == \
        norm_title("YUZU (CITRUS JUNOS TANAKA) PEEL ATTENUATES COLITIS")
    assert norm_title("Ｆｕｌｌｗｉｄｔｈ Über <i>title</i>") == "fullwidth uber title"
    assert title_key("肝移植术后患者的长期随访研究") and title_key("Editorial") == ""


def test_title_match_needs_agreeing_years_and_dois():
    index = KeyIndex()
    index.add(1, Keys("10.1/a", "", "t" * 40, 2018))
    assert index.match(Keys("", "", "t" * 40, 2018)).key == "title_year"
    assert index.match(Keys("", "", "t" * 40, None)).key == "title"  # weaker: a year missing
    assert index.match(Keys("", "", "t" * 40, 2019)) is None  # a different year is another paper
    assert index.match(Keys("10.1/b", "", "t" * 40, 2018)) is None  # two DOIs: two papers
    assert index.match(Keys("10.1/a", "", "", None)).key == "doi"


def test_real_exports_parse_with_the_keys_they_carry():
    csv_rows = read_records(EMBASE_CSV)  # Embase CSV: no id or DOI column, year inside 'Source'
    assert [r.id for r in csv_rows][:2] == ["asreview_embase.csv#2", "asreview_embase.csv#3"]
    assert csv_rows[0].year == 2014 and csv_rows[0].title.startswith("Duplication cysts")
    ris = read_records(EMBASE_RIS)
    assert ris[0].title == csv_rows[0].title and ris[0].journal == "Endoscopic Ultrasound"  # JF and JO: one
    pm = read_records(PUBMED_RIS)  # EndNote export of PubMed: PMID in AN, DP - NLM
    assert keys_of(pm[1].to_dict()).pmid == "29459515" and pm[1].id == "62"


def test_import_records_duplicates_across_files_and_imports(any_store):
    first = svc.import_files(any_store, [str(EMBASE_RIS), str(PUBMED_RIS)], project="p")
    assert first["added"] == 12 and first["duplicates"] == 0
    second = svc.import_files(any_store, [str(EMBASE_CSV), str(PUBMED_XML)], project="p")
    assert second["added"] == 0
    assert second["duplicates_by_key"] == {"title_year": 6, "doi": 1, "pmid": 1}
    dups = {d["id"]: d for d in svc.duplicates(any_store, project="p")}
    assert dups["PMID:29459515"]["duplicate_of"] == "62" and dups["PMID:29459515"]["key"] == "doi"
    assert dups["PMID:27626602"]["duplicate_of"] == "131" and dups["PMID:27626602"]["key"] == "pmid"
    assert dups["asreview_embase.csv#2"]["duplicate_of"] == "10.4103/2303-9027.138783"
    again = svc.import_files(any_store, [str(EMBASE_CSV)], project="p")  # nothing counted twice
    assert (again["added"], again["duplicates"], again["skipped"]) == (0, 0, 6)
    counts = svc.prisma(any_store, project="p")
    assert (counts.identified, counts.removed, counts.after_dedupe) == (20, 8, 12)
    assert dict(counts.sources) == {"asreview_embase.ris": 6, "asreview_pubmed_endnote.ris": 6,
                                    "asreview_embase.csv": 6, "pubmed_overlap.xml": 2}
    other = svc.import_files(any_store, [str(EMBASE_CSV)], project="q")  # projects are separate
    assert other["added"] == 6 and other["duplicates"] == 0
    with any_store.session() as s:
        assert check_chain(s) == []


def test_repeats_within_one_import_and_reused_ids(sqlite_store, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("id,title,year,doi\n"
                 "1,Liver transplantation from brain-dead donors in one centre,2009,10.1000/x1\n"
                 "1,Liver transplantation from brain-dead donors in one centre,2009,10.1000/x1\n"
                 "2,Kidney procurement and graft survival in adults,2012,\n")
    g = tmp_path / "b.csv"  # a second export numbering from 1 again: a different paper under id 1
    g.write_text("id,title,year\n1,Outcomes of heart transplantation after circulatory death,2019\n")
    out = svc.import_files(sqlite_store, [str(f), str(g)])
    assert out["added"] == 3 and out["duplicates_by_key"] == {"doi": 1} and out["renamed"] == 1
    assert {r["id"] for r in svc.duplicates(sqlite_store)} == {"1@a.csv#2"}  # the second record of a.csv
    assert svc.record_status(sqlite_store, "1@b.csv")["title"].startswith("Outcomes of heart")
    assert svc.import_files(sqlite_store, [str(f), str(g)])["added"] == 0


def test_same_id_from_another_file_is_a_duplicate_not_a_reimport(sqlite_store, tmp_path):
    """RIS records without ID/AN are known by their DOI: the same paper exported by a second
    database has the same id, and must be counted as a duplicate, not skipped as present."""
    copy = tmp_path / "scopus_export.ris"
    copy.write_bytes(EMBASE_RIS.read_bytes())
    svc.import_files(sqlite_store, [str(EMBASE_RIS)])
    out = svc.import_files(sqlite_store, [str(copy)])
    assert out["duplicates_by_key"] == {"doi": 6} and out["skipped"] == 0
    assert {d["id"] for d in svc.duplicates(sqlite_store)} == {
        f"{r.id}@scopus_export.ris" for r in read_records(EMBASE_RIS)}
    assert svc.import_files(sqlite_store, [str(copy)])["skipped"] == 6  # a re-import of that file
    assert svc.prisma(sqlite_store).identified == 12


def test_records_stored_before_the_review_migration_are_keyed_and_kept(tmp_path):
    """A store at screen_0001 with records: upgraded, its records get dedupe keys, none is lost."""
    import json

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from harvestwatch.core.config import Settings
    from harvestwatch.store import MIGRATIONS, open_store

    settings = Settings(store_dir=tmp_path / "store", actor="tester")
    settings.store_dir.mkdir(parents=True)
    engine = create_engine(settings.effective_database_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "screen_0001")
        old = read_records(PUBMED_RIS)[1]
        conn.execute(text("INSERT INTO screen_records (project, record_id, data, imported_at) "
                          "VALUES ('default', :rid, :data, CURRENT_TIMESTAMP)"),
                     {"rid": old.id, "data": json.dumps(old.to_dict())})
    engine.dispose()
    store = open_store(settings)
    out = svc.import_files(store, [str(PUBMED_XML)])
    assert out["duplicates_by_key"] == {"doi": 1} and out["added"] == 1
    assert svc.duplicates(store)[0]["duplicate_of"] == "62"
    assert dict(svc.prisma(store).sources) == {"earlier import": 1, "pubmed_overlap.xml": 2}
    store.close()
