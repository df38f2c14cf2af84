"""The evidence store: blobs, SQL tables, custody ledger. ``open_store`` is the way in."""

from __future__ import annotations

import contextlib
import fcntl
import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from harvestwatch.core.config import Settings
from harvestwatch.core.errors import ConfigError
from harvestwatch.store import facets as _facets  # noqa: F401 - registers its mapper events
from harvestwatch.store import sealed
from harvestwatch.store.blobs import BlobStore
from harvestwatch.store.crypto import Cipher

__all__ = ["Store", "open_store"]

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATE_LOCK_KEY = 0x68776D6967726174  # "hwmigrat": advisory lock held while migrating


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Store:
    """An opened store: ``blobs`` for originals, ``session()`` for SQL, ``cipher`` for restricted data."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.engine = engine
        self.cipher = Cipher(settings.store_dir)
        self.blobs = BlobStore(settings.blob_dir, self.cipher)
        sealed.install()
        self._sessions = sessionmaker(engine, expire_on_commit=False,
                                      info={sealed.CIPHER: self.cipher})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(.+)$', re.MULTILINE)


def expected_heads() -> frozenset[str]:
    """The head revision of every branch, read from the migration files without importing them."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            ids = re.findall(r'"([^"]+)"|\'([^\']+)\'', value)
            (revisions if name == "revision" else parents).update(a or b for a, b in ids)
    return frozenset(revisions - parents)


def _is_current(engine: Engine) -> bool:
    """True when the database already stands at every head (so Alembic need not be loaded)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stamped = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return stamped == expected_heads()


def migrate(engine: Engine) -> None:
    """Apply every Alembic head (the store's and each other layer's branch)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # stores sharing one database migrate in turn
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def open_store(settings: Settings, *, migrate_schema: bool = True) -> Store:
    """Open (creating if needed) the store described by ``settings``, migrated to the latest schema."""
    try:
        settings.store_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create store directory {settings.store_dir}: {exc}") from None
    url = settings.effective_database_url
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate_schema:
        # Processes opening the same new store at once (two ingests, a server) migrate in turn.
        with (settings.store_dir / ".migrate.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _is_current(engine):
                migrate(engine)
    return Store(settings, engine)
