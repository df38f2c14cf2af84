"""Users and roles: accounts, passwords (argon2), review decisions.

Every account change (create, role, password, unlock) goes through ``services.audit``: one
access-log row and one ledger entry, and a role or password change ends the account's
sessions at once.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import select

from harvestwatch.core.errors import NotFound, PermissionDenied, ValidationError
from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.core.roles import ROLES, cleared
from harvestwatch.services import audit
from harvestwatch.services.passwords import MIN_LENGTH, hash_password
from harvestwatch.services.sessions import end_sessions
from harvestwatch.store import Store, ledger
from harvestwatch.store.accounts import ReviewDecision, User, aware
from harvestwatch.store.items import from_row
from harvestwatch.store.models import Document, ExtractedItem
from harvestwatch.store.sealed import digest

DECISIONS = ("confirm", "reject")


def _check_name(name: str) -> str:
    if not name or len(name) > 120 or name != name.strip() or any(
            unicodedata.category(c)[0] in "CZ" and c != " " for c in name):
        raise ValidationError(repr(name), "a user name is 1-120 characters, no control characters "
                              "and no surrounding spaces")
    return name


def _check_password(name: str, password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(name, f"password must have at least {MIN_LENGTH} characters")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(role, f"unknown role; expected one of {', '.join(ROLES)}")


def _admin(actor_role: str, what: str) -> None:
    if actor_role != "admin":
        raise PermissionDenied(f"only admins {what}")


def _user(s, name: str) -> User:
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def add_user(store: Store, name: str, role: str, password: str, *, actor: str = "cli",
             actor_role: str = "admin", via: str = "cli") -> dict:
    """Create an account (admins only); audited with the credential's digest."""
    _admin(actor_role, "create users")
    _check_name(name)
    _check_role(role)
    _check_password(name, password)
    with store.session() as s:
        if s.scalar(select(User).where(User.name == name)):
            raise ValidationError(name, "a user of that name exists")
        user = User(name=name, role=role, password_hash=hash_password(password))
        s.add(user)
        audit.record(s, actor=actor, action="user_add", object_type="user", object_id=name, via=via,
                     payload={"role": role, "credential": credential_digest(user.password_hash)})
    return {"name": name, "role": role}


def set_role(store: Store, name: str, role: str, *, actor: str, actor_role: str = "admin",
             via: str = "cli", now: datetime | None = None) -> dict:
    """Change a user's role (admins only); audited, and the user's sessions end."""
    _admin(actor_role, "change roles")
    _check_role(role)
    with store.session() as s:
        user = _user(s, name)
        old, user.role = user.role, role
        ended = end_sessions(s, user.id, "role_change", now=now or datetime.now(UTC))
        audit.record(s, actor=actor, action="user_role", object_type="user", object_id=name, via=via,
                     payload={"role": role, "previous": old, "sessions_ended": ended})
    return {"name": name, "role": role, "previous": old, "sessions_ended": ended}


def set_password(store: Store, name: str, password: str, *, actor: str, actor_role: str = "admin",
                 via: str = "cli", now: datetime | None = None) -> dict:
    """Set a new password (an admin's reset, or the user's own change); audited, the account's
    sessions end and any lockout is lifted."""
    if actor != name:
        _admin(actor_role, "reset other users' passwords")
    _check_password(name, password)
    with store.session() as s:
        user = _user(s, name)
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        ended = end_sessions(s, user.id, "password_change", now=now or datetime.now(UTC))
        audit.record(s, actor=actor, action="user_password", object_type="user", object_id=name, via=via,
                     payload={"credential": credential_digest(user.password_hash), "sessions_ended": ended})
    return {"name": name, "sessions_ended": ended}


def credential_digest(password_hash: str) -> str:
    """What the ledger keeps of a password: SHA-256 of its argon2 hash (a swapped hash shows)."""
    return sha256_bytes(password_hash.encode())


def list_users(store: Store) -> list[dict]:
    """Accounts with role, creation time and any lockout in force (``locked_until``)."""
    now = datetime.now(UTC)
    with store.session() as s:
        out = []
        for u in s.scalars(select(User).order_by(User.name)):
            locked = aware(u.locked_until)
            out.append({"name": u.name, "role": u.role, "created_at": u.created_at.isoformat(),
                        "failed_logins": u.failed_logins or 0,
                        "locked_until": locked.isoformat() if locked and locked > now else None})
        return out


def ensure_admin(store: Store, password: str | None = None) -> str | None:
    """Create user 'admin' when there is no user at all; returns the new password (else None)."""
    with store.session() as s:
        if s.scalar(select(User.id).limit(1)) is not None:
            return None
    password = password or secrets.token_urlsafe(12)
    add_user(store, "admin", "admin", password, actor="serve")
    return password


def review_item(store: Store, item_id: int, decision: str, *, user: str, role: str,
                note: str | None = None) -> dict:
    """Confirm or reject an extracted item; the decision is a custody ledger entry."""
    if role == "viewer":
        raise PermissionDenied("viewers cannot review items")
    if decision not in DECISIONS:
        raise ValidationError(decision, f"decision must be one of {', '.join(DECISIONS)}")
    with store.session() as s:
        item = s.get(ExtractedItem, item_id)
        if item is None:
            raise NotFound(f"no extracted item {item_id}")
        doc = s.get(Document, item.document_id)
        if doc.restricted and not cleared(role):
            raise NotFound(f"no extracted item {item_id}")
        payload = {"decision": decision, "note": note, "item": from_row(item).to_dict()}
        if doc.restricted:  # the ledger keeps hashes of restricted content, not the content
            payload = {"decision": decision, "note_sha256": digest(note) if note else None,
                       "item_sha256": digest(payload["item"])}
        entry = ledger.append(s, actor=user, action="review", object_type="extracted_item",
                              object_id=item_id, payload=payload)
        s.add(ReviewDecision(item_id=item_id, decision=decision, note=note, user=user,
                             ledger_seq=entry.seq))
    return {"item_id": item_id, "decision": decision, "ledger_seq": entry.seq}


def review_queue(store: Store, *, role: str, limit: int = 30) -> list[dict]:
    """Extracted claims not yet reviewed, oldest documents first."""
    with store.session() as s:
        reviewed = select(ReviewDecision.item_id)
        q = (select(ExtractedItem).join(Document, Document.id == ExtractedItem.document_id)
             .where(ExtractedItem.item_type.in_(("quantity", "testimony", "stance")),
                    ExtractedItem.id.not_in(reviewed)))
        if not cleared(role):
            q = q.where(Document.restricted.is_(False))
        return [from_row(i).to_dict() for i in s.scalars(q.order_by(ExtractedItem.document_id,
                                                          ExtractedItem.start).limit(limit))]


def decisions_for(store: Store, item_ids: list[int]) -> dict[int, dict]:
    with store.session() as s:
        rows = s.scalars(select(ReviewDecision).where(ReviewDecision.item_id.in_(item_ids))
                         .order_by(ReviewDecision.id))
        return {r.item_id: {"decision": r.decision, "user": r.user, "note": r.note} for r in rows}
