"""PRISMA 2020 flow diagram: counts that add up, safe text, boxes that hold their text, reports."""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from harvestwatch.report import brief as report_svc
from harvestwatch.report.render import to_html
from harvestwatch.screen.prisma import PrismaCounts, flow_svg
from harvestwatch.services import screen as svc

FIX = Path(__file__).parent / "fixtures"
SVG = "{http://www.w3.org/2000/svg}"


def _counts(**over) -> PrismaCounts:
    base = dict(project="liver", sources=[("embase.ris", 120), ("pubmed.xml", 300), ("cnki.csv", 80)],
                duplicates={"doi": 60, "pmid": 25, "title_year": 14, "title": 1}, awaiting=90, one_vote=12,
                resolved=7, conflicts=10, excluded={"not_transplant": 180, "animal_study": 40, "other": 5},
                flagged_by_rule={"dead_donor_rule": 9, "consent_missing": 20}, flagged=25, flag_wrong=6,
                confirmed_flagged=11, confirmed_unflagged=2, kappa="", stopping="")
    return PrismaCounts(**{**base, **over})


def _texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def _n(texts: list[str], head: str) -> int:
    line = next(t for t in texts if t.startswith(head))
    return int(re.search(r"\(n = ([\d,]+)\)", line).group(1).replace(",", ""))


def test_every_level_adds_up():
    c = _counts()
    t = _texts(flow_svg(c))
    assert _n(t, "Records identified") == 500 and _n(t, "Duplicate records removed") == 100
    assert _n(t, "Records after duplicates removed") == 400
    assert _n(t, "Records after duplicates removed") == (_n(t, "Awaiting screening") + _n(t, "Reviewers disagree")
                                                         + _n(t, "Records screened"))
    assert _n(t, "Records screened") == _n(t, "Records excluded") + _n(t, "Records included") == 300
    assert _n(t, "Records included") == _n(t, "Flagged by the screening rules") + _n(t, "Not flagged")
    assert _n(t, "Flagged by the screening rules") == (_n(t, "Flag judged wrong") + _n(t, "Flagged, no concern")
                                                       + 11)
    assert _n(t, "Ethical concern confirmed") == 13
    assert "• Not a transplant paper: 180" in t and "• same DOI: 60" in t
    assert "not yet read" not in " ".join(t)
    assert "(3 included record(s) not yet read" in " ".join(_texts(flow_svg(_counts(not_run=3))))
    assert flow_svg(c) == flow_svg(_counts())  # deterministic


def test_hostile_and_long_names_stay_text():
    c = _counts(sources=[('<script>alert(1)</script>"&.ris', 3), ("中华器官移植杂志_" * 6 + ".csv", 4)],
                project="p<1>")
    svg = flow_svg(c)
    root = ET.fromstring(svg)  # well-formed: every name escaped
    assert not list(root.iter(f"{SVG}script"))
    texts = _texts(svg)
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert len([t for t in texts if "中华" in t]) >= 2  # a long CJK name wraps (the browser test measures it)


def test_report_and_cli_carry_the_diagram(sqlite_store, tmp_path):
    svc.import_files(sqlite_store, [str(FIX / "asreview_embase.ris"), str(FIX / "asreview_embase.csv"),
                                    str(FIX / "sample.ris")])
    svc.run(sqlite_store)
    for who in ("ann", "bob"):
        svc.decide(sqlite_store, "R2", "exclude", reason="no_procurement", actor=who)
        svc.decide(sqlite_store, "R1", "flag_confirmed", actor=who)
    html = to_html(report_svc.build_report(sqlite_store, sections=["screening"],
                                           now=datetime(2026, 1, 1, tzinfo=UTC)))
    assert "14 records identified, 6 duplicates removed, 2 screened" in html
    assert "1 excluded with reasons, 1 included, 1 flagged by the rules, 1 with the concern confirmed" in html
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    svg = base64.b64decode(uri).decode()
    assert "Records identified (n = 14)" in _texts(svg) and "• No procurement description: 1" in _texts(svg)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(svc.export_decisions(sqlite_store)))}
    assert rows["R2"]["status"] == "agreed" and rows["R2"]["reason_label"] == "No procurement description"
    assert rows["R2"]["votes"] == "ann: exclude (no_procurement); bob: exclude (no_procurement)"
    assert rows["asreview_embase.csv#2"]["status"] == "duplicate"
    assert rows["asreview_embase.csv#2"]["reason_label"].startswith("duplicate of 10.4103/2303-9027.138783")
    assert len(rows) == 14 and rows["10.1002/cncr.20369"]["status"] == "pending"
    from typer.testing import CliRunner

    from harvestwatch.cli import app

    out = tmp_path / "flow.svg"
    args = ["--store", str(sqlite_store.settings.store_dir), "screen", "prisma", "--out", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert out.read_text() == svc.prisma_svg(sqlite_store)
    bad = subprocess.run([sys.executable, "-m", "harvestwatch", *args[:-1], str(tmp_path / "flow.png")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "flow.png: the PRISMA diagram is written as SVG" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "flow.png").exists()


@pytest.mark.e2e
def test_text_fits_its_box_in_a_real_browser(tmp_path):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    c = _counts(sources=[(f"export_{i}_from_a_database_with_a_long_name.ris", 10 * i) for i in range(1, 6)]
                + [("中华器官移植杂志_" * 6 + ".csv", 4), ("x" * 90 + ".ris", 5)],
                kappa="agreement on the 310 records both reviewers decided: κ\u00a0=\u00a00.71 (95%\u00a0CI 0.63 "
                      "to 0.79), 90% agreed",
                stopping="stopping rule not met (50 irrelevant in a row after ≥10% screened); estimated "
                         "recall 0.91 (model-based)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content(flow_svg(c))
        problems = page.evaluate("""() => {
          const rects = [...document.querySelectorAll('rect')].filter(r => +r.getAttribute('x') > 0)
            .map(r => r.getBBox());
          const out = [];
          for (const t of document.querySelectorAll('text')) {
            const b = t.getBBox();
            const box = rects.find(r => b.y >= r.y && b.y < r.y + r.height && b.x >= r.x && b.x < r.x + r.width);
            if (!box) continue;  // title and footnote
            if (b.x + b.width > box.x + box.width - 2 || b.y + b.height > box.y + box.height)
              out.push(t.textContent);
          }
          for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
            const a = rects[i], b = rects[j];
            if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
              out.push('overlap ' + i + ' ' + j);
          }
          return out;
        }""")
        browser.close()
    assert problems == []
