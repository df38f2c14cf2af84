"""The audit: one access-log row and one custody ledger entry for every audited event.

Audited are views of restricted content, downloads of originals, exports (JSONL, reports,
bundles), verify runs asked for by a person, and admin actions (users, roles, passwords,
keys). Every face (CLI, web pages, API) goes through ``record``, so one event is exactly one
row and one entry, whichever face it came from. The ledger entry names objects by id or
SHA-256 only: no title, name or text of a restricted document is written to either.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from harvestwatch.core.errors import ValidationError
from harvestwatch.store import Store, ledger
from harvestwatch.store.accounts import AccessLog, aware
from harvestwatch.store.models import Document, LedgerEntry

__all__ = ["VIAS", "AuditEvent", "AuditPage", "record", "record_now", "document_event", "events",
           "actions"]

VIAS = ("cli", "web", "api")
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditEvent:
    """One audited event as the audit page and ``harvestwatch audit`` list it."""

    id: int
    at: str
    user: str
    action: str
    object_type: str
    object_id: str
    document_id: int | None
    via: str
    ledger_seq: int | None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    limit: int
    offset: int


def record(session: Session, *, actor: str, action: str, object_type: str, object_id: str | int,
           via: str, document_id: int | None = None, payload: dict | None = None) -> LedgerEntry:
    """Append the ledger entry and the access-log row of one event, in the caller's transaction.

    ``payload`` goes to the ledger entry (with ``via``); keep it to ids, hashes and counts.
    """
    if via not in VIAS:
        raise ValueError(f"via must be one of {VIAS}, not {via!r}")
    entry = ledger.append(session, actor=actor, action=action, object_type=object_type,
                          object_id=object_id, payload={**(payload or {}), "via": via})
    at = datetime.strptime(entry.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    session.add(AccessLog(user=actor, action=action, object_type=object_type, object_id=str(object_id),
                          document_id=document_id, via=via, ledger_seq=entry.seq, at=at))
    return entry


def record_now(store: Store, **event) -> int:
    """``record`` in a transaction of its own; returns the ledger sequence number."""
    with store.session() as session:
        return record(session, **event).seq


def document_event(session: Session, doc: Document, *, actor: str, action: str, via: str) -> LedgerEntry:
    """Audit an access to one document (named by SHA-256 and id, never by title)."""
    return record(session, actor=actor, action=action, object_type="document", object_id=doc.sha256,
                  via=via, document_id=doc.id, payload={"restricted": bool(doc.restricted)})


def _day(value: str, name: str, *, end: bool) -> datetime:
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            at = datetime.combine(d + timedelta(days=1) if end else d, time(), tzinfo=UTC)
        else:
            at = aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise ValidationError(name, f"{value!r} is not a date (YYYY-MM-DD) or an ISO time") from None
    return at


def events(store: Store, *, user: str | None = None, action: str | None = None,
           since: str | None = None, until: str | None = None, object_id: str | None = None,
           limit: int = 50, offset: int = 0) -> AuditPage:
    """Audited events, newest first, filtered and paged.

    ``since``/``until``: a day (YYYY-MM-DD, ``until`` inclusive) or an ISO time.
    ``object_id``: a document id, a SHA-256 (or its prefix), a user name, a path.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    q = select(AccessLog)
    if user:
        q = q.where(AccessLog.user == user)
    if action:
        q = q.where(AccessLog.action == action)
    if since:
        q = q.where(AccessLog.at >= _day(since, "since", end=False))
    if until:
        q = q.where(AccessLog.at < _day(until, "until", end=True))
    if object_id:
        target = object_id.strip()
        cond = AccessLog.object_id == target
        if target.isdigit() and len(target) < 10:
            cond = cond | (AccessLog.document_id == int(target))
        elif len(target) >= 6 and all(c in "0123456789abcdef" for c in target.lower()):
            cond = cond | AccessLog.object_id.startswith(target.lower())
        q = q.where(cond)
    with store.session() as session:
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = session.scalars(q.order_by(AccessLog.id.desc()).limit(limit).offset(offset))
        found = [AuditEvent(r.id, aware(r.at).isoformat(timespec="seconds"), r.user, r.action,
                            r.object_type, r.object_id, r.document_id, r.via, r.ledger_seq)
                 for r in rows]
    return AuditPage(found, total, limit, offset)


def actions(store: Store) -> list[str]:
    """Every action the audit holds, for a filter's choices."""
    with store.session() as session:
        return list(session.scalars(select(AccessLog.action).distinct().order_by(AccessLog.action)))
