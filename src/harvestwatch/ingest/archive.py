"""Archives (.zip, .7z, .rar, .tar, .tar.gz/.bz2/.xz, .gz): members become child documents.

The archive itself becomes a document whose text lists its members (and says which were
skipped and why); each member is parsed as an input of its own, recursively, under limits
shared by every level (``formats.Nest``): depth, member count, total expanded size, and an
expansion ratio per member. A bomb is refused as a whole; an encrypted or unreadable member
is reported in the listing and the rest is kept. RAR is read with ``lsar``/``unar`` (Debian
package unar) run under ``ingest.tools`` limits.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from harvestwatch.core.errors import (
    CorruptInput,
    DecompressionBomb,
    EmptyInput,
    InputError,
    UnsupportedFormat,
)
from harvestwatch.ingest.document import ParsedDocument, adopt

MAX_RATIO = 100  # a member may expand this many times its packed size...
RATIO_FREE = 8 * 1024 * 1024  # ...once it is over this size
_CHUNK = 1 << 20


@dataclass
class Member:
    """One archive entry: its name, sizes, and either its bytes or why it was not read."""

    name: str
    size: int
    packed: int
    data: bytes | None = None
    skipped: str | None = None


class _Budget:
    """Expanded bytes of one input across nesting levels; raises when a limit is passed."""

    def __init__(self, nest, source: str):
        self.nest, self.source = nest, source

    def member(self) -> None:
        self.nest.members += 1
        if self.nest.members > self.nest.max_members:
            raise DecompressionBomb(self.source, f"over {self.nest.max_members:,} archive "
                                                 "members in all; refused as an archive bomb")

    def grow(self, n: int, name: str, expanded: int, packed: int) -> None:
        self.nest.expanded += n
        if self.nest.expanded > self.nest.max_expanded:
            raise DecompressionBomb(self.source, f"archive contents expand beyond "
                                                 f"{self.nest.max_expanded:,} bytes in all "
                                                 "(an archive bomb?); refused")
        if expanded > RATIO_FREE and expanded > MAX_RATIO * max(packed, 1):
            raise DecompressionBomb(self.source, f"member {name!r} expands over {MAX_RATIO}× its "
                                                 f"{packed:,} packed bytes (a zip bomb); refused")


def _read_stream(stream, budget: _Budget, name: str, packed: int, max_bytes: int) -> bytes:
    out = bytearray()
    while chunk := stream.read(_CHUNK):
        out.extend(chunk)
        budget.grow(len(chunk), name, len(out), packed)
        if len(out) > max_bytes:
            raise InputTooBig(name, max_bytes)
    return bytes(out)


class InputTooBig(Exception):
    def __init__(self, name: str, max_bytes: int):
        super().__init__(f"over the {max_bytes:,}-byte cap")


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member names not flagged UTF-8 are often GBK (Chinese Windows); zipfile reads cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _zip_members(data: bytes, source: str, budget: _Budget, max_bytes: int) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptInput(source, f"damaged ZIP archive ({str(exc)[:80]})") from None
    for info in infos:
        if info.is_dir():
            continue
        budget.member()
        name = _zip_name(info)
        member = Member(name, info.file_size, info.compress_size)
        if info.flag_bits & 0x1:
            member.skipped = "encrypted member: a password is needed to read it"
        elif info.file_size > RATIO_FREE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DecompressionBomb(source, f"member {name!r} declares {info.file_size:,} bytes "
                                            f"from {info.compress_size:,} (a zip bomb); refused")
        else:
            try:
                with zf.open(info) as stream:
                    member.data = _read_stream(stream, budget, name, info.compress_size, max_bytes)
            except InputTooBig as exc:
                member.skipped = str(exc)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
                    RuntimeError, ValueError) as exc:
                member.skipped = f"cannot be unpacked ({_brief(exc)})"
        yield member


def _tar_members(data: bytes, source: str, budget: _Budget, max_bytes: int) -> Iterator[Member]:
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise CorruptInput(source, f"damaged tar archive ({_brief(exc)})") from None
    try:
        while True:
            try:
                info = tf.next()
            except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
                raise CorruptInput(source, f"damaged tar archive ({_brief(exc)})") from None
            if info is None:
                return
            if info.isdir():
                continue
            budget.member()
            member = Member(info.name, info.size, info.size)
            if not info.isfile():
                kind = "link" if info.issym() or info.islnk() else "special file"
                member.skipped = f"{kind}, not a regular file"
            else:
                stream = tf.extractfile(info)
                try:
                    member.data = _read_stream(stream, budget, info.name, len(data), max_bytes)
                except InputTooBig as exc:
                    member.skipped = str(exc)
                except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                    member.skipped = f"cannot be unpacked ({_brief(exc)})"
            yield member
    finally:
        tf.close()


def _7z_members(data: bytes, source: str, budget: _Budget, max_bytes: int) -> Iterator[Member]:
    import py7zr
    from py7zr.io import Py7zIO, WriterFactory

    class _Sink(Py7zIO):
        def __init__(self, name: str):
            self.name, self.buf = name, io.BytesIO()

        def write(self, s):
            budget.grow(len(s), self.name, self.buf.tell() + len(s), packed)
            if self.buf.tell() + len(s) > max_bytes:
                raise InputTooBig(self.name, max_bytes)
            return self.buf.write(s)

        def read(self, size=None):
            return self.buf.read(size)

        def seek(self, offset, whence=0):
            return self.buf.seek(offset, whence)

        def flush(self):
            return None

        def size(self):
            return self.buf.getbuffer().nbytes

    class _Factory(WriterFactory):
        def __init__(self):
            self.sinks: dict[str, _Sink] = {}

        def create(self, filename):
            self.sinks[filename] = sink = _Sink(filename)
            return sink

    packed = len(data)
    try:
        archive = py7zr.SevenZipFile(io.BytesIO(data))
        infos = [i for i in archive.list() if not i.is_directory]
        encrypted = archive.needs_password()
    except py7zr.PasswordRequired:
        raise UnsupportedFormat(source, "7z archive with encrypted names: a password is needed "
                                        "to read it") from None
    except (py7zr.Bad7zFile, OSError, EOFError, KeyError, ValueError, TypeError, lzma.LZMAError,
            IndexError) as exc:
        if re.search(r"\.(7z\.)?0*1$", source):
            raise CorruptInput(source, "first part of a split 7z archive: join the parts "
                                       "(cat name.7z.0* > name.7z) and ingest that") from None
        raise CorruptInput(source, f"damaged 7z archive ({_brief(exc)})") from None
    for _ in infos:
        budget.member()
    declared = sum(i.uncompressed or 0 for i in infos)
    if declared > RATIO_FREE and declared > MAX_RATIO * packed:
        raise DecompressionBomb(source, f"7z archive declares {declared:,} bytes from {packed:,} "
                                        "(an archive bomb); refused")
    if encrypted:
        for info in infos:
            yield Member(info.filename, info.uncompressed or 0, 0,
                         skipped="encrypted member: a password is needed to read it")
        return
    factory = _Factory()
    error = None
    try:
        archive.extractall(factory=factory)
    except InputTooBig as exc:
        error = str(exc)
    except DecompressionBomb:
        raise
    except Exception as exc:  # py7zr raises many types on damaged data
        error = f"cannot be unpacked ({_brief(exc)})"
    finally:
        archive.close()
    for info in infos:
        sink = factory.sinks.get(info.filename)
        member = Member(info.filename, info.uncompressed or 0, 0)
        if sink is not None and (error is None or sink.size() == (info.uncompressed or 0)):
            member.data = sink.buf.getvalue()
        else:
            member.skipped = error or "not unpacked"
        yield member


RAR_MAGIC = (b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01")


def _rar_members(data: bytes, source: str, budget: _Budget, max_bytes: int) -> Iterator[Member]:
    """RAR (v1.5 to 5): listed by ``lsar -j``, regular unencrypted files unpacked by ``unar``."""
    import tempfile

    from harvestwatch.ingest.tools import failure, require, run_tool

    lsar = require("lsar", source, "RAR archive")
    unar = require("unar", source, "RAR archive")
    with tempfile.TemporaryDirectory(prefix="hw-rar-") as tmp:
        archive = Path(tmp) / "input.rar"
        archive.write_bytes(data)
        listed = run_tool([lsar, "-j", str(archive)], source)
        try:
            entries = json.loads(listed.stdout)["lsarContents"] if listed.returncode == 0 else None
        except (ValueError, KeyError, TypeError):
            entries = None
        if entries is None:
            raise failure(listed, source, "RAR archive")
        if not entries:
            raise CorruptInput(source, "damaged RAR archive (no member could be listed)")
        files = [e for e in entries if not e.get("XADIsDirectory")]
        members, wanted = [], []
        for entry in files:
            budget.member()
            name = str(entry.get("XADFileName") or f"member-{entry.get('XADIndex')}")
            size, packed = int(entry.get("XADFileSize") or 0), int(entry.get("XADCompressedSize") or 0)
            member = Member(name, size, packed)
            if entry.get("XADIsLink"):  # listed with its target, never followed (as in tar)
                member.skipped = (f"symbolic link to {entry.get('XADLinkDestination')!s:.120}, "
                                  "not followed")
            elif entry.get("XADIsEncrypted"):
                member.skipped = "encrypted member: a password is needed to read it"
            elif size > max_bytes:
                member.skipped = f"over the {max_bytes:,}-byte cap"
            elif size > RATIO_FREE and size > MAX_RATIO * max(packed, 1) and not entry.get(
                    "XADIsSolid"):
                raise DecompressionBomb(source, f"member {name!r} declares {size:,} bytes from "
                                                f"{packed:,} (an archive bomb); refused")
            else:
                wanted.append((member, str(entry.get("XADIndex"))))
            members.append(member)
        declared = sum(m.size for m, _ in wanted)
        if budget.nest.expanded + declared > budget.nest.max_expanded:
            raise DecompressionBomb(source, f"archive contents expand beyond "
                                            f"{budget.nest.max_expanded:,} bytes in all "
                                            "(an archive bomb?); refused")
        if declared > RATIO_FREE and declared > MAX_RATIO * len(data):
            raise DecompressionBomb(source, f"RAR archive declares {declared:,} bytes from "
                                            f"{len(data):,} (an archive bomb); refused")
        out = Path(tmp) / "out"
        error = None
        if wanted:
            done = run_tool([unar, "-q", "-f", "-D", "-nr", "-o", str(out), "-i", str(archive),
                             *[index for _, index in wanted]], source, file_size=max_bytes + 1)
            if done.returncode != 0:
                error = failure(done, source, "RAR member").reason
        for member, _ in wanted:
            path = out / member.name
            if ".." in PurePosixPath(member.name).parts or not path.is_file() or \
                    not os.path.realpath(path).startswith(os.path.realpath(out) + os.sep):
                member.skipped = error or "not unpacked"
                continue
            with open(path, "rb") as stream:
                try:
                    member.data = _read_stream(stream, budget, member.name, member.packed, max_bytes)
                except InputTooBig as exc:
                    member.skipped = str(exc)
            if error and len(member.data or b"") != member.size:
                member.data, member.skipped = None, error
        yield from members


def _single_members(data: bytes, source: str, budget: _Budget, max_bytes: int,
                    opener) -> Iterator[Member]:
    name = PurePosixPath(source.split("!")[-1]).name
    for ext in (".gz", ".tgz", ".bz2", ".xz", ".lzma"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)] + (".tar" if ext == ".tgz" else "")
            break
    budget.member()
    member = Member(name or "content", 0, len(data))
    try:
        with opener(io.BytesIO(data)) as stream:
            member.data = _read_stream(stream, budget, member.name, len(data), max_bytes)
            member.size = len(member.data)
    except InputTooBig as exc:
        member.skipped = str(exc)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        raise CorruptInput(source, f"damaged compressed file ({_brief(exc)})") from None
    yield member


def _gzip(fileobj) -> gzip.GzipFile:
    return gzip.GzipFile(fileobj=fileobj)


def _brief(exc: BaseException) -> str:
    text = str(exc).split("\n", 1)[0] or type(exc).__name__
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:100]


def _decompressed_head(data: bytes, opener) -> bytes:
    try:
        with opener(io.BytesIO(data)) as stream:
            return stream.read(512)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError):
        return b""


def parse_archive(data: bytes, source: str, max_bytes: int, nest) -> list[ParsedDocument]:
    """The archive's listing document, then each member's documents as its children."""
    from harvestwatch.ingest.formats import parse_payload

    head = data[:512]
    if nest.depth >= nest.max_depth:
        raise DecompressionBomb(source, f"archives nested over {nest.max_depth} deep; refused")
    budget = _Budget(nest, source)
    kind, mime = "ZIP", "application/zip"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        kind, mime, members = "7z", "application/x-7z-compressed", _7z_members(
            data, source, budget, max_bytes)
    elif head.startswith(RAR_MAGIC):
        kind, mime = "RAR", "application/vnd.rar"
        members = _rar_members(data, source, budget, max_bytes)
    elif head.startswith(b"PK"):
        members = _zip_members(data, source, budget, max_bytes)
    elif len(data) > 262 and data[257:262] == b"ustar":
        kind, mime, members = "tar", "application/x-tar", _tar_members(data, source, budget, max_bytes)
    else:
        opener = {b"\x1f\x8b": _gzip, b"BZ": bz2.BZ2File}.get(head[:2], lzma.LZMAFile)
        inner = _decompressed_head(data, opener)
        if opener is _gzip and inner.startswith((b"WARC/", b"filedesc://")):
            from harvestwatch.ingest.formats.warc import parse_warc

            return parse_warc(data, source, max_bytes)
        if len(inner) > 262 and inner[257:262] == b"ustar":
            kind, mime = "tar", "application/x-tar"
            members = _tar_members(data, source, budget, max_bytes)
        else:
            kind, mime = "compressed", {_gzip: "application/gzip",
                                        bz2.BZ2File: "application/x-bzip2"}.get(opener, "application/x-xz")
            members = _single_members(data, source, budget, max_bytes, opener)
    docs = [ParsedDocument(text="", raw=data, mime=mime, title=PurePosixPath(
        source.split("!")[-1]).name or None)]
    listing: list[str] = []
    skipped: list[str] = []
    nest.depth += 1
    try:
        for member in members:
            size = f"{member.size:,} bytes"
            if member.data is not None and not member.skipped:
                try:
                    children = parse_payload(member.data, source=f"{source}!{member.name}",
                                             max_bytes=max_bytes, ocr="defer", nest=nest)
                except DecompressionBomb:
                    raise
                except InputError as exc:
                    member.skipped = exc.reason
                else:
                    adopt(docs, children, 0, "member", member.name)
            if member.skipped:
                skipped.append(f"{member.name}: {member.skipped}")
                listing.append(f"{member.name}\t{size}\tnot read: {member.skipped}")
            else:
                listing.append(f"{member.name}\t{size}")
    finally:
        nest.depth -= 1
    if not listing:
        raise EmptyInput(source, f"{kind} archive with no files in it")
    header = f"{kind} archive with {len(listing)} file(s)" + (
        f", {len(skipped)} not read" if skipped else "")
    docs[0].text = header + ":\n" + "\n".join(listing)
    docs[0].metadata.update({"archive": kind, "members": len(listing), "skipped": skipped})
    return docs
