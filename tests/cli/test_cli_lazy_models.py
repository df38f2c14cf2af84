"""Opening the store no longer imports every model module (light commands load only those
they use), and sealing still holds for a model whose module is imported after the store
was opened: its restricted columns are written sealed and read back plain."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import sqlite3, sys
from pathlib import Path

from harvestwatch.core.config import Settings
from harvestwatch.store import open_store

store = open_store(Settings(store_dir=Path(sys.argv[1])))
late = ("harvestwatch.store.registry", "harvestwatch.store.ingest_links")
print("imported at open:", [m for m in late if m in sys.modules])

from harvestwatch.store.registry import RegistryFact, RegistryHospital  # imported only now

with store.session() as s:
    s.add(RegistryHospital(id="H1", name_en="A Hospital", name_zh_hans="某医院", source_url="https://example.org", quote="q"))
    s.flush()
    s.add(RegistryFact(hospital_id="H1", metric="beds", value=100, unit="beds", restricted=True,
                       quote="Qwerbanix said so", source_url="https://example.org/secret"))
    s.add(RegistryFact(hospital_id="H1", metric="beds", value=50, unit="beds", restricted=False,
                       quote="public quote"))
db = sqlite3.connect(Path(sys.argv[1]) / "harvestwatch.sqlite3")
print("raw:", db.execute("SELECT quote, source_url FROM registry_facts ORDER BY value DESC").fetchall())
with store.session() as s:
    print("orm:", [(f.quote, f.source_url) for f in s.query(RegistryFact).order_by(RegistryFact.value.desc())])
"""


def test_a_model_imported_after_the_store_opened_is_still_sealed(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "store")], capture_output=True,
                         text=True, timeout=300, env=os.environ | {"HARVESTWATCH_ACTOR": "lazy-test"})
    assert out.returncode == 0, out.stderr[-3000:]
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines())
    assert lines["imported at open"] == "[]"
    raw = eval(lines["raw"])  # noqa: S307 - our own script's repr of two rows
    assert raw[0][0].startswith("enc:") and raw[0][1].startswith("enc:"), raw
    assert "Qwerbanix" not in lines["raw"] and raw[1] == ("public quote", None)
    assert eval(lines["orm"]) == [("Qwerbanix said so", "https://example.org/secret"),  # noqa: S307
                                  ("public quote", None)]
