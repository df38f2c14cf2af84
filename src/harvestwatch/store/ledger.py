"""The custody ledger: append-only entries, each hashing the one before; leaves of a Merkle tree."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from harvestwatch.core import merkle
from harvestwatch.core.hashing import sha256_json
from harvestwatch.core.treehead import entry_hash
from harvestwatch.store.models import LedgerEntry

GENESIS = "0" * 64
LEDGER_LOCK_KEY = 0x68776C6564676572  # "hwledger": the advisory lock that serialises appends

__all__ = ["GENESIS", "entry_hash", "append", "restricted_payload", "lock_head", "entries_for", "check_chain", "leaf",
           "merkle_root"]


def append(session: Session, *, actor: str, action: str, object_type: str, object_id: str | int,
           payload: dict) -> LedgerEntry:
    """Append one custody entry in the caller's transaction and return it.

    The entry is flushed with the caller's next flush. The first append of a transaction
    takes the ledger lock and reads the last entry; later ones chain onto the entry appended
    before, while that entry is still part of the transaction.
    """
    last = _appended_last(session)
    if last is None:
        lock_head(session)
        last = session.execute(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1)).scalar()
    seq = (last.seq + 1) if last else 1
    prev = last.entry_hash if last else GENESIS
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload_hash = sha256_json(payload)
    entry = LedgerEntry(
        seq=seq, at=at, actor=actor, action=action, object_type=object_type,
        object_id=str(object_id), payload=payload, payload_hash=payload_hash, prev_hash=prev,
        entry_hash=entry_hash(seq, at, actor, action, object_type, str(object_id), payload_hash, prev))
    session.add(entry)
    session.info[_LAST] = (session.get_transaction(), entry)
    return entry


_LAST = "harvestwatch.ledger.last"  # session.info: (transaction, the entry it appended last)


def _appended_last(session: Session) -> LedgerEntry | None:
    """The entry this transaction appended last, unless a rolled-back savepoint took it away.

    Such an entry is the head of the ledger: the lock taken for the transaction's first
    append is held until it ends (a savepoint rolled back with its lock took its entries too).
    """
    transaction, entry = session.info.get(_LAST, (None, None))
    if transaction is not None and transaction is session.get_transaction() and entry in session:
        return entry
    return None


def restricted_payload(payload: dict, *, restricted: bool, keep: tuple[str, ...] = ()) -> dict:
    """What an entry about restricted content records: the ``keep`` fields (ids, kinds,
    decisions; never text) and the SHA-256 of the whole payload, which a row can be checked
    against once opened. Payloads about other content pass unchanged."""
    if not restricted:
        return payload
    return {k: payload[k] for k in keep if k in payload} | {"restricted": True,
                                                           "payload_sha256": sha256_json(payload)}


def lock_head(session: Session) -> None:
    """Serialise appends across processes, so that two writers never claim the same ``seq``.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write statement that touches
    no row, which takes the database write lock (waiting up to ``busy_timeout``) before the
    last entry is read.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK_KEY})
    elif dialect == "sqlite":
        session.execute(text("UPDATE ledger SET seq = seq WHERE seq < 0"))


def entries_for(session: Session, object_type: str, object_id: str | int) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(
        LedgerEntry.object_type == object_type, LedgerEntry.object_id == str(object_id))
        .order_by(LedgerEntry.seq)))


def check_chain(session: Session) -> list[str]:
    """Every problem in the chain: missing sequence numbers, altered payloads or entries, broken links."""
    problems: list[str] = []
    prev = GENESIS
    expected = 1
    for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)):
        if e.seq != expected:
            problems.append(f"ledger entries {expected}..{e.seq - 1} are missing")
        if sha256_json(e.payload) != e.payload_hash:
            problems.append(f"ledger entry {e.seq}: payload does not match its hash")
        if e.prev_hash != prev:
            problems.append(f"ledger entry {e.seq}: does not link to entry {e.seq - 1}")
        recomputed = entry_hash(e.seq, e.at, e.actor, e.action, e.object_type, e.object_id,
                                e.payload_hash, e.prev_hash)
        if recomputed != e.entry_hash:
            problems.append(f"ledger entry {e.seq}: fields do not match its entry hash")
        prev = e.entry_hash
        expected = e.seq + 1
    return problems


# --- the ledger as an RFC 6962 Merkle tree ------------------------------------------------

def leaf(entry_hash_hex: str) -> bytes:
    """An entry's leaf hash: SHA-256(0x00 ‖ the 32 bytes of its entry hash)."""
    return merkle.leaf_hash(bytes.fromhex(entry_hash_hex))


def merkle_root(entry_hashes: list[str]) -> str:
    """RFC 6962 root (hex) over entries given by their entry hashes, in ledger order."""
    return merkle.root_of(leaf(h) for h in entry_hashes).hex()
