"""Opening a store that already stands at every migration head skips Alembic entirely."""

from __future__ import annotations

import subprocess
import sys

from alembic.config import Config
from alembic.script import ScriptDirectory

from harvestwatch.core.config import Settings
from harvestwatch.store import MIGRATIONS, expected_heads, open_store


def test_heads_read_from_the_files_equal_alembics_own():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    assert expected_heads() == frozenset(ScriptDirectory.from_config(cfg).get_heads())


def test_a_current_store_opens_without_loading_alembic(tmp_path):
    open_store(Settings(store_dir=tmp_path / "s")).close()  # creates and migrates
    code = ("import sys; from harvestwatch.core.config import Settings; "
            "from harvestwatch.store import open_store; "
            f"open_store(Settings(store_dir=__import__('pathlib').Path({str(tmp_path / 's')!r}))).close(); "
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_store_behind_the_heads_is_migrated(tmp_path):
    settings = Settings(store_dir=tmp_path / "s")
    settings.store_dir.mkdir()
    from sqlalchemy import create_engine

    engine = create_engine(settings.effective_database_url)
    with engine.begin() as conn:  # an Alembic table standing at no head at all
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    engine.dispose()
    store = open_store(settings)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM screen_duplicates").scalar() == 0
        stamped = {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    store.close()
    assert stamped == expected_heads()
