"""Batch ingest: inputs → original blobs → parsed documents → rows + custody entries.

Inputs are written in groups. A group's new blobs are stored first (atomically, in
parallel; each is durable before any row names it), then one transaction writes the group's
rows and ledger entries; if the database refuses a row, the group is written again input by
input, each in its own savepoint, so that only that input fails. A writer thread stores one
group (``GROUP_MAX`` inputs in order) while the parser processes go on, so a crash loses at
most the inputs of the groups not yet committed, and never part of a group. A batch
killed at any point and run again stores each input exactly once; blobs left without rows
are reused.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from harvestwatch.core.errors import EmptyInput, InputError, InputTooLarge
from harvestwatch.core.folding import fold_for_search
from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.ingest import ocr as ocr_mod
from harvestwatch.ingest import split
from harvestwatch.ingest.document import ParsedDocument
from harvestwatch.ingest.formats import complete_ocr, drop_unreadable, parse_bytes
from harvestwatch.ingest.passwords import unlock
from harvestwatch.ingest.url import fetch_to_warc, is_url
from harvestwatch.ingest.workers import DEFAULT_MEMORY, WorkerPool
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import fingerprint, text_hash
from harvestwatch.store.ingest_links import DocumentLink, IngestFailure, OcrPage
from harvestwatch.store.models import Document, DocumentTag, SearchText, Source, utcnow
from harvestwatch.store.sealed import digest

KINDS = ("news", "ngo_report", "testimony", "official_statement", "medical_paper",
         "hospital_page", "tribunal", "legislation", "other")
GROUP_MAX = 64  # inputs written in one transaction at most
PENDING_MAX = 4 * GROUP_MAX  # parsed inputs that may wait for the writer
BLOB_WRITERS = 8  # threads storing a group's blobs, so that their fsyncs overlap


@dataclass
class InputResult:
    """What happened to one input: stored, already present, or failed (with the reason)."""

    input: str
    status: str  # "stored" | "present" | "failed" | "skipped" (a folder entry not read)
    sha256: str | None = None
    document_ids: list[int] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        return {"input": self.input, "status": self.status, "sha256": self.sha256,
                "document_ids": self.document_ids, "error": self.error}


@dataclass
class IngestReport:
    results: list[InputResult] = field(default_factory=list)

    def by_status(self, status: str) -> list[InputResult]:
        return [r for r in self.results if r.status == status]

    @property
    def document_ids(self) -> list[int]:
        return [i for r in self.results for i in r.document_ids]

    def to_dict(self) -> dict:
        return {"stored": len(self.by_status("stored")), "present": len(self.by_status("present")),
                "failed": len(self.by_status("failed")), "skipped": len(self.by_status("skipped")),
                "results": [r.to_dict() for r in self.results]}


@dataclass(frozen=True)
class Input:
    """One input: ``path`` to open (may hold undecodable bytes) and its printable ``name``."""

    path: str
    name: str


def printable_name(path: str) -> str:
    """A file name as a UTF-8-safe string: bytes that are not UTF-8 become ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace") if not is_url(path) else path


def escape_for_terminal(text: str) -> str:
    """``text`` with newlines, escape sequences and other controls shown as escapes."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in text)


@dataclass
class Expanded:
    """Inputs to read, in order, and the folder entries skipped with why."""

    inputs: list[Input] = field(default_factory=list)
    skipped: list[InputResult] = field(default_factory=list)


def _special(mode: int) -> str | None:
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((what for test, what in kinds if test(mode)), None)


def walk_inputs(inputs: Iterable[str], exclude: Path | None = None,
                names: dict[str, str] | None = None) -> Expanded:
    """Files as given, folders walked (sorted, hidden entries left out), URLs kept.

    A walk never follows a symbolic link (to a file or a folder, inside the folder or out of
    it) and never opens a pipe, socket or device: each is reported as skipped. Files under
    ``exclude`` (the store's own directory) are left out, so ingesting a folder that holds
    the store does not ingest its database and blobs.
    """
    skip = exclude.resolve() if exclude is not None else None
    out = Expanded()

    def walk(folder: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            out.skipped.append(InputResult(printable_name(folder), "skipped",
                                           error=f"folder cannot be read ({exc.strerror})"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = entry.path
            try:
                if entry.is_symlink():
                    target = os.readlink(path)
                    out.skipped.append(InputResult(
                        printable_name(path), "skipped",
                        error=f"symbolic link to {printable_name(target)}, not followed"))
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                out.skipped.append(InputResult(printable_name(path), "skipped",
                                               error=f"cannot be read ({exc.strerror})"))
                continue
            if stat.S_ISDIR(mode):
                if skip is None or not Path(path).resolve().is_relative_to(skip):
                    walk(path)
            elif stat.S_ISREG(mode):
                if skip is not None and Path(path).resolve().is_relative_to(skip):
                    continue
                if first := split.first_part_of(path):
                    out.skipped.append(InputResult(
                        printable_name(path), "skipped",
                        error=f"a later part of the split archive {printable_name(first)}, "
                              "read with its first part"))
                else:
                    out.inputs.append(Input(path, printable_name(path)))
            else:
                out.skipped.append(InputResult(printable_name(path), "skipped",
                                               error=f"{_special(mode) or 'not a regular file'}, "
                                                     "not read"))

    for item in inputs:
        item = os.fsdecode(item) if isinstance(item, bytes) else str(item)
        if not is_url(item) and os.path.isdir(item):
            walk(item)
        else:
            out.inputs.append(Input(item, (names or {}).get(item) or printable_name(item)))
    return out


def expand_inputs(inputs: Iterable[str], exclude: Path | None = None) -> list[str]:
    """The printable names of what ``walk_inputs`` would read (for counting and listing)."""
    return [i.name for i in walk_inputs(inputs, exclude).inputs]


@dataclass
class _Parsed:
    input: str
    sha256: str | None = None
    data: bytes | None = None
    docs: list[ParsedDocument] | None = None  # None: the source was stored when the batch began
    hashes: list[tuple[str, str]] = field(default_factory=list)  # (bytes, text) sha256 per doc
    error: str | None = None
    path: str | None = None


def _read(item: str, max_bytes: int) -> bytes:
    if is_url(item):
        return fetch_to_warc(item, max_bytes=max_bytes)
    name = printable_name(item)
    if first := split.first_part_of(item):
        raise InputError(name, f"a later part of a split archive: ingest its first part "
                               f"{printable_name(first)} (the parts are read together)")
    try:
        st = os.stat(item)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else _special(st.st_mode)
        raise InputError(name, f"not a regular file ({what or 'special file'})")
    if st.st_size == 0:
        raise EmptyInput(name, "empty file (0 bytes)")
    if st.st_size > max_bytes:
        raise InputTooLarge(name, f"{st.st_size:,} bytes is over the {max_bytes:,}-byte cap")
    try:
        with open(item, "rb") as fh:
            return fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror})") from None


def _parse_name(item: Input) -> str:
    """The name the format parser sees: fetched URLs are WARC records."""
    return item.name + ".warc" if is_url(item.path) else item.name


def _reason(exc: InputError) -> str:
    reason = escape_for_terminal(" ".join(str(exc.reason).split()))
    return reason or f"{type(exc).__name__} (no detail given)"


def _parse_one(item: Input, max_bytes: int, known: frozenset[str] = frozenset(),
               ocr: str = "inline", passwords: tuple[str, ...] = ()) -> _Parsed:
    try:
        parts = split.parts_of(item.path) if not is_url(item.path) else None
        if parts:
            data, joined = split.read_parts(parts, item.name, max_bytes)
        else:
            data, joined = _read(item.path, max_bytes), None
        sha = sha256_bytes(data)
        if sha in known:
            return _Parsed(item.name, sha, data, path=item.path)
        unlocked = unlock(data, item.name, passwords)  # the original stays as received
        docs = parse_bytes(unlocked.data if unlocked else data, source=_parse_name(item),
                           max_bytes=max_bytes, ocr=ocr)
        if unlocked:
            for d in docs:
                d.metadata["opened_with"] = f"a password given at ingest ({unlocked.what})"
        if joined:
            docs[0].metadata["joined_from"] = joined
        parsed = _Parsed(item.name, sha, data, docs, path=item.path)
        if not any(d.ocr_jobs for d in docs):
            _hash(parsed)
        return parsed
    except InputError as exc:
        return _Parsed(item.name, error=_reason(exc), path=item.path)
    except RecursionError:
        return _Parsed(item.name, error="nested too deeply to parse", path=item.path)
    except MemoryError:
        return _Parsed(item.name, error="ran out of its memory budget while parsing",
                       path=item.path)
    except Exception as exc:  # a parser bug must not stop the batch
        detail = escape_for_terminal(str(exc).split("\n")[0][:160])
        return _Parsed(item.name, error=f"could not be parsed ({type(exc).__name__}: {detail})",
                       path=item.path)


def _hash(p: _Parsed) -> None:
    assert p.docs is not None
    p.hashes = [(p.sha256 if d.raw is p.data else sha256_bytes(d.raw), text_hash(d.text))
                for d in p.docs]


_known: frozenset[str] = frozenset()  # the sources stored when the batch began (forked workers
# inherit it, so it is not sent with every task)
_passwords: tuple[str, ...] = ()  # passwords given for protected files (inherited the same way)


def _parse_task(item: Input, max_bytes: int) -> _Parsed:
    return _parse_one(item, max_bytes, _known, ocr="defer", passwords=_passwords)


@dataclass
class Limits:
    """Per-input budgets: seconds to parse a file, seconds per OCR page, worker memory; and
    the passwords to try on protected PDF and Office files (``ingest.passwords``)."""

    file_timeout: float = 300.0
    page_timeout: float = ocr_mod.PAGE_TIMEOUT
    memory: int | None = DEFAULT_MEMORY
    passwords: tuple[str, ...] = ()


class _OcrState:
    """The OCR pages still out for one parsed input."""

    def __init__(self, parsed: _Parsed):
        self.parsed = parsed
        self.results: dict[tuple[int, int], object] = {}
        self.waiting: dict[int, list] = {}  # doc index → jobs held until its first page is read
        self.pending = 0


def _parsed_stream(items: list[Input], max_bytes: int, workers: int, known: frozenset[str],
                   limits: Limits, on_page: Callable[[str, int, int], None] | None
                   ) -> Iterator[list[_Parsed]]:
    """Parsed inputs in order, in groups of what is ready (see the module docstring).

    Files are parsed in the worker pool; their OCR pages go back to the pool, ahead of the
    files still waiting, and a document is complete once its last page is read.
    """
    if not items:
        return
    done: dict[int, _Parsed] = {}
    ocr_states: dict[int, _OcrState] = {}
    next_submit = next_yield = 0
    window = max(2 * GROUP_MAX, 4 * workers)
    page_limit = limits.page_timeout + 30

    global _known, _passwords
    _known, _passwords = known, tuple(limits.passwords)
    with WorkerPool(workers, limits.memory) as pool:
        def submit_files() -> None:
            nonlocal next_submit
            while next_submit < len(items) and next_submit - next_yield < window \
                    and pool.busy < 2 * workers:
                pool.submit(("parse", next_submit), _parse_task,
                            (items[next_submit], max_bytes), limits.file_timeout)
                next_submit += 1

        def start_ocr(index: int, parsed: _Parsed) -> None:
            state = ocr_states[index] = _OcrState(parsed)
            for d, doc in enumerate(parsed.docs or []):
                if not doc.ocr_jobs:
                    continue
                first, *rest = doc.ocr_jobs
                state.waiting[d] = rest
                state.pending += len(doc.ocr_jobs)
                pool.submit(("ocr", index, d, first.page), ocr_mod.ocr_page,
                            (first, limits.page_timeout), page_limit, first=True)

        def page_done(index: int, d: int, page: int, result) -> None:
            state = ocr_states[index]
            state.results[(d, page)] = result
            state.pending -= 1
            if on_page:
                doc = state.parsed.docs[d]
                on_page(state.parsed.input, len([k for k in state.results if k[0] == d]),
                        len(doc.ocr_jobs))
            rest = state.waiting.pop(d, [])
            lang = None if getattr(result, "error", None) else getattr(result, "lang", None)
            for job in reversed(rest):
                job.lang = lang or ocr_mod.DEFAULT_LANG
                pool.submit(("ocr", index, d, job.page), ocr_mod.ocr_page,
                            (job, limits.page_timeout), page_limit, first=True)
            if state.pending == 0:
                done[index] = _finish_ocr(state)
                del ocr_states[index]

        submit_files()
        while next_yield < len(items):
            for outcome in pool.outcomes():
                key = outcome.key
                if key[0] == "parse":
                    index = key[1]
                    if not outcome.ok:
                        done[index] = _Parsed(items[index].name, error=outcome.error,
                                              path=items[index].path)
                    elif outcome.value.docs and any(d.ocr_jobs for d in outcome.value.docs):
                        start_ocr(index, outcome.value)
                    else:
                        done[index] = outcome.value
                else:
                    _, index, d, page = key
                    result = outcome.value if outcome.ok else ocr_mod.PageOcr(
                        page, 0, 0, 0, ocr_mod.DEFAULT_LANG, error=outcome.error)
                    page_done(index, d, page, result)
            group = []
            while next_yield in done and len(group) < GROUP_MAX:
                group.append(done.pop(next_yield))
                next_yield += 1
            submit_files()
            if group:
                yield group


def _finish_ocr(state: _OcrState) -> _Parsed:
    """Fill each document from its OCRed pages; drop members that gave no text."""
    parsed = state.parsed
    docs = parsed.docs or []
    failures: dict[int, str] = {}
    for d, doc in enumerate(docs):
        if not doc.ocr_jobs:
            continue
        results = {page: r for (i, page), r in state.results.items() if i == d}
        try:
            complete_ocr(doc, results, doc.member or parsed.input)
        except InputError as exc:
            if doc.parent is None:
                return _Parsed(parsed.input, error=_reason(exc), path=parsed.path)
            failures[d] = exc.reason
    parsed.docs = drop_unreadable(docs, failures)
    _hash(parsed)
    return parsed


def ingest_paths(store: Store, inputs: Iterable[str], *, kind: str = "other",
                 tags: Iterable[str] = (), restricted: bool = False, workers: int = 1,
                 actor: str | None = None, limits: Limits | None = None,
                 on_result: Callable[[InputResult], None] | None = None,
                 on_page: Callable[[str, int, int], None] | None = None,
                 names: dict[str, str] | None = None) -> IngestReport:
    """Ingest files, folders and URLs; each input's outcome is reported, none stops the batch.

    Every input ends stored, present (already in the store) or failed with a one-line reason;
    folder entries that are not read (links, pipes, devices) are reported as skipped. Failed
    inputs are remembered for ``retry_failed``; ``on_page`` is told of each OCRed page;
    ``names`` gives inputs (by path) the name to store them under.
    """
    if kind not in KINDS:
        raise InputError(kind, f"unknown kind; expected one of {', '.join(KINDS)}")
    actor = actor or store.settings.actor
    if restricted:
        store.cipher.ready_to_seal()  # unlock (or make) the store key before reading anything
    tags = sorted(set(tags))
    expanded = walk_inputs(inputs, exclude=store.settings.store_dir, names=names)
    with store.session() as session:
        known = frozenset(session.scalars(select(Source.blob_sha256)))
        failed_before = set(session.scalars(select(IngestFailure.path)))
    report = IngestReport()
    for result in expanded.skipped:
        report.results.append(result)
        if on_result:
            on_result(result)
    def write(group: list[_Parsed]) -> list[InputResult]:
        results = _store_group(store, writers, group, kind=kind, tags=tags,
                               restricted=restricted, actor=actor)
        _remember_failures(store, group, results, failed_before, restricted)
        return results

    def collect(future: Future) -> None:
        for result in future.result():
            report.results.append(result)
            if on_result:
                on_result(result)

    # One thread writes a group (GROUP_MAX inputs in order, fewer at the end) while this one
    # keeps the parsers busy; what they finish in the meantime waits in ``pending``.
    pending: list[_Parsed] = []
    writing: Future | None = None
    with ThreadPoolExecutor(BLOB_WRITERS) as writers, ThreadPoolExecutor(1) as writer:
        stream = _parsed_stream(expanded.inputs, store.settings.max_bytes, max(1, workers),
                                known, limits or Limits(), on_page)
        for group in itertools.chain(stream, [None]):
            pending.extend(group or [])
            while len(pending) >= GROUP_MAX or (group is None and (pending or writing is not None)):
                if writing is not None:
                    if not (writing.done() or group is None or len(pending) >= PENDING_MAX):
                        break  # the writer is busy: parse on
                    collect(writing)
                    writing = None
                if len(pending) >= GROUP_MAX or (group is None and pending):
                    writing = writer.submit(write, pending[:GROUP_MAX])
                    del pending[:GROUP_MAX]
    return report


def _remember_failures(store: Store, group: list[_Parsed], results: list[InputResult],
                       failed_before: set[bytes], restricted: bool = False) -> None:
    """Record failed inputs for ``retry_failed``; forget those stored or present now.

    A restricted input's failure is reported but not recorded: its path and reason would
    name it in clear (retry it with ``ingest --restricted`` again)."""
    todo = [(os.fsencode(p.path or p.input), r) for p, r in zip(group, results, strict=True)]
    todo = [(key, r) for key, r in todo if (r.status == "failed" and not restricted)
            or (key in failed_before and r.status != "failed")]
    if not todo:
        return
    with store.session() as session:
        for key, r in todo:
            failed_before.add(key)
            row = session.scalar(select(IngestFailure).where(IngestFailure.path == key))
            if r.status == "failed":
                if row is None:
                    session.add(IngestFailure(path=key, name=r.input, reason=r.error or "failed"))
                else:
                    row.reason, row.at = r.error or "failed", utcnow()
            elif row is not None:
                session.delete(row)


def failed_inputs(store: Store) -> list[InputResult]:
    """The inputs whose last ingest failed, with their reasons, oldest first."""
    with store.session() as session:
        return [InputResult(f.name, "failed", error=f.reason)
                for f in session.scalars(select(IngestFailure).order_by(IngestFailure.id))]


def retry_failed(store: Store, **options) -> IngestReport:
    """Ingest again every input whose last ingest failed (see ``ingest_paths``)."""
    with store.session() as session:
        paths = [os.fsdecode(bytes(f.path)) for f in
                 session.scalars(select(IngestFailure).order_by(IngestFailure.id))]
    return ingest_paths(store, paths, **options)


def _store_group(store: Store, writers: Executor, group: list[_Parsed], *, kind: str,
                 tags: list[str], restricted: bool, actor: str) -> list[InputResult]:
    """Store one group: its new blobs (in parallel), then its rows in one transaction."""
    with store.session() as session:
        ledger.lock_head(session)  # one writer at a time from here to commit
        present = _document_ids(session, [p.sha256 for p in group if p.error is None])
        for i, p in enumerate(group):
            if p.error is None and p.docs is None and p.sha256 not in present:
                group[i] = _parse_one(Input(p.path or p.input, p.input),  # its row is gone since
                                      store.settings.max_bytes, passwords=_passwords)
        new: dict[str, _Parsed] = {}  # the first input with each new sha256
        for p in group:
            if p.error is None and p.sha256 not in present:
                new.setdefault(p.sha256, p)
        blobs = {sha: data for p in new.values() for sha, data in _blobs(p).items()}
        list(writers.map(lambda data: store.blobs.put(data, encrypt=restricted), blobs.values()))
        added = _add_rows(session, store, list(new.values()), kind=kind, tags=tags,
                          restricted=restricted, actor=actor)
    results = []
    for p in group:
        if p.error is not None:
            results.append(InputResult(p.input, "failed", error=p.error))
        elif p.sha256 in present:
            results.append(InputResult(p.input, "present", p.sha256, present[p.sha256]))
        elif isinstance(added[p.sha256], str):
            results.append(InputResult(p.input, "failed", p.sha256, error=added[p.sha256]))
        else:  # stored now, by this input or by one with the same bytes earlier in the group
            status = "stored" if new[p.sha256] is p else "present"
            results.append(InputResult(p.input, status, p.sha256, added[p.sha256]))
    return results


def _blobs(p: _Parsed) -> dict[str, bytes]:
    """An input's blobs by sha256: its bytes as received and those of each document in it."""
    assert p.data is not None and p.docs is not None
    return {p.sha256: p.data} | {sha: d.raw for (sha, _), d in zip(p.hashes, p.docs, strict=True)}


def _slices(values: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """Distinct values in slices small enough for one ``IN (...)``."""
    distinct = sorted(set(values))
    return (distinct[i:i + size] for i in range(0, len(distinct), size))


def _document_ids(session: Session, shas: Iterable[str]) -> dict[str, list[int]]:
    """The document ids of each source among ``shas`` that is stored already."""
    out: dict[str, list[int]] = {}
    for part in _slices(shas):
        for sha, doc_id in session.execute(
                select(Source.blob_sha256, Document.id)
                .outerjoin(Document, Document.source_id == Source.id)
                .where(Source.blob_sha256.in_(part)).order_by(Document.id)):
            out.setdefault(sha, []).extend([doc_id] if doc_id is not None else [])
    return out


def _first_ids(session: Session, column, values: Iterable[str]) -> dict[str, int]:
    """The first document id for each of ``values`` found in the documents' ``column``."""
    out: dict[str, int] = {}
    for part in _slices(values):
        out.update(session.execute(select(column, func.min(Document.id))
                                   .where(column.in_(part)).group_by(column)).all())
    return out


def _add_rows(session: Session, store: Store, inputs: list[_Parsed],
              **how) -> dict[str, list[int] | str]:
    """Rows and ledger entries for ``inputs``: by sha256, the document ids or why it failed.

    All inputs go in one savepoint; if that fails, each goes in its own, so that a failure
    rolls back that input only and the others are stored.
    """
    try:
        with session.begin_nested():
            return _add_sources(session, store, inputs, **how)
    except (DataError, IntegrityError) as exc:  # a value the database refuses
        if len(inputs) == 1:
            return {inputs[0].sha256: f"could not be stored ({exc.orig})"}
    return {sha: out for p in inputs for sha, out in _add_rows(session, store, [p], **how).items()}


def _add_sources(session: Session, store: Store, inputs: list[_Parsed], *, kind: str,
                 tags: list[str], restricted: bool, actor: str) -> dict[str, list[int]]:
    hashes = [h for p in inputs for h in p.hashes]
    by_sha: dict[str, int | Document] = _first_ids(session, Document.sha256,
                                                   [sha for sha, _ in hashes])
    first: dict[str, int | Document] = _first_ids(session, Document.text_sha256,
                                                  [t for _, t in hashes])
    added: list[tuple[_Parsed, list[Document]]] = []
    for p in inputs:
        assert p.data is not None and p.docs is not None
        source = Source(blob_sha256=p.sha256, name=p.input, size=len(p.data), kind=kind,
                        restricted=restricted, actor=actor)
        session.add(source)
        rows = []
        for index, (doc, (doc_sha, t_hash)) in enumerate(zip(p.docs, p.hashes, strict=True)):
            if doc_sha in by_sha:
                continue  # the same document bytes arrived inside another input
            row = _document(store, source, index, doc, doc_sha, t_hash, kind, tags, restricted)
            by_sha[doc_sha] = row
            first.setdefault(t_hash, row)
            rows.append(row)
        session.add_all(rows)
        added.append((p, rows))
    session.flush()  # one INSERT per table for the lot; ids are known from here

    def doc_id(sha: str) -> int:
        ref = by_sha[sha]
        return ref if isinstance(ref, int) else ref.id

    for p, rows in added:
        name = {"name_sha256": digest(p.input)} if restricted else {"name": p.input}
        ledger.append(session, actor=actor, action="ingest", object_type="source",
                      object_id=p.sha256, payload=name | {"size": len(p.data), "kind": kind,
                                                          "restricted": restricted})
        mine = {row.sha256 for row in rows}
        links = _links(p, doc_id)
        for doc, (doc_sha, _) in zip(p.docs, p.hashes, strict=True):
            if doc_sha not in mine:
                continue
            mine.discard(doc_sha)  # the same bytes twice in one input: one row, written once
            row = by_sha[doc_sha]
            twin = first[row.text_sha256]
            if twin is not row:  # the first document with the same text
                row.near_duplicate_of = twin if isinstance(twin, int) else twin.id
            if not restricted:
                session.add(SearchText(document_id=row.id, title=fold_for_search(row.title or ""),
                                       body=fold_for_search(row.text)))
            for page in doc.ocr_pages:
                session.add(OcrPage(document_id=row.id, **page))
            payload = {"source": p.sha256, "document_id": row.id,
                       "text_sha256": row.text_sha256, "fingerprint": fingerprint(row),
                       "near_duplicate_of": row.near_duplicate_of}
            parent = links.get(row.id)
            if parent is not None:
                payload["parent"] = {"document_id": parent.parent_id, "relation": parent.relation}
                payload["parent"] |= ({"name_sha256": digest(parent.name)} if restricted
                                      else {"name": parent.name})
            if doc.ocr_pages:
                payload["ocr"] = doc.metadata.get("ocr")
            ledger.append(session, actor=actor, action="ingest", object_type="document",
                          object_id=row.sha256, payload=payload)
        _add_links(session, links.values())
    return {p.sha256: [row.id for row in rows] for p, rows in added}


def _links(p: _Parsed, doc_id: Callable[[str], int]) -> dict[int, DocumentLink]:
    """The parent link of each document of ``p`` that came inside another, by child id."""
    out: dict[int, DocumentLink] = {}
    for doc, (doc_sha, _) in zip(p.docs or [], p.hashes, strict=True):
        if doc.parent is None:
            continue
        parent, child = doc_id(p.hashes[doc.parent][0]), doc_id(doc_sha)
        if parent != child and child not in out:
            out[child] = DocumentLink(parent_id=parent, child_id=child,
                                      relation=doc.relation or "member", name=doc.member)
    return out


def _add_links(session: Session, links: Iterable[DocumentLink]) -> None:
    links = list(links)
    if not links:
        return
    existing = set(session.execute(select(DocumentLink.parent_id, DocumentLink.child_id).where(
        DocumentLink.child_id.in_([link.child_id for link in links]))).all())
    session.add_all(link for link in links if (link.parent_id, link.child_id) not in existing)


def _document(store: Store, source: Source, index: int, doc: ParsedDocument, doc_sha: str,
              t_hash: str, kind: str, tags: list[str], restricted: bool) -> Document:
    row = Document(
        sha256=doc_sha, source=source, record_index=doc.metadata.get("warc_record_index", index),
        title=doc.title, author=doc.author, published=doc.published, site=doc.site, url=doc.url,
        language=doc.language, mime=doc.mime, kind=kind, restricted=restricted,
        text=doc.text,  # sealed with the other fields of a restricted row (store.sealed)
        text_sha256=t_hash, text_length=len(doc.text), pages=[list(p) for p in doc.pages],
        meta=doc.metadata)
    row.tags = [DocumentTag(tag=t) for t in tags]
    return row
