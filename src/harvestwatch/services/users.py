"""Users and roles: creation, password checks (argon2), review decisions and access logging."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select

from harvestwatch.core.errors import NotFound, PermissionDenied, ValidationError
from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.store import Store, ledger
from harvestwatch.store.accounts import CLEARED, ROLES, AccessLog, ReviewDecision, User
from harvestwatch.store.models import Document, ExtractedItem

_hasher = PasswordHasher()
DECISIONS = ("confirm", "reject")


def add_user(store: Store, name: str, role: str, password: str, *, actor: str = "cli") -> dict:
    if role not in ROLES:
        raise ValidationError(role, f"unknown role; expected one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValidationError(name, "password must have at least 8 characters")
    with store.session() as s:
        if s.scalar(select(User).where(User.name == name)):
            raise ValidationError(name, "a user of that name exists")
        user = User(name=name, role=role, password_hash=_hasher.hash(password))
        s.add(user)
        ledger.append(s, actor=actor, action="user_add", object_type="user", object_id=name,
                      payload={"role": role, "credential": credential_digest(user.password_hash)})
    return {"name": name, "role": role}


def set_role(store: Store, name: str, role: str, *, actor: str, actor_role: str = "admin") -> dict:
    """Change a user's role (admins only); the change is a custody ledger entry."""
    if actor_role != "admin":
        raise PermissionDenied("only admins change roles")
    if role not in ROLES:
        raise ValidationError(role, f"unknown role; expected one of {', '.join(ROLES)}")
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"no user {name!r}")
        old, user.role = user.role, role
        ledger.append(s, actor=actor, action="user_role", object_type="user", object_id=name,
                      payload={"role": role, "previous": old})
    return {"name": name, "role": role, "previous": old}


def credential_digest(password_hash: str) -> str:
    """What the ledger keeps of a password: SHA-256 of its argon2 hash (a swapped hash shows)."""
    return sha256_bytes(password_hash.encode())


def list_users(store: Store) -> list[dict]:
    with store.session() as s:
        return [{"name": u.name, "role": u.role, "created_at": u.created_at.isoformat()}
                for u in s.scalars(select(User).order_by(User.name))]


def ensure_admin(store: Store, password: str | None = None) -> str | None:
    """Create user 'admin' when there is no user at all; returns the new password (else None)."""
    with store.session() as s:
        if s.scalar(select(User.id).limit(1)) is not None:
            return None
    password = password or secrets.token_urlsafe(12)
    add_user(store, "admin", "admin", password, actor="serve")
    return password


def authenticate(store: Store, name: str, password: str) -> dict | None:
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            _hasher.hash(password)  # same cost whether or not the user exists
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except VerificationError:
            return None
        return {"name": user.name, "role": user.role}


def cleared(role: str) -> bool:
    return role in CLEARED


def log_access(store: Store, user: str, document_id: int, action: str = "view") -> None:
    """Record a view of restricted content in the access log and the custody ledger."""
    with store.session() as s:
        doc = s.get(Document, document_id)
        s.add(AccessLog(user=user, document_id=document_id, action=action))
        ledger.append(s, actor=user, action=action, object_type="document",
                      object_id=doc.sha256 if doc else str(document_id), payload={"restricted": True})


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
        entry = ledger.append(s, actor=user, action="review", object_type="extracted_item",
                              object_id=item_id, payload={"decision": decision, "note": note,
                                                          "item": item.to_dict()})
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
        return [i.to_dict() for i in s.scalars(q.order_by(ExtractedItem.document_id,
                                                          ExtractedItem.start).limit(limit))]


def decisions_for(store: Store, item_ids: list[int]) -> dict[int, dict]:
    with store.session() as s:
        rows = s.scalars(select(ReviewDecision).where(ReviewDecision.item_id.in_(item_ids))
                         .order_by(ReviewDecision.id))
        return {r.item_id: {"decision": r.decision, "user": r.user, "note": r.note} for r in rows}
