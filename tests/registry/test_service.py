"""Registry use cases on real stores (SQLite and PostgreSQL): facts, imports, linking, review."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.services import registry as svc
from harvestwatch.services import store as store_svc
from harvestwatch.store.models import LedgerEntry
from harvestwatch.store.registry import RegistryFact, RegistryHospital
from harvestwatch.store.verify import verify_store
from tests.conftest import SHARED

DEV = SHARED / "corpus" / "dev" / "docs"


def _ledger(store, action):
    with store.session() as s:
        return list(s.scalars(select(LedgerEntry).where(LedgerEntry.action == action)))


def test_shipped_registry_loads_once_with_a_ledger_entry(any_store):
    assert svc.registry_status(any_store)["hospitals"] >= 50
    svc.list_hospitals(any_store)
    assert len(_ledger(any_store, "registry-load")) == 1
    assert verify_store(any_store).ok


def test_list_filters_by_province_and_official_accreditation(any_store):
    beijing = svc.list_hospitals(any_store, province="beijing", accredited=True)
    assert len(beijing) == 20 and all(h.province == "Beijing" for h in beijing)
    shandong = svc.list_hospitals(any_store, province="Shandong", accredited=True)
    assert shandong == []  # no official Shandong list reached: none is claimed


def test_unknown_hospital_is_a_clear_not_found(any_store):
    with pytest.raises(NotFound, match="no hospital 'Mayo Clinic'"):
        svc.show_hospital(any_store, "Mayo Clinic")


def test_add_fact_from_a_document_span_keeps_the_span_text(any_store, tmp_path):
    doc = tmp_path / "page.txt"
    doc.write_text("The transplant centre of Qilu Hospital has 200 beds now.", encoding="utf-8")
    rep = store_svc.ingest(any_store, [str(doc)], extract=False)
    did = rep.document_ids[0]
    f = svc.add_fact(any_store, "齐鲁医院", metric="transplant_beds", value=200, year=2013,
                     source=f"{did}#span-0-56", actor="ana")
    assert f.source.quote == "The transplant centre of Qilu Hospital has 200 beds now."
    assert f.source.document_sha256 and f.hospital_id == "qilu-hospital-shandong-university"
    entry = _ledger(any_store, "registry-fact-add")[-1]
    assert entry.actor == "ana" and entry.payload["value"] == 200
    with pytest.raises(ValidationError, match="outside the document"):
        svc.add_fact(any_store, "Qilu Hospital of Shandong University", metric="beds", value=1,
                     source=f"{did}#span-0-9999")
    with pytest.raises(ValidationError, match="needs --quote"):
        svc.add_fact(any_store, "Qilu Hospital of Shandong University", metric="beds", value=1,
                     source="https://example.org/x")
    with pytest.raises(ValidationError, match="DOC#span-START-END"):
        svc.add_fact(any_store, "Qilu Hospital of Shandong University", metric="beds", value=1,
                     source="doc12")


def test_conflicting_facts_are_shown_side_by_side(any_store):
    svc.add_fact(any_store, "Zhujiang Hospital of Southern Medical University", metric="beds",
                 value=2500, year=2016, source="https://example.org/zhujiang",
                 quote="The hospital has 2,500 beds.")
    svc.add_fact(any_store, "珠江医院", metric="beds", value=2200, year=2016,
                 source="https://example.org/other", quote="It has 2,200 beds.")
    view = svc.show_hospital(any_store, "珠江醫院")
    beds = next(m for m in view.metrics if m.metric == "beds")
    assert sorted(f["value"] for f in beds.facts if f["year"] == 2016) == [2200, 2500]
    assert beds.conflicts == ["2016: 2200 vs 2500"]


def _write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


FACT_HEADER = ["hospital", "metric", "value", "year", "unit", "source_url", "quote"]


def test_import_refuses_a_file_with_any_bad_row_and_stores_nothing(any_store, tmp_path):
    svc.list_hospitals(any_store)
    with any_store.session() as s:
        before = s.scalar(select(func.count()).select_from(RegistryFact))
    bad = _write(tmp_path / "facts.csv", FACT_HEADER, [
        ["Qilu Hospital of Shandong University", "beds", "3300", "2015", "beds",
         "https://example.org/a", "It has 3,300 beds."],
        ["No Such Hospital", "beds", "10", "2015", "beds", "https://example.org/b", "It has 10 beds."],
        ["齐鲁医院", "beds", "many", "2015", "beds", "https://example.org/c", "It has many beds."],
        ["齐鲁医院", "beds", "12", "2015", "beds", "", "It has 12 beds."],
        ["齐鲁医院", "wards", "12", "2015", "beds", "https://example.org/d", "It has 12 wards."],
    ])
    with pytest.raises(ValidationError) as err:
        svc.import_csv(any_store, bad)
    msg = str(err.value)
    assert "facts.csv row 3: column hospital: 'No Such Hospital' is not in the registry" in msg
    assert "row 4: column value must be a number, got 'many'" in msg
    assert "row 5: column source_url is empty" in msg
    assert "row 6: column metric 'wards'" in msg
    assert "row 2" not in msg
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(RegistryFact)) == before
    assert _ledger(any_store, "registry-import") == []


def test_import_of_hospitals_and_facts_is_ledgered(any_store, tmp_path):
    hospitals = _write(tmp_path / "h.csv", ["name_en", "name_zh_hans", "city", "province",
                                            "affiliation", "source_url", "quote"],
                       [["Example Transplant Hospital", "示例移植医院", "Wuhan", "Hubei", "military",
                         "https://example.org/h", "Example Transplant Hospital performs kidney transplants."]])
    r = svc.import_csv(any_store, hospitals)
    assert r.hospitals == 1
    facts = _write(tmp_path / "f.csv", FACT_HEADER,
                   [["示例移植醫院", "transplant_beds", "80", "2014", "beds", "https://example.org/h",
                     "The ward has 80 beds."]])
    r = svc.import_csv(any_store, facts)
    assert r.facts == 1 and r.ledger_seq
    view = svc.show_hospital(any_store, "Example Transplant Hospital")
    assert view.hospital["military"] and view.metrics[0].facts[0]["value"] == 80
    with any_store.session() as s:
        assert s.get(RegistryHospital, "example-transplant-hospital").origin == "import:h.csv"
    again = _write(tmp_path / "h2.csv", ["name_en", "source_url", "quote"],
                   [["Example Transplant Hospital", "https://example.org/h", "Example again."]])
    with pytest.raises(ValidationError, match="already exists"):
        svc.import_csv(any_store, again)


def test_import_of_unreadable_or_shapeless_files_is_one_clear_error(sqlite_store, tmp_path):
    with pytest.raises(ValidationError, match="cannot read"):
        svc.import_csv(sqlite_store, tmp_path / "missing.csv")
    (tmp_path / "x.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ValidationError, match="not UTF-8"):
        svc.import_csv(sqlite_store, tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="header must name"):
        svc.import_csv(sqlite_store, tmp_path / "y.csv")


@pytest.mark.skipif(not DEV.exists(), reason="shared dev corpus not available")
def test_real_hospital_page_yields_a_proposal_that_a_reviewer_accepts(any_store):
    rep = store_svc.ingest(any_store, [str(DEV / "z03.txt")], kind="hospital_page", extract=False)
    link = svc.link_documents(any_store, rep.document_ids, actor="linker")
    assert link.mentions >= 1 and link.proposals >= 1
    props = svc.list_proposals(any_store, hospital="天津一中心")
    p = next(p for p in props if p["metric"] == "transplants_performed" and p["value"] == 7)
    assert p["year"] == 1998 and "当年成功完成肝脏移植7例" in p["quote"]
    # never added silently: no fact until a reviewer decides
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(RegistryFact).where(
            RegistryFact.origin == "review")) == 0
    done = svc.review_proposal(any_store, p["id"], "accept", note="hospital's own page", actor="rita")
    assert done["status"] == "accepted" and done["fact_id"]
    view = svc.show_hospital(any_store, "Tianjin First Central Hospital")
    fact = next(f for m in view.metrics for f in m.facts if f["id"] == done["fact_id"])
    assert fact["source"]["document_sha256"] and fact["source"]["start"] == p["start"]
    assert view.documents and view.documents[0]["mentions"]
    with pytest.raises(ValidationError, match="already accepted"):
        svc.review_proposal(any_store, p["id"], "reject")
    entries = _ledger(any_store, "registry-review")
    assert entries[-1].actor == "rita" and entries[-1].payload["decision"] == "accept"
    others = svc.list_proposals(any_store)
    if others:
        svc.review_proposal(any_store, others[0]["id"], "reject", actor="rita")
        assert svc.list_proposals(any_store, status="rejected")[0]["reviewer"] == "rita"
    # re-linking proposes nothing twice
    assert svc.link_documents(any_store, rep.document_ids).proposals == 0


def test_claims_about_a_hospital_come_from_passages_that_name_it(sqlite_store, tmp_path):
    public = tmp_path / "news.txt"
    public.write_text("Tianjin First Central Hospital denied the allegations on Monday. "
                      "\"Kidneys are available within two weeks,\" a nurse at Tianjin First Central "
                      "Hospital told investigators.\n\nQilu Hospital of Shandong University was not "
                      "mentioned by the nurse.", encoding="utf-8")
    secret = tmp_path / "witness.txt"
    secret.write_text("\"They took organs at night,\" a guard at Tianjin First Central Hospital said.",
                      encoding="utf-8")
    store_svc.ingest(sqlite_store, [str(public)], kind="news")
    store_svc.ingest(sqlite_store, [str(secret)], kind="testimony", restricted=True)
    svc.link_documents(sqlite_store)
    view = svc.show_hospital(sqlite_store, "天津市第一中心医院")
    assert [d["text"] for d in view.denials] == ["Tianjin First Central Hospital denied the allegations on Monday."]
    assert [t["text"] for t in view.testimonies] == ["Kidneys are available within two weeks,"]
    assert view.independent_sources == 1
    assert svc.show_hospital(sqlite_store, "Qilu Hospital of Shandong University").testimonies == []
    cleared = svc.show_hospital(sqlite_store, "天津一中心", include_restricted=True)
    assert any("took organs" in t["text"] for t in cleared.testimonies)
