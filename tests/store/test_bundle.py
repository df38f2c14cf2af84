"""Evidence bundles: exported with their custody, checked offline with no store, any changed byte named."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harvestwatch.core.errors import NotFound, PermissionDenied
from harvestwatch.custody.verify_bundle import check_bundle, write_stored_zip
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import custody
from harvestwatch.services.bundle import export_bundle, verify_bundle_file
from harvestwatch.store import ledger
from tests.conftest import SAMPLES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def case(sqlite_store, tmp_path):
    custody.signing_key(sqlite_store)
    report = ingest_paths(sqlite_store, [str(SAMPLES)], kind="news")
    shas = [r.sha256 for r in report.results]
    out = tmp_path / "case.zip"
    result = export_bundle(sqlite_store, [shas[0], shas[2][:12]], out)
    return sqlite_store, out, result, shas


def _members(data: bytes) -> list[tuple[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [(i.filename, archive.read(i)) for i in archive.infolist()]


def _rebuild(members, **changes):
    """A bundle re-made canonically after ``changes`` (name -> bytes), SHA256SUMS recomputed."""
    members = [(n, changes.get(n, d)) for n, d in members if n != "SHA256SUMS"]
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in members)
    return write_stored_zip([*members, ("SHA256SUMS", sums.encode())])


def test_bundle_holds_originals_entries_proofs_and_its_own_export(case):
    store, out, result, shas = case
    report = verify_bundle_file(out)
    assert report.ok, report.problems
    members = dict(_members(out.read_bytes()))
    assert members[f"originals/{shas[0]}"] == store.blobs.read(shas[0])
    entries = [json.loads(line) for line in members["ledger/entries.jsonl"].decode().splitlines()]
    assert {e["action"] for e in entries} >= {"ingest", "key_create", "bundle_export"}
    export = next(e for e in entries if e["action"] == "bundle_export")
    assert export["payload"]["documents"] == [shas[0], shas[2]]
    assert result.tree_size == export["seq"]  # the bundle's head covers its own export
    assert all(f"proofs/{e['seq']}.json" in members for e in entries)
    readme = members["README.md"].decode()
    assert result.key_id in readme and "sha256sum -c SHA256SUMS" in readme


def test_bundle_checks_by_hand_with_sha256sum_and_openssl(case, tmp_path):
    _, out, result, _ = case
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(out).extractall(folder)
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder).returncode == 0
    head = json.loads((folder / "head.json").read_text())
    (folder / "head.txt").write_text(f"harvestwatch tree head v1\nsize {head['tree_size']}\n"
                                     f"root {head['root_hash']}\ntime {head['issued_at']}\n")
    (folder / "head.sig").write_bytes(base64.b64decode(head["signature"]))
    done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public_key.pem",
                           "-rawin", "-in", "head.txt", "-sigfile", "head.sig"], cwd=folder,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout


def test_standalone_verifier_runs_without_harvestwatch_or_a_store(case, tmp_path):
    _, out, _, _ = case
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(out).extractall(folder)
    script = ("import runpy, sys; sys.modules['harvestwatch'] = None; "
              f"sys.path.insert(0, {str(folder / 'verifier')!r}); "
              f"sys.argv = ['verify_bundle.py', {str(out)!r}]; "
              f"runpy.run_path({str(folder / 'verifier' / 'verify_bundle.py')!r}, run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "bundle verifies" in done.stdout
    # And the CLI, from a folder with no store: nothing is opened or created.
    env = dict(os.environ, HARVESTWATCH_STORE=str(tmp_path / "no-store"))
    done = subprocess.run([sys.executable, "-m", "harvestwatch", "bundle", "verify", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "bundle verifies" in done.stdout
    assert not (tmp_path / "no-store").exists()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def test_any_changed_byte_is_named(case):
    _, out, _, _ = case
    data = out.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    first = archive.infolist()[0]
    structure = set(range(0, first.header_offset + 30 + len(first.filename)))  # a local header
    directory = data.rindex(b"PK\x01\x02", 0, len(data) - 200)
    structure |= set(range(directory - 40, len(data)))  # the last directory entry and EOCD
    offsets = sorted(structure | set(range(0, len(data), 97)))
    for at in offsets:
        report = check_bundle(_flip(data, at))
        assert not report.ok and report.problems, at
    assert check_bundle(data).ok


def test_precise_reasons(case):
    _, out, _, shas = case
    members = _members(out.read_bytes())
    original = dict(members)[f"originals/{shas[0]}"]

    # A changed original byte, even with SHA256SUMS and the zip re-made to match.
    bad = _rebuild(members, **{f"originals/{shas[0]}": _flip(original, 5)})
    assert check_bundle(bad).problems == [f"originals/{shas[0]}: its bytes hash to "
                                          f"{hashlib.sha256(_flip(original, 5)).hexdigest()}; "
                                          "the original was changed"]
    # Only the member changed: SHA256SUMS names it first.
    plain = check_bundle(write_stored_zip([(n, _flip(d, 5) if n == f"originals/{shas[0]}" else d)
                                           for n, d in members]))
    assert plain.problems[0].startswith(f"originals/{shas[0]}: its bytes hash to")
    assert "SHA256SUMS says" in plain.problems[0]

    entries = dict(members)["ledger/entries.jsonl"].decode().splitlines()
    first = json.loads(entries[1])
    first["actor"] = "mallory"  # a ledger row edited
    edited = "\n".join([entries[0], json.dumps(first), *entries[2:]]) + "\n"
    assert check_bundle(_rebuild(members, **{"ledger/entries.jsonl": edited.encode()})).problems == [
        f"ledger entry {first['seq']}: its fields do not match its entry hash"]
    first = json.loads(entries[1])
    first["payload"]["kind"] = "official_statement"  # a payload edited
    edited = "\n".join([entries[0], json.dumps(first), *entries[2:]]) + "\n"
    assert check_bundle(_rebuild(members, **{"ledger/entries.jsonl": edited.encode()})).problems == [
        f"ledger entry {first['seq']}: its payload does not match its payload hash"]
    # The payload and every hash of the entry recomputed: its proof no longer reaches the root.
    from harvestwatch.core.hashing import sha256_json

    first["payload_hash"] = sha256_json(first["payload"])
    first["entry_hash"] = ledger.entry_hash(first["seq"], first["at"], first["actor"], first["action"],
                                            first["object_type"], first["object_id"],
                                            first["payload_hash"], first["prev_hash"])
    edited = "\n".join([entries[0], json.dumps(first), *entries[2:]]) + "\n"
    assert check_bundle(_rebuild(members, **{"ledger/entries.jsonl": edited.encode()})).problems == [
        f"ledger entry {first['seq']}: its inclusion proof does not lead to the signed root"]

    head = json.loads(dict(members)["head.json"])
    head["tree_size"] -= 1  # a signed head edited
    problems = check_bundle(_rebuild(members, **{"head.json": json.dumps(head).encode()})).problems
    assert problems == ["head.json: its Ed25519 signature does not verify"]


def test_bundle_against_published_heads_names_cut_rewrite_and_fork(sqlite_store, tmp_path):
    from sqlalchemy import text

    from tests.store.test_custody import _rechain

    custody.signing_key(sqlite_store)
    shas = [r.sha256 for r in ingest_paths(sqlite_store, [str(SAMPLES)]).results]
    published = custody.checkpoint(sqlite_store)
    honest = export_bundle(sqlite_store, [shas[0]], tmp_path / "honest.zip")
    assert check_bundle((tmp_path / "honest.zip").read_bytes(), against=[("OLD.json", published)]).ok
    assert honest.tree_size > published.tree_size

    with sqlite_store.session() as s:  # the tail cut, the heads deleted, the log regrown
        s.execute(text("DELETE FROM ledger WHERE seq > 5"))
        s.execute(text("DELETE FROM tree_heads"))
        s.execute(text("DELETE FROM merkle_nodes"))
    export_bundle(sqlite_store, [shas[0]], tmp_path / "cut.zip")  # its head: 5 + its export
    problems = check_bundle((tmp_path / "cut.zip").read_bytes(),
                            against=[("OLD.json", published)]).problems
    assert problems == ["OLD.json covers 7 entries but the bundle's head only 6: the log was cut "
                        "(or the bundle is older)"]
    with sqlite_store.session() as s:  # regrown to the published size: a fork
        s.execute(text("DELETE FROM ledger WHERE seq > 6"))
        s.execute(text("DELETE FROM tree_heads"))
        s.execute(text("DELETE FROM merkle_nodes"))
    export_bundle(sqlite_store, [shas[0]], tmp_path / "fork.zip")
    problems = check_bundle((tmp_path / "fork.zip").read_bytes(),
                            against=[("OLD.json", published)]).problems
    assert problems == ["fork: OLD.json and the bundle's head sign the same 7 entries with "
                        "different roots"]

    with sqlite_store.session() as s:  # a rewritten middle, every hash recomputed
        s.execute(text("UPDATE ledger SET actor = 'mallory' WHERE seq = 3"))
        s.execute(text("DELETE FROM tree_heads"))
        s.execute(text("DELETE FROM merkle_nodes"))
    _rechain(sqlite_store)
    export_bundle(sqlite_store, [shas[0]], tmp_path / "rewritten.zip")
    problems = check_bundle((tmp_path / "rewritten.zip").read_bytes(),
                            against=[("OLD.json", published)]).problems
    assert problems == ["the bundle does not prove its log extends OLD.json: no consistency proof "
                        "from 7 entries (the log was rewritten, or cut and regrown)"]


def test_restricted_documents_need_clearance_and_can_be_encrypted(sqlite_store, tmp_path):
    import pyrage

    custody.signing_key(sqlite_store)
    secret = tmp_path / "witness.txt"
    secret.write_text("Witness Y was blood-tested twice in the Masanjia camp.")
    sha = ingest_paths(sqlite_store, [str(secret)], restricted=True).results[0].sha256
    with pytest.raises(NotFound):
        export_bundle(sqlite_store, [sha], tmp_path / "x.zip")
    with pytest.raises(PermissionDenied):
        export_bundle(sqlite_store, [sha], tmp_path / "x.zip", include_restricted=True, role="viewer")
    assert not (tmp_path / "x.zip").exists()
    identity = pyrage.x25519.Identity.generate()
    (tmp_path / "key.txt").write_text(f"# test\n{identity}\n")
    out = tmp_path / "sealed.zip"
    export_bundle(sqlite_store, [sha], out, include_restricted=True, role="investigator",
                  recipient=str(identity.to_public()))
    assert secret.read_bytes() not in out.read_bytes()
    assert "encrypted with age" in verify_bundle_file(out).problems[0]
    report = verify_bundle_file(out, identity=tmp_path / "key.txt")
    assert report.ok, report.problems
    with sqlite_store.session() as s:
        export = ledger.entries_for(s, "bundle", str(out))[0]
    assert export.payload["include_restricted"] and export.payload["encrypted_to"].startswith("age1")


def test_bundle_with_a_timestamp_verifies_against_the_tsa_ca(sqlite_store, local_tsa, tmp_path):
    custody.signing_key(sqlite_store)
    sha = ingest_paths(sqlite_store, [str(SAMPLES)]).results[1].sha256
    out = tmp_path / "case.zip"
    export_bundle(sqlite_store, [sha], out, tsa_url=local_tsa.url)
    (tmp_path / "ca.pem").write_bytes(local_tsa.ca_pem)
    report = verify_bundle_file(out, tsa_ca=tmp_path / "ca.pem")
    assert report.ok, report.problems
    assert any("signed by the TSA" in line for line in report.checked)
    folder = tmp_path / "unpacked"
    zipfile.ZipFile(out).extractall(folder)
    done = subprocess.run(["openssl", "ts", "-verify", "-data", "timestamp/signature.bin", "-in",
                           "timestamp/token.tsr", "-CAfile", str(tmp_path / "ca.pem")],
                          cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0 and "Verification: OK" in done.stdout


def test_cli_bundle_export_and_verify(tmp_path):
    from typer.testing import CliRunner

    from harvestwatch.cli import app

    runner = CliRunner()
    base = ["--store", str(tmp_path / "s")]
    assert runner.invoke(app, [*base, "ingest", str(SAMPLES), "--no-extract"]).exit_code == 0
    out = tmp_path / "case.zip"
    done = runner.invoke(app, [*base, "bundle", "export", "1", "3", "--out", str(out), "--json"])
    assert done.exit_code == 0, done.output
    assert len(json.loads(done.output)["documents"]) == 2
    done = runner.invoke(app, ["bundle", "verify", str(out)])
    assert done.exit_code == 0 and "bundle verifies" in done.output
    data = bytearray(out.read_bytes())
    data[200] ^= 0x01  # inside the first original
    (tmp_path / "bad.zip").write_bytes(bytes(data))
    done = runner.invoke(app, ["bundle", "verify", str(tmp_path / "bad.zip"), "--json"])
    assert done.exit_code == 1
    assert not json.loads(done.output)["ok"]
    assert runner.invoke(app, [*base, "bundle", "export", "99", "--out", str(out)]).exit_code != 0
