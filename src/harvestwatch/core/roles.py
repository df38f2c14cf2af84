"""Workbench roles and the rules between them: who outranks whom, who is cleared for restricted
documents. Every layer (store, services, faces) takes its role rules from here."""

from __future__ import annotations

ROLES = ("admin", "investigator", "reviewer", "viewer")  # highest first
CLEARED = ("admin", "investigator")  # may see restricted documents
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}  # admin 4 … viewer 1


def is_role(role: object) -> bool:
    return isinstance(role, str) and role in RANK


def at_least(role: str, minimum: str) -> bool:
    """True when ``role`` is ``minimum`` or ranks above it."""
    return RANK.get(role, 0) >= RANK[minimum]


def cleared(role: str) -> bool:
    """True when ``role`` may see restricted documents."""
    return role in CLEARED
