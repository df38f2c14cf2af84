"""Check a harvestwatch evidence bundle offline, trusting nothing but a public key.

Usage: ``python verify_bundle.py case.zip [--key KEY_ID] [--tsa-ca CA.pem] [--against OLD.json]``

The bundle is a zip with every member stored (not compressed) in a canonical layout, so
that any changed byte is found: in a member (its SHA-256 in SHA256SUMS, its CRC, and for
originals and ledger entries the hashes that the signed tree head proves), or in the zip's
own structure (the zip is rebuilt canonically and compared byte for byte).

Needs Python 3.11+ and ``cryptography`` (Ed25519); ``rfc3161-client`` to read the timestamp
token, which ``openssl ts -verify`` can also check (see README.md). Evidence bundles ship
this file with ``merkle.py``, ``treehead.py`` and ``hashing.py`` beside it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

try:
    from harvestwatch.core import merkle
    from harvestwatch.core.hashing import sha256_json
    from harvestwatch.core.treehead import SignedHead, entry_hash, parse_head
except ImportError:  # run from a bundle's verifier/ folder
    import merkle  # type: ignore[no-redef]
    from hashing import sha256_json  # type: ignore[no-redef]
    from treehead import SignedHead, entry_hash, parse_head  # type: ignore[no-redef]

FORMAT = "harvestwatch-bundle/1"
AGE_HEADER = b"age-encryption.org/v1"
REQUIRED = ("README.md", "manifest.json", "head.json", "public_key.pem", "SHA256SUMS",
            "ledger/entries.jsonl")
VERIFIER_FILES = ("verify_bundle.py", "merkle.py", "treehead.py", "hashing.py")

# --- a canonical stored zip: fixed fields, no extras, no comments, UTF-8 names -------------

_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION  # Unix
_FLAGS = 0x0800  # names are UTF-8
_ATTRS = 0o100644 << 16


def write_stored_zip(members: list[tuple[str, bytes]]) -> bytes:
    """The one byte layout of a bundle holding ``members`` (in this order, stored)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, data in members:
        raw = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = out.tell()
        if offset + len(data) > 0xFFFF0000:
            raise ValueError("bundle too large for a zip without zip64: export fewer documents")
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, _FLAGS, 0, 0, _DOS_DATE,
                              crc, len(data), len(data), len(raw), 0) + raw + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, _VERSION, _FLAGS,
                                  0, 0, _DOS_DATE, crc, len(data), len(data), len(raw), 0, 0, 0,
                                  0, _ATTRS, offset) + raw)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                          len(central.getvalue()), start, 0))
    return out.getvalue()


@dataclass
class BundleReport:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    head: SignedHead | None = None

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problems": self.problems, "checked": self.checked,
                "head": self.head.to_dict() if self.head else None}


def check_bundle(data: bytes, *, name: str = "bundle", expected_key: str | None = None,
                 tsa_ca: bytes | None = None,
                 against: list[tuple[str, SignedHead]] = ()) -> BundleReport:
    """Every check a third party can make on a bundle's bytes; problems name what differs.

    ``against``: (name, head) pairs published earlier: the bundle's head must extend each
    (a consistency proof in the bundle), else the log was cut, rewritten or forked.
    """
    report = BundleReport()
    if data.startswith(AGE_HEADER):
        report.fail(f"{name} is encrypted with age: decrypt it first (age -d -i KEY, or "
                    "harvestwatch bundle verify --identity KEY)")
        return report
    # A damaged zip can make zipfile raise almost anything; each is a named problem here.
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # noqa: BLE001
        report.fail(f"{name} is not a readable zip ({type(exc).__name__}: {exc})")
        return report
    members = {}
    for info in infos:
        try:
            members[info.filename] = archive.read(info)
        except Exception as exc:  # noqa: BLE001
            report.fail(f"member {info.filename}: corrupt ({type(exc).__name__}: {exc})")
    if report.ok:
        canonical = write_stored_zip([(i.filename, members[i.filename]) for i in infos])
        if canonical != data:
            at = next((i for i, (a, b) in enumerate(zip(canonical, data, strict=False)) if a != b),
                      min(len(canonical), len(data)))
            report.fail(f"{name}: byte {at} is not where a canonical bundle has it "
                        f"({_where(infos, at)}); the zip was altered")
        else:
            report.checked.append(f"zip layout: canonical, {len(infos)} members stored")
    if len(members) != len(infos):
        report.fail(f"{name}: a member name occurs twice")
    for required in REQUIRED:
        if required not in members:
            report.fail(f"{required} is missing")
    if not report.ok and any(r not in members for r in REQUIRED):
        return report
    _check_sums(members, report)
    head = _check_head(members, report, expected_key, tsa_ca)
    if head is not None:
        _check_entries_and_originals(members, head, report)
        for old_name, old in against:
            _check_against(members, head, old_name, old, report)
    return report


def _check_against(members: dict[str, bytes], head: SignedHead, name: str, old: SignedHead,
                   report: BundleReport) -> None:
    """The bundle's head extends a head published earlier (RFC 9162 consistency proof)."""
    if problem := old.signature_problem():
        report.fail(f"{name}: {problem}")
        return
    if old.key_id != head.key_id:
        report.fail(f"{name} is signed by key {old.key_id[:16]}, the bundle by {head.key_id[:16]}")
        return
    if old.tree_size > head.tree_size:
        report.fail(f"{name} covers {old.tree_size} entries but the bundle's head only "
                    f"{head.tree_size}: the log was cut (or the bundle is older)")
        return
    if old.tree_size == head.tree_size:
        if old.root_hash != head.root_hash:
            report.fail(f"fork: {name} and the bundle's head sign the same {old.tree_size} "
                        "entries with different roots")
        else:
            report.checked.append(f"{name}: the same signed tree as the bundle's head")
        return
    raw = members.get(f"proofs/consistency/{old.tree_size}.json")
    if raw is None:
        report.fail(f"the bundle does not prove its log extends {name}: no consistency proof "
                    f"from {old.tree_size} entries (the log was rewritten, or cut and regrown)")
        return
    try:
        proof = [bytes.fromhex(p) for p in json.loads(raw)["proof"]]
    except (ValueError, KeyError, TypeError):
        report.fail(f"proofs/consistency/{old.tree_size}.json is malformed")
        return
    if not merkle.verify_consistency(old.tree_size, head.tree_size, bytes.fromhex(old.root_hash),
                                     bytes.fromhex(head.root_hash), proof):
        report.fail(f"{name}: the bundle's head does not extend it (the consistency proof "
                    "fails): the log was rewritten or forked since")
        return
    report.checked.append(f"{name}: the bundle's head extends it ({old.tree_size} -> "
                          f"{head.tree_size} entries, consistency proof checked)")


def _where(infos: list[zipfile.ZipInfo], at: int) -> str:
    for info in sorted(infos, key=lambda i: i.header_offset, reverse=True):
        if at >= info.header_offset:
            start = info.header_offset + 30 + len(info.filename.encode())
            if at < start:
                return f"local header of {info.filename}"
            if at < start + info.compress_size:
                return f"data of {info.filename}"
            break
    return "zip directory"


def _check_sums(members: dict[str, bytes], report: BundleReport) -> None:
    listed: dict[str, str] = {}
    for n, line in enumerate(members["SHA256SUMS"].decode("utf-8", "replace").splitlines(), 1):
        digest, _, path = line.partition("  ")
        if len(digest) != 64 or not path:
            report.fail(f"SHA256SUMS line {n} is malformed")
            continue
        if path in listed:
            report.fail(f"SHA256SUMS lists {path} twice")
        listed[path] = digest
    for path, digest in listed.items():
        if path not in members:
            report.fail(f"{path} is listed in SHA256SUMS but missing from the bundle")
        elif hashlib.sha256(members[path]).hexdigest() != digest:
            report.fail(f"{path}: its bytes hash to {hashlib.sha256(members[path]).hexdigest()}, "
                        f"SHA256SUMS says {digest}")
    for path in members.keys() - listed.keys() - {"SHA256SUMS"}:
        report.fail(f"{path} is in the bundle but not listed in SHA256SUMS")
    report.checked.append(f"SHA256SUMS: {len(listed)} files")


def _check_head(members: dict[str, bytes], report: BundleReport, expected_key: str | None,
                tsa_ca: bytes | None) -> SignedHead | None:
    try:
        head = parse_head(json.loads(members["head.json"]), "head.json")
    except (ValueError, UnicodeDecodeError) as exc:
        report.fail(str(exc))
        return None
    report.head = head
    if problem := head.signature_problem():
        report.fail(f"head.json: {problem}")
        return None
    pem_key = _pem_raw_key(members["public_key.pem"])
    if pem_key is None or base64.b64encode(pem_key).decode() != head.public_key:
        report.fail("public_key.pem is not the key that signed head.json")
    if expected_key and not head.key_id.startswith(expected_key.lower()):
        report.fail(f"head.json is signed by key {head.key_id}, not the expected {expected_key}")
    report.checked.append(f"signed tree head: {head.tree_size} entries, root {head.root_hash}, "
                          f"{head.issued_at}, Ed25519 key {head.key_id}")
    if head.timestamp_token:
        _check_timestamp(members, head, report, tsa_ca)
    return head


def _pem_raw_key(pem: bytes) -> bytes | None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        return None
    if not isinstance(key, Ed25519PublicKey):
        return None
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_timestamp(members: dict[str, bytes], head: SignedHead, report: BundleReport,
                     tsa_ca: bytes | None) -> None:
    token = base64.b64decode(head.timestamp_token)
    if members.get("timestamp/token.tsr") != token:
        report.fail("timestamp/token.tsr is not the token in head.json")
    if members.get("timestamp/signature.bin") != head.signature_bytes:
        report.fail("timestamp/signature.bin is not the signature in head.json")
    try:
        from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response
    except ImportError:
        report.checked.append("timestamp token: not read (install rfc3161-client, or use "
                              "openssl ts -verify as README.md shows)")
        return
    try:
        response = decode_timestamp_response(token)
    except ValueError as exc:
        report.fail(f"timestamp token cannot be read ({exc})")
        return
    info = response.tst_info
    if info.message_imprint.message != hashlib.sha256(head.signature_bytes).digest():
        report.fail("timestamp token is for other bytes than head.json's signature")
        return
    if tsa_ca is None:
        report.checked.append(f"timestamp token: {info.gen_time.isoformat()} over the head's "
                              "signature (TSA signature not checked: give --tsa-ca)")
        return
    from cryptography import x509

    try:
        builder = VerifierBuilder()
        for root in x509.load_pem_x509_certificates(tsa_ca):
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(response, head.signature_bytes)
    except (ValueError, VerificationError) as exc:
        report.fail(f"timestamp token does not verify against the TSA CA ({exc})")
        return
    report.checked.append(f"timestamp token: {info.gen_time.isoformat()}, signed by the TSA")


def _check_entries_and_originals(members: dict[str, bytes], head: SignedHead,
                                 report: BundleReport) -> None:
    root = bytes.fromhex(head.root_hash)
    entries: dict[int, dict] = {}
    for n, line in enumerate(members["ledger/entries.jsonl"].decode("utf-8", "replace")
                             .splitlines(), 1):
        try:
            e = json.loads(line)
            seq = int(e["seq"])
        except (ValueError, KeyError, TypeError):
            report.fail(f"ledger/entries.jsonl line {n} is not a ledger entry")
            continue
        label = f"ledger entry {seq}"
        entries[seq] = e
        if sha256_json(e.get("payload")) != e.get("payload_hash"):
            report.fail(f"{label}: its payload does not match its payload hash")
        try:
            recomputed = entry_hash(seq, e["at"], e["actor"], e["action"], e["object_type"],
                                    e["object_id"], e["payload_hash"], e["prev_hash"])
        except KeyError as exc:
            report.fail(f"{label}: field {exc.args[0]} is missing")
            continue
        if recomputed != e.get("entry_hash"):
            report.fail(f"{label}: its fields do not match its entry hash")
            continue
        proof_file = f"proofs/{seq}.json"
        if proof_file not in members:
            report.fail(f"{label}: {proof_file} is missing")
            continue
        try:
            proof = json.loads(members[proof_file])
            path = [bytes.fromhex(p) for p in proof["proof"]]
            index, size = int(proof["leaf_index"]), int(proof["tree_size"])
        except (ValueError, KeyError, TypeError):
            report.fail(f"{proof_file} is malformed")
            continue
        if (index, size) != (seq - 1, head.tree_size):
            report.fail(f"{proof_file}: proves leaf {index} of {size}, not entry {seq} in the "
                        f"signed tree of {head.tree_size}")
            continue
        leaf = merkle.leaf_hash(bytes.fromhex(recomputed))
        if not merkle.verify_inclusion(index, size, leaf, path, root):
            report.fail(f"{label}: its inclusion proof does not lead to the signed root")
    report.checked.append(f"ledger entries: {len(entries)}, each proven in the signed tree")
    try:
        manifest = json.loads(members["manifest.json"])
        documents = manifest["documents"]
    except (ValueError, KeyError, TypeError):
        report.fail("manifest.json is malformed")
        return
    if manifest.get("format") != FORMAT:
        report.fail(f"manifest.json: not a {FORMAT} bundle")
    for doc in documents:
        sha = str(doc.get("sha256", ""))
        original = members.get(f"originals/{sha}")
        if original is None:
            report.fail(f"originals/{sha} is missing")
            continue
        actual = hashlib.sha256(original).hexdigest()
        if actual != sha:
            report.fail(f"originals/{sha}: its bytes hash to {actual}; the original was changed")
            continue
        vouching = [e for e in entries.values() if e.get("object_type") == "document"
                    and e.get("object_id") == sha and e.get("action") == "ingest"]
        if not vouching:
            report.fail(f"originals/{sha}: no ingest entry in the bundle vouches for it")
    report.checked.append(f"originals: {len(documents)}, each hashing to its ingest entry")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a harvestwatch evidence bundle offline.")
    parser.add_argument("bundle", help="case.zip")
    parser.add_argument("--key", help="expected signing key id (hex, or a prefix of it)")
    parser.add_argument("--tsa-ca", help="PEM file of the timestamp authority's CA")
    parser.add_argument("--against", action="append", default=[],
                        help="a signed tree head published earlier (HEAD.json); repeatable")
    args = parser.parse_args(argv)
    try:
        data = Path(args.bundle).read_bytes()
        ca = Path(args.tsa_ca).read_bytes() if args.tsa_ca else None
        against = [(path, parse_head(json.loads(Path(path).read_text("utf-8")), path))
                   for path in args.against]
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = check_bundle(data, name=args.bundle, expected_key=args.key, tsa_ca=ca,
                          against=against)
    for line in report.checked:
        print(f"ok: {line}")
    for problem in report.problems:
        print(f"DIFFERS: {problem}", file=sys.stderr)
    print("bundle verifies" if report.ok else f"{len(report.problems)} problem(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
