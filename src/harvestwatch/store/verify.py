"""Recompute every blob hash, the ledger chain, the signed tree heads and each row the ledger vouches for.

Rows vouched for: sources and documents (ingest entries), users and their roles
(``user_add`` / ``user_role``), review decisions (``review``), and each document's derived
items (``extract`` digests per extractor family). Signed heads are recomputed from the
entries; a head from outside (``against``) shows a cut tail, a rewrite or a fork that the
chain alone cannot.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from sqlalchemy import func, select

from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.core.treehead import SignedHead
from harvestwatch.store import Store
from harvestwatch.store.accounts import ReviewDecision, User
from harvestwatch.store.custody_models import TreeHead
from harvestwatch.store.derived import (
    EXTRACT,
    RUN_DONE,
    RUN_START,
    expand_ranges,
    family,
    items_digest,
)
from harvestwatch.store.documents import fingerprint, plain_text, text_hash
from harvestwatch.store.keys import HOW_TO_UNLOCK
from harvestwatch.store.ledger import check_chain
from harvestwatch.store.models import Checkpoint, Document, ExtractedItem, LedgerEntry, Source
from harvestwatch.store.sealed import digest, is_sealed
from harvestwatch.store.signing import load_key
from harvestwatch.store.tree import roots_at, signed

VOUCHING_ACTIONS = ("ingest", "edit")
SOURCE_FIELDS = ("name", "size", "kind", "restricted")


@dataclass
class VerifyReport:
    """``ok`` only when nothing differs and no work was left half done (``incomplete``)."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problems": self.problems, "incomplete": self.incomplete,
                "notes": self.notes, "counts": self.counts}


def verify_store(store: Store, *, against: list[tuple[str, SignedHead]] = ()) -> VerifyReport:
    """Everything that differs from what the custody ledger recorded, named precisely.

    ``against``: (name, head) pairs published earlier; each must be signed and match the
    ledger's first ``tree_size`` entries.
    """
    problems: list[str] = []
    notes: list[str] = []
    incomplete: list[str] = []
    with store.session() as session:
        problems += check_chain(session)
        problems += check_heads(session, store, against, notes)
        vouched: dict[str, str] = {}
        for entry in _entries(session, "document", VOUCHING_ACTIONS):
            fp = entry.payload.get("fingerprint")
            if fp:
                vouched[entry.object_id] = fp
        sources = list(session.scalars(select(Source)))
        source_shas = {s.blob_sha256 for s in sources}
        referenced = set(source_shas)
        locked = any(s.restricted for s in sources) and not store.cipher.available()
        if locked:
            incomplete.append("restricted sources, documents, items and review notes were not "
                              f"checked: the store key is locked ({HOW_TO_UNLOCK})")
        skipped = {s.blob_sha256 for s in sources if s.restricted} if locked else set()
        problems += check_sources(session, sources, skip=skipped)
        for src in sources:
            if src.blob_sha256 in skipped:
                continue
            if issue := store.blobs.check(src.blob_sha256):
                name = "restricted" if src.restricted else src.name  # problem lines are shown
                problems.append(f"source {src.id} ({name}): {issue}")
        n_docs = 0
        doc_shas: set[str] = set()
        for doc in session.scalars(select(Document).order_by(Document.id)):
            n_docs += 1
            referenced.add(doc.sha256)
            doc_shas.add(doc.sha256)
            label = f"document {doc.id} ({doc.sha256[:12]})"
            if locked and doc.restricted:
                continue
            if doc.sha256 not in source_shas and (
                    issue := store.blobs.check(doc.sha256)):
                problems.append(f"{label}: {issue}")
            try:
                body = plain_text(doc, store.cipher)
            except ValueError as exc:
                problems.append(f"{label}: text cannot be decrypted ({exc})")
                continue
            if text_hash(body) != doc.text_sha256:
                problems.append(f"{label}: row 'documents.text' differs from its recorded hash")
            expected = vouched.get(doc.sha256)
            if expected is None:
                problems.append(f"{label}: row is not vouched for by any ledger entry")
            elif fingerprint(doc) != expected:
                problems.append(f"{label}: row 'documents' differs from what ledger recorded")
        for sha in sorted(vouched.keys() - doc_shas):
            problems.append(f"document {sha[:12]}: recorded in the ledger but its row is missing")
        problems += check_items(session, incomplete, skip_restricted=locked)
        problems += check_reviews(session)
        problems += check_users(session)
        n_entries = session.scalar(select(func.count()).select_from(LedgerEntry))
        n_heads = session.scalar(select(func.count()).select_from(TreeHead))
    orphans = set(store.blobs.all_hashes()) - referenced
    if orphans:
        notes.append(f"{len(orphans)} blob(s) without rows (an interrupted ingest; re-run it to "
                     "use them): " + ", ".join(sorted(o[:12] for o in orphans)[:10]))
    if temps := store.blobs.temp_files():
        notes.append(f"{len(temps)} temporary file(s) from interrupted blob writes, safe to "
                     "delete: " + ", ".join(str(t) for t in temps[:10]))
    return VerifyReport(ok=not problems and not incomplete, problems=problems, notes=notes,
                        incomplete=incomplete,
                        counts={"sources": len(sources), "documents": n_docs,
                                "ledger_entries": n_entries, "tree_heads": n_heads})


def _entries(session, object_type: str, actions: tuple[str, ...]) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(
        LedgerEntry.object_type == object_type, LedgerEntry.action.in_(actions))
        .order_by(LedgerEntry.seq)))


def check_sources(session, sources: list[Source], skip: set[str] = frozenset()) -> list[str]:
    """Source rows against their ingest entries: values, rows nobody vouches for, lost rows.

    A restricted source's entry holds the SHA-256 of its name (``name_sha256``), not the name.
    """
    recorded = {e.object_id: e.payload for e in _entries(session, "source", ("ingest",))}
    problems = []
    for src in sources:
        label = f"source {src.id} ({src.blob_sha256[:12]})"
        payload = recorded.get(src.blob_sha256)
        if payload is None:
            problems.append(f"{label}: row is not vouched for by any ledger entry")
            continue
        if src.blob_sha256 in skip:
            continue
        if "name_sha256" in payload and payload["name_sha256"] != digest(src.name):
            problems.append(f"{label}: row 'sources.name' differs from what ledger recorded")
        for name in SOURCE_FIELDS:
            if name in payload and payload[name] != getattr(src, name):
                problems.append(f"{label}: row 'sources.{name}' differs from what ledger recorded")
    for sha in sorted(recorded.keys() - {s.blob_sha256 for s in sources}):
        problems.append(f"source {sha[:12]}: recorded in the ledger but its row is missing")
    return problems


def check_items(session, incomplete: list[str], *, skip_restricted: bool = False) -> list[str]:
    """Each document's derived items against the digest its last extraction recorded.

    Extraction runs that never recorded their end go to ``incomplete``; ``skip_restricted``
    leaves out restricted documents (their items stay sealed while the store is locked).
    """
    hidden = set(session.scalars(select(Document.id).where(Document.restricted.is_(True)))
                 ) if skip_restricted else set()
    problems = []
    recorded: dict[tuple[int, str], dict] = {}
    for e in _entries(session, "document", (EXTRACT,)):
        recorded[(e.payload["document_id"], family(e.payload["extractor"]))] = e.payload | {"seq": e.seq}
    present = set(session.execute(select(ExtractedItem.document_id, ExtractedItem.extractor)
                                  .distinct()).all())
    families = {(doc_id, family(ex)) for doc_id, ex in present}
    for doc_id, fam in sorted(families | set(recorded)):
        label = f"document {doc_id}"
        if doc_id in hidden:
            continue
        payload = recorded.get((doc_id, fam))
        if payload is None:
            problems.append(f"{label}: extracted items of '{fam}' are not vouched for by any "
                            "ledger entry")
            continue
        digest, n = items_digest(session, doc_id, fam)
        if digest != payload["digest"]:
            problems.append(f"{label}: extracted items of '{fam}' differ from what ledger entry "
                            f"{payload['seq']} recorded ({n} now, {payload['items']} then): "
                            "an item was edited, added or deleted")
    extracted: dict[tuple[int, str], int] = {}  # (document, extractor) -> last extract entry
    for e in _entries(session, "document", (EXTRACT,)):
        extracted[(e.payload["document_id"], e.payload["extractor"])] = e.seq
    done = {e.payload.get("run") for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.action == RUN_DONE))}
    for run in session.scalars(select(LedgerEntry).where(LedgerEntry.action == RUN_START)
                               .order_by(LedgerEntry.seq)):
        if run.seq in done:
            continue
        wanted = expand_ranges(run.payload.get("ranges", []))
        missing = [i for i in wanted if extracted.get((i, run.object_id), 0) < run.seq]
        if missing:  # a later run that finished these documents settles it
            incomplete.append(f"extraction run of ledger entry {run.seq} ({run.object_id}, "
                              f"{run.at}) is incomplete: {len(wanted) - len(missing)} of "
                              f"{len(wanted)} documents done (interrupted, or still running); "
                              "re-run 'extract'")
    return problems


def check_reviews(session) -> list[str]:
    """Review decision rows against their ``review`` ledger entries."""
    problems = []
    entries = {e.seq: e for e in _entries(session, "extracted_item", ("review",))}
    rows = list(session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)))
    for row in rows:
        label = f"review decision {row.id} (item {row.item_id})"
        e = entries.get(row.ledger_seq)
        if e is None:
            problems.append(f"{label}: row is not vouched for by any ledger entry")
            continue
        if is_sealed(row.note):
            continue  # a restricted note while the store is locked (reported as incomplete)
        note = row.note
        if "note_sha256" in e.payload:  # restricted: the entry keeps the note's hash
            note = digest(row.note) if row.note else None
        recorded = (e.object_id, e.payload.get("decision"),
                    e.payload.get("note_sha256", e.payload.get("note")), e.actor)
        if recorded != (str(row.item_id), row.decision, note, row.user):
            problems.append(f"{label}: row 'review_decisions' differs from what ledger entry "
                            f"{e.seq} recorded")
    for seq in sorted(entries.keys() - {r.ledger_seq for r in rows}):
        problems.append(f"review decision of ledger entry {seq} (item {entries[seq].object_id}): "
                        "recorded in the ledger but its row is missing")
    return problems


def check_users(session) -> list[str]:
    """User rows against ``user_add`` / ``user_role`` / ``user_password`` entries: role, credential,
    presence."""
    problems = []
    recorded: dict[str, dict] = {}
    for e in _entries(session, "user", ("user_add", "user_role", "user_password", "user_remove")):
        if e.action == "user_remove":
            recorded.pop(e.object_id, None)
        else:
            recorded[e.object_id] = recorded.get(e.object_id, {}) | e.payload
    users = list(session.scalars(select(User).order_by(User.name)))
    for user in users:
        label = f"user {user.name!r}"
        payload = recorded.get(user.name)
        if payload is None:
            problems.append(f"{label}: row is not vouched for by any ledger entry")
            continue
        if payload.get("role") != user.role:
            problems.append(f"{label}: role is {user.role!r} but the ledger recorded "
                            f"{payload.get('role')!r} (a role change outside the workbench)")
        credential = payload.get("credential")  # SHA-256 of the argon2 hash, see services.users
        if credential and credential != sha256_bytes(user.password_hash.encode()):
            problems.append(f"{label}: password hash differs from what ledger recorded")
    for name in sorted(recorded.keys() - {u.name for u in users}):
        problems.append(f"user {name!r}: recorded in the ledger but its row is missing")
    return problems


def check_heads(session, store: Store, against: list[tuple[str, SignedHead]],
                notes: list[str]) -> list[str]:
    """Each signed head (stored, and each given) against the entries it covers.

    Catches what the hash chain alone cannot: entries cut off the end of the ledger, entries
    rewritten consistently after a head was signed, two heads for one size (a fork), and
    heads not signed by a key the ledger vouches for.
    """
    from harvestwatch.store.timestamp import describe

    problems: list[str] = []
    size = session.scalar(select(func.max(LedgerEntry.seq))) or 0
    keys = {e.object_id for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.action == "key_create"))}
    own = load_key(store.settings.store_dir)
    if own is not None and own.key_id not in keys:
        problems.append(f"signing key {own.key_id[:16]} is not recorded in the ledger")
    heads = [(f"tree head {r.id} ({r.issued_at})", signed(r), True)
             for r in session.scalars(select(TreeHead).order_by(TreeHead.id))]
    given = [(name, head, False) for name, head in against]
    roots = roots_at(session, {h.tree_size for _, h, _ in heads + given})
    by_size: dict[int, tuple[str, str]] = {}
    for name, head, stored in heads + given:
        if problem := head.signature_problem(keys if stored else None):
            problems.append(f"{name}: {problem}")
        if not stored and head.key_id and keys and head.key_id not in keys:
            problems.append(f"{name}: signed by key {head.key_id[:16]}, which this store's ledger "
                            "does not vouch for")
        if head.tree_size > size:
            problems.append(f"{name} covers ledger entries 1..{head.tree_size} but the ledger ends "
                            f"at entry {size}: its tail was cut")
        elif head.tree_size in roots and roots[head.tree_size].hex() != head.root_hash:
            problems.append(f"{name}: ledger entries 1..{head.tree_size} no longer hash to its "
                            f"signed root {head.root_hash[:16]}: rewritten since it was signed, "
                            "or a fork")
        if (other := by_size.get(head.tree_size)) and other[1] != head.root_hash:
            problems.append(f"fork: {other[0]} and {name} sign the same {head.tree_size} entries "
                            "with different roots")
        by_size.setdefault(head.tree_size, (name, head.root_hash))
        if head.timestamp_token:
            try:
                info = describe(head.timestamp_token, base64.b64decode(head.signature))
            except ValueError as exc:
                problems.append(f"{name}: its timestamp token cannot be read ({exc})")
                continue
            if not info.imprint_ok:
                problems.append(f"{name}: its timestamp token is for other bytes than its signature")
    if not heads:
        notes.append("no signed tree head yet: run 'ledger checkpoint' and publish HEAD.json "
                     "so that a cut or rewritten ledger can be shown")
    if legacy := session.scalar(select(func.count()).select_from(Checkpoint)):
        notes.append(f"{legacy} unsigned checkpoint(s) from before RFC 6962 tree heads are not "
                     "checked; sign a head now ('ledger checkpoint')")
    return problems

