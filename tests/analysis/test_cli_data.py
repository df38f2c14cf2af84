"""Dataset import through the store: validated, copied, recorded in the ledger."""

from __future__ import annotations

import pytest

from harvestwatch.core.errors import ValidationError
from harvestwatch.services.analysis import (
    dataset_from_claims,
    import_dataset,
    list_datasets,
    show_dataset,
)
from harvestwatch.store.ledger import check_chain

HEADER = "metric,country,year,value,unit,source_title,source_url,quote,verified\n"


def test_import_and_conflicts_side_by_side(sqlite_store, tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text(HEADER + 'deceased_donors,CN,2016,4080,donors,Report X,https://example.org/x,"4,080 donors",yes\n'
                 'deceased_donors,CN,2016,4100,donors,Report Y,https://example.org/y,"4,100 donors",yes\n')
    out = import_dataset(sqlite_store, f)
    assert out["datasets"] == ["CN:deceased_donors"]
    shown = show_dataset("CN:deceased_donors", sqlite_store)
    values_2016 = {r["value"] for r in shown["conflicts"]["2016"]}
    assert {4080.0, 4100.0} <= values_2016
    assert any(d["name"] == "CN:deceased_donors" for d in list_datasets(sqlite_store))
    with sqlite_store.session() as s:
        assert check_chain(s) == []


def test_bad_csv_names_row_and_column(sqlite_store, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "deceased_donors,CN,2016,lots,donors,T,https://e.org,q,yes\n")
    with pytest.raises(ValidationError, match=r"bad.csv row 2.*'value'"):
        import_dataset(sqlite_store, f)
    g = tmp_path / "nosource.csv"
    g.write_text("metric,country,year,value\nx,CN,2016,1\n")
    with pytest.raises(ValidationError, match="missing column"):
        import_dataset(sqlite_store, g)
    assert not (sqlite_store.settings.store_dir / "datasets" / "bad.csv").exists()


def test_claims_become_dataset_rows_with_their_span(sqlite_store, tmp_path):
    from harvestwatch.services import store as store_svc

    f = tmp_path / "cn.txt"
    f.write_text("In 2016, China performed more than 13,000 transplants, officials said.")
    report = store_svc.ingest(sqlite_store, [str(f)])
    import_out = dataset_from_claims(
        sqlite_store, metric="transplants_claimed", country="CN", document=report.document_ids[0],
        what="transplants")
    assert import_out["datasets"] == ["CN:transplants_claimed"]
    row = show_dataset("CN:transplants_claimed", sqlite_store)["rows"][0]
    assert row["year"] == 2016 and row["value"] == 13000
    sha, span = row["source_url"].removeprefix("harvestwatch:document/").split("#")
    start, end = map(int, span.split("-"))
    doc = store_svc.show_document(sqlite_store, sha)
    assert doc["text"][start:end] == row["quote"]


def test_cli_chart_and_integrity_json(tmp_path):
    import json
    import subprocess
    import sys

    store = tmp_path / "s"
    cli = [sys.executable, "-m", "harvestwatch", "--store", str(store)]
    out = tmp_path / "chart.svg"
    run = subprocess.run([*cli, "analyse", "chart", "US:deceased_liver_donors", "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert out.read_text().lstrip().startswith(("<?xml", "<svg"))
    res = subprocess.run([*cli, "analyse", "integrity", "--dataset", "US:deceased_heart_donors", "--json"],
                         capture_output=True, text=True)
    data = json.loads(res.stdout)
    assert {"r2", "dispersion", "p_smoother"} <= set(data["details"])
    assert all("r2" in f for f in data["details"]["fits"])
    bad = subprocess.run([*cli, "analyse", "integrity", "--dataset", "XX:nothing"], capture_output=True, text=True)
    assert bad.returncode != 0 and "no dataset 'XX:nothing'" in bad.stderr


def test_bad_file_stores_nothing_and_changed_file_replaces(sqlite_store, tmp_path):
    from harvestwatch.services.analysis import imported_files, remove_dataset

    bad = tmp_path / "mine.csv"
    bad.write_text(HEADER + "deceased_donors,XZ,2016,4080,donors,R,https://e.org,q,yes\n"
                   "deceased_donors,XZ,2017,nan,donors,R,https://e.org,q,yes\n")
    with pytest.raises(ValidationError, match=r"mine.csv row 3: .*finite"):
        import_dataset(sqlite_store, bad)
    assert imported_files(sqlite_store) == []
    good = tmp_path / "mine.csv"
    good.write_text(HEADER + "deceased_donors,XZ,2016,4080,donors,R,https://e.org,q,yes\n")
    assert import_dataset(sqlite_store, good)["status"] == "imported"
    assert import_dataset(sqlite_store, good)["status"] == "unchanged"
    good.write_text(HEADER + "deceased_donors,XZ,2016,4081,donors,R,https://e.org,q2,yes\n")
    assert import_dataset(sqlite_store, good)["status"] == "replaced"
    assert show_dataset("XZ:deceased_donors", sqlite_store)["rows"][0]["value"] == 4081
    out = remove_dataset(sqlite_store, "mine.csv")
    assert out["datasets"] == ["XZ:deceased_donors"]
    assert imported_files(sqlite_store) == []
    with pytest.raises(Exception, match="no dataset 'XZ:deceased_donors'"):
        show_dataset("XZ:deceased_donors", sqlite_store)
    with sqlite_store.session() as s:
        assert check_chain(s) == []
        from sqlalchemy import select

        from harvestwatch.store.models import LedgerEntry
        actions = [e.action for e in s.scalars(select(LedgerEntry).where(LedgerEntry.object_type == "dataset_file"))]
    assert actions == ["import_dataset", "reimport_dataset", "remove_dataset"]


def test_cli_checks_come_first_and_rows_can_be_chosen(tmp_path):
    import subprocess
    import sys

    cli = [sys.executable, "-m", "harvestwatch", "--store", str(tmp_path / "s")]
    run = subprocess.run([*cli, "analyse", "integrity", "--dataset", "CN:deceased_donors", "--draws", "300"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.lstrip().startswith("data checks")
    assert "conflicting_sources (blocks the verdict)" in run.stdout and "No verdict" in run.stdout
    chosen = subprocess.run([*cli, "analyse", "integrity", "--dataset", "CN:deceased_donors", "--years", "2010:2018",
                             "--source", "extended2__china_official_series.csv", "--verified-only", "--exclude-approx",
                             "--row", "extended2__china_official_series.csv:2", "--draws", "300"],
                            capture_output=True, text=True)
    assert chosen.returncode == 0, chosen.stderr
    assert "No verdict" not in chosen.stdout and "counting noise" in chosen.stdout
    refused = subprocess.run([*cli, "analyse", "integrity", "--dataset", "US:population"], capture_output=True, text=True)
    assert refused.returncode != 0 and "population" in refused.stderr and "Traceback" not in refused.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "deceased_donors,XZ,1800,5,donors,R,https://e.org,q,yes\n")
    imp = subprocess.run([*cli, "data", "import", str(bad)], capture_output=True, text=True)
    assert imp.returncode != 0 and "bad.csv row 2" in imp.stderr and "1950–2100" in imp.stderr


def test_a_bad_file_already_in_the_store_gives_a_clear_error_not_a_traceback(sqlite_store):
    from harvestwatch.services.analysis import run_integrity

    folder = sqlite_store.settings.store_dir / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old.csv").write_text(HEADER + "deceased_donors,XZ,2016,inf,donors,R,https://e.org,q,yes\n")
    with pytest.raises(ValidationError, match=r"old.csv row 2.*finite.*data remove old.csv"):
        run_integrity("US:deceased_liver_donors", store=sqlite_store)
