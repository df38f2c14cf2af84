"""Several processes appending custody entries at once keep one unbroken chain."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from harvestwatch.store import ledger
from harvestwatch.store.models import LedgerEntry

WRITER = """
import sys
from harvestwatch.core.config import Settings
from harvestwatch.store import ledger, open_store
store = open_store(Settings(store_dir=sys.argv[1], database_url=sys.argv[2] or None,
                            actor=sys.argv[3]), migrate_schema=False)
for i in range(int(sys.argv[4])):
    with store.session() as s:
        ledger.append(s, actor=sys.argv[3], action="note", object_type="test", object_id=i,
                      payload={"writer": sys.argv[3], "i": i})
store.close()
"""

N_WRITERS = 3
N_EACH = 25


def test_concurrent_appends_form_one_chain(any_store):
    url = str(any_store.engine.url.render_as_string(hide_password=False))
    url = "" if any_store.dialect == "sqlite" else url
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(any_store.settings.store_dir),
                               url, f"writer{w}", str(N_EACH)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(N_WRITERS)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == N_WRITERS * N_EACH
        assert ledger.check_chain(s) == []
        per_writer = dict(s.execute(select(LedgerEntry.actor, func.count())
                                    .group_by(LedgerEntry.actor)).all())
    assert per_writer == {f"writer{w}": N_EACH for w in range(N_WRITERS)}
