"""Sealing at the store boundary: every field derived from a restricted source is encrypted
as its row is written and opened as it is loaded, so the rest of the code sees plain values.

Mapper events on the tables below seal the listed columns of restricted rows before each
INSERT/UPDATE (text as ``enc:v2:…``, JSON as ``{"$sealed": "enc:v2:…"}``, the column name as
associated data) and put the plain values back in the object afterwards; a load opens them.
While the store is locked, loaded values stay sealed (never written back in clear); code that
must show them calls ``Cipher.unlock`` or ``documents.plain_text`` and gets a one-line error.
Column-level queries (``select(Model.column)``) bypass the events and see sealed values.
"""

from __future__ import annotations

import importlib
import json
import sys
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import JSON, event, inspect, select
from sqlalchemy.orm import Mapper, Session, object_session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from harvestwatch.core.hashing import sha256_json
from harvestwatch.store.accounts import ReviewDecision
from harvestwatch.store.crypto import Cipher, is_sealed_text
from harvestwatch.store.keys import StoreLocked
from harvestwatch.store.models import Document, ExtractedItem

SEALED_KEY = "$sealed"
CIPHER = "harvestwatch.cipher"  # session.info key: the store's Cipher
_RESTRICTED = "harvestwatch.restricted_docs"  # session.info key: document id -> restricted


def _doc_restricted(session: Session, connection, doc_id: int | None) -> bool:
    if doc_id is None:
        return False
    cache = session.info.setdefault(_RESTRICTED, {})
    if doc_id not in cache:
        doc = session.identity_map.get(inspect(Document).identity_key_from_primary_key((doc_id,)))
        cache[doc_id] = bool(doc.restricted) if doc is not None else bool(connection.execute(
            select(Document.restricted).where(Document.id == doc_id)).scalar())
    return cache[doc_id]


def _item_restricted(session: Session, connection, item_id: int | None) -> bool:
    if item_id is None:
        return False
    doc_id = connection.execute(select(ExtractedItem.document_id)
                                .where(ExtractedItem.id == item_id)).scalar()
    return _doc_restricted(session, connection, doc_id)


@dataclass(frozen=True)
class Sealed:
    """A table whose listed columns are sealed when ``restricted(session, conn, row)``."""

    model: type
    columns: tuple[str, ...]
    restricted: Callable

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def is_json(self, column: str) -> bool:
        return isinstance(self.model.__table__.c[column].type, JSON)


# (module, model, sealed columns, whether a row is restricted): the models are named, not
# imported, so that a process loads only the model modules it uses; ``install`` puts the
# events on each model when its module is imported (or at once if it already is).
_SPECS: tuple[tuple[str, str, tuple[str, ...], Callable], ...] = (
    ("harvestwatch.store.models", "Source", ("name",), lambda s, c, row: bool(row.restricted)),
    ("harvestwatch.store.models", "Document", ("title", "author", "site", "url", "text", "meta", "pages"),
     lambda s, c, row: bool(row.restricted)),
    ("harvestwatch.store.models", "ExtractedItem", ("text", "canonical", "data"),
     lambda s, c, row: _doc_restricted(s, c, row.document_id)),
    ("harvestwatch.store.ingest_links", "OcrPage", ("words",),
     lambda s, c, row: _doc_restricted(s, c, row.document_id)),
    ("harvestwatch.store.ingest_links", "DocumentLink", ("name",),
     lambda s, c, row: _doc_restricted(s, c, row.child_id)),
    ("harvestwatch.store.accounts", "ReviewDecision", ("note",),
     lambda s, c, row: _item_restricted(s, c, row.item_id)),
    ("harvestwatch.store.registry", "RegistryFact", ("scope", "source_title", "source_url", "quote", "notes"),
     lambda s, c, row: bool(row.restricted)),
    ("harvestwatch.store.registry", "RegistryProposal", ("quote", "reason", "note"),
     lambda s, c, row: bool(row.restricted)),
    ("harvestwatch.store.registry", "RegistryMention", ("text",),
     lambda s, c, row: _doc_restricted(s, c, row.document_id)),
)


def tables() -> tuple[Sealed, ...]:
    """Every sealed table, its model imported (what rotation and key status go through)."""
    return tuple(Sealed(getattr(importlib.import_module(module), name), columns, restricted)
                 for module, name, columns, restricted in _SPECS)


def __getattr__(name: str):  # ``sealed.TABLES``: every sealed table, as ``tables()``
    if name == "TABLES":
        return tables()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_plain: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # row -> its plain values


def is_sealed(value: object) -> bool:
    return is_sealed_text(value) or (isinstance(value, dict) and set(value) == {SEALED_KEY})


def seal_value(cipher: Cipher, spec: Sealed, column: str, value):
    """``value`` sealed for ``table.column`` (None and sealed values stay as they are)."""
    if value is None or is_sealed(value):
        return value
    aad = f"{spec.table}.{column}".encode()
    if spec.is_json(column):
        return {SEALED_KEY: cipher.encrypt_text(json.dumps(value, ensure_ascii=False), aad)}
    return cipher.encrypt_text(value, aad)


def open_value(cipher: Cipher, spec: Sealed, column: str, value):
    """The plain value of a sealed one (raises ``StoreLocked`` when the key is locked)."""
    aad = f"{spec.table}.{column}".encode()
    if isinstance(value, dict) and set(value) == {SEALED_KEY}:
        return json.loads(cipher.decrypt_text(value[SEALED_KEY], aad))
    if is_sealed_text(value):
        return cipher.decrypt_text(value, aad)
    return value


def sealed_key_id(cipher: Cipher, value) -> str | None:
    """The id of the data key a sealed value was made with ('' for a legacy value)."""
    token = value[SEALED_KEY] if isinstance(value, dict) else value
    return (cipher.text_key_id(token) or "") if is_sealed_text(token) else None


def _cipher(session: Session | None) -> Cipher:
    cipher = session.info.get(CIPHER) if session is not None else None
    if cipher is None:
        raise StoreLocked("restricted rows can only be written through the store's sessions "
                          "(Store.session), which seal them")
    return cipher


def _before_write(spec: Sealed):
    def listener(_mapper, connection, target) -> None:
        session = object_session(target)
        if not spec.restricted(session, connection, target):
            return
        cipher = _cipher(session)
        plain = {}
        for column in spec.columns:
            value = getattr(target, column)
            sealed = seal_value(cipher, spec, column, value)
            if sealed is not value:
                plain[column] = value
                setattr(target, column, sealed)
        if plain:
            _plain[target] = plain
    return listener


def _after_write(_mapper, _connection, target) -> None:
    for column, value in _plain.pop(target, {}).items():
        set_committed_value(target, column, value)


def _opener(spec: Sealed):
    def open_row(target, context, attrs=None) -> None:
        columns = [c for c in spec.columns if attrs is None or c in attrs]
        values = {c: target.__dict__.get(c) for c in columns}
        if not any(is_sealed(v) for v in values.values()):
            return
        session = getattr(context, "session", None)
        cipher = session.info.get(CIPHER) if session is not None else None
        if cipher is None:
            return
        for column, value in values.items():
            if is_sealed(value):
                try:
                    set_committed_value(target, column, open_value(cipher, spec, column, value))
                except StoreLocked:
                    return  # stays sealed; shown as such, never written back in clear
                except ValueError:
                    continue  # altered bytes: left sealed for verify to name
    return open_row


def install() -> None:
    """Register the sealing events (once per process): on the sealed models already imported
    now, and on each other one as its module is imported (when its mapper is made)."""
    global _installed
    if _installed:
        return
    _installed = True
    for module, name, columns, restricted in _SPECS:
        model = getattr(sys.modules.get(module), name, None)
        if model is not None:
            _listen(Sealed(model, columns, restricted))
    event.listen(Mapper, "after_mapper_constructed", _on_mapper)


def _on_mapper(_mapper, cls) -> None:
    for module, name, columns, restricted in _SPECS:
        if cls.__module__ == module and cls.__name__ == name:
            _listen(Sealed(cls, columns, restricted))


def _listen(spec: Sealed) -> None:
    before, opener = _before_write(spec), _opener(spec)
    for name in ("before_insert", "before_update"):
        event.listen(spec.model, name, before)
    for name in ("after_insert", "after_update"):
        event.listen(spec.model, name, _after_write)
    event.listen(spec.model, "load", opener)
    event.listen(spec.model, "refresh", opener)


_installed = False


# --- what the ledger keeps instead of contents ----------------------------------------------

def digest(value) -> str:
    """SHA-256 of a value (canonical JSON): what a ledger entry keeps of restricted content."""
    return sha256_json(value)


# --- re-sealing under the current key (rotation) --------------------------------------------

def _restricted_ids(session: Session, spec: Sealed) -> Iterator[int]:
    """Ids of the rows of ``spec`` that belong to restricted documents."""
    model = spec.model
    restricted_docs = select(Document.id).where(Document.restricted.is_(True))
    if hasattr(model, "restricted"):
        q = select(model.id).where(model.restricted.is_(True))
    elif spec.table == "document_links":
        q = select(model.id).where(model.child_id.in_(restricted_docs))
    elif model is ReviewDecision:
        q = select(model.id).where(model.item_id.in_(
            select(ExtractedItem.id).where(ExtractedItem.document_id.in_(restricted_docs))))
    else:
        q = select(model.id).where(model.document_id.in_(restricted_docs))
    return iter(session.scalars(q.order_by(model.id)).all())


def reseal(session_factory, cipher: Cipher, *, batch: int = 200,
           on_batch: Callable[[str, int], None] | None = None) -> int:
    """Seal again, under the current data key, every restricted row not sealed with it.

    Runs in transactions of ``batch`` rows, so an interrupted run keeps what it finished and a
    new run goes on from there (rows are opened with any key of the keyring). Returns how
    many rows were sealed again.
    """
    current = cipher.current_key_id
    done = 0
    for spec in tables():
        with session_factory() as session:
            ids = list(_restricted_ids(session, spec))
        cols = [spec.model.__table__.c[c] for c in spec.columns]
        for start in range(0, len(ids), batch):
            part = ids[start:start + batch]
            with session_factory() as session:
                raw = session.execute(select(spec.model.__table__.c.id, *cols)
                                      .where(spec.model.__table__.c.id.in_(part))).all()
                stale = [row[0] for row in raw
                         if any(sealed_key_id(cipher, v) not in (None, current) for v in row[1:])
                         or any(v is not None and not is_sealed(v) for v in row[1:])]
                for obj in session.scalars(select(spec.model).where(spec.model.id.in_(stale))):
                    for column in spec.columns:
                        if is_sealed(getattr(obj, column)):
                            raise StoreLocked(f"{spec.table} {obj.id}: a sealed value does not "
                                              "open with any key of the keyring")
                        flag_modified(obj, column)
                done += len(stale)
            if on_batch:
                on_batch(spec.table, len(part))
    return done


def restricted_items(session: Session, item_type: str, label: str | None = None) -> list:
    """The ``item_type`` items of restricted documents, opened: their text and names are
    sealed in the table, so SQL cannot match or group them (callers filter these in Python)."""
    q = (select(ExtractedItem).join(Document, Document.id == ExtractedItem.document_id)
         .where(Document.restricted.is_(True), ExtractedItem.item_type == item_type))
    if label:
        q = q.where(ExtractedItem.label == label)
    return list(session.scalars(q.order_by(ExtractedItem.document_id, ExtractedItem.start)))
