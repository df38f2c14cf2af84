"""The store key: wrapped by a passphrase or an age recipient, never in clear beside the data;
rotation seals everything again and survives an interruption; a clear key is migrated."""

from __future__ import annotations

import base64
import json
import os

import pyrage
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text
from typer.testing import CliRunner

from harvestwatch.cli import app
from harvestwatch.core.config import Settings
from harvestwatch.core.errors import ConfigError
from harvestwatch.services import keys as keys_svc
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.store import keys, sealed
from harvestwatch.store.accounts import AccessLog
from harvestwatch.store.models import ExtractedItem, LedgerEntry
from harvestwatch.store.verify import verify_store

SECRET = "Witness Oxtrevane was blood-tested twice in the Masanjia camp, then moved to a hospital."


def _restricted_store(tmp_path, name="store"):
    settings = Settings(store_dir=tmp_path / name, actor="analyst")
    store = store_svc.open(settings)
    src = tmp_path / f"{name}-oxtrevane.txt"
    src.write_text(SECRET)
    report = store_svc.ingest(store, [str(src)], restricted=True)
    with store.session() as s:
        item = s.scalar(select(ExtractedItem).order_by(ExtractedItem.id).limit(1))
    users_svc.review_item(store, item.id, "reject", user="ada", role="admin", note="Oxtrevane?")
    return settings, store, report.document_ids[0]


def _key_ids_in_rows(store) -> set[str]:
    """The data key ids named by every sealed value in the database."""
    ids: set[str] = set()
    with store.session() as s:
        for spec in sealed.TABLES:
            cols = ", ".join(f'"{c}"' for c in spec.columns)
            for row in s.execute(text(f"SELECT {cols} FROM {spec.table}")):
                for v in row:
                    v = json.loads(v) if isinstance(v, str) and v.startswith("{") else v
                    kid = sealed.sealed_key_id(store.cipher, v)
                    if kid is not None:
                        ids.add(kid)
    return ids


def _blob_key_ids(store) -> set[str | None]:
    return {store.cipher.key_id_of(store.blobs.path(sha, True).read_bytes()[:20])
            for sha in store.blobs.sealed_hashes()}


def _readable(store, doc_id) -> None:
    shown = store_svc.show_document(store, doc_id, include_restricted=True)
    assert shown["text"] == SECRET and "oxtrevane" in shown["source"]
    assert store_svc.original_bytes(store, doc_id, include_restricted=True)[1] == SECRET.encode()
    report = verify_store(store)
    assert report.ok, report.to_dict()


def test_rotation_seals_everything_again_under_a_new_key(tmp_path):
    settings, store, doc_id = _restricted_store(tmp_path)
    old = store.cipher.current_key_id
    assert _key_ids_in_rows(store) == {old} and _blob_key_ids(store) == {old}
    work = keys_svc.rotation_work(store)  # source, document, items, review, blob
    running = store_svc.open(settings)  # another process, its keys loaded before the rotation
    running.cipher.unlock()
    result = keys_svc.rotate(store, actor="admin")
    assert running.cipher.key_id_of(running.cipher.encrypt(b"x")) == result.key_id
    assert result.retired == [old] and result.key_id != old and not result.resumed
    assert result.blobs == 1 and result.rows == work - 1 >= 4
    assert _key_ids_in_rows(store) == {result.key_id} and _blob_key_ids(store) == {result.key_id}
    ring = keys.Keyring.read(store.cipher.keyring_path)
    assert ring.current == result.key_id and ring.retired == [old]  # seals nothing new
    _readable(store_svc.open(settings), doc_id)
    with store.session() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.action == "key_rotate"))
        logged = s.scalars(select(AccessLog).where(AccessLog.action == "key_rotate")).all()
    assert entry.object_id == result.key_id and entry.payload["retired"] == [old]
    assert [(row.ledger_seq, row.via) for row in logged] == [(entry.seq, "cli")]  # one audit row each


@pytest.mark.parametrize("stop_in", ["blobs", "extracted_items"])
def test_an_interrupted_rotation_loses_nothing_and_finishes_when_run_again(tmp_path, stop_in):
    settings, store, doc_id = _restricted_store(tmp_path)
    old = store.cipher.current_key_id

    def crash(what, _n):
        if what == stop_in:
            raise KeyboardInterrupt  # as if the process were stopped here

    with pytest.raises(KeyboardInterrupt):
        keys_svc.rotate(store, on_progress=crash)
    ring = keys.Keyring.read(store.cipher.keyring_path)
    assert len(ring.keys) == 2 and ring.current != old and not ring.retired  # both open
    keys.forget_all()
    fresh = store_svc.open(settings)
    _readable(fresh, doc_id)
    assert keys_svc.status(fresh).advice.startswith("a rotation was interrupted")
    result = keys_svc.rotate(fresh)
    assert result.resumed and result.retired == [old] and result.key_id == ring.current
    assert _key_ids_in_rows(fresh) == {ring.current} and _blob_key_ids(fresh) == {ring.current}
    _readable(store_svc.open(settings), doc_id)


def test_a_clear_key_is_wrapped_its_file_removed_and_old_clear_rows_sealed(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    keys.forget_all()
    folder = tmp_path / "old" / "keys"
    folder.mkdir(parents=True)
    clear = os.urandom(32)
    (folder / keys.LEGACY).write_bytes(clear)  # a store made before keys were wrapped
    settings, store, doc_id = _restricted_store(tmp_path, "old")
    with store.session() as s:  # as older versions left it: name in clear, v1 text
        nonce = os.urandom(12)
        v1 = "enc:v1:" + base64.b64encode(nonce + AESGCM(clear).encrypt(
            nonce, SECRET.encode(), b"")).decode()
        s.execute(text("UPDATE documents SET text = :t"), {"t": v1})
        s.execute(text("UPDATE sources SET name = :n"), {"n": str(tmp_path / "old-oxtrevane.txt")})
    keys.forget_all()
    store = store_svc.open(settings)
    _readable(store, doc_id)
    assert keys_svc.status(store).mode == "clear"
    with pytest.raises(ConfigError, match="key wrap"):
        keys_svc.rotate(store)
    out = keys_svc.wrap(store, passphrase="a long passphrase", actor="admin")
    assert out.mode == "wrapped" and not (folder / keys.LEGACY).exists()
    with store.session() as s:
        assert s.execute(text("SELECT name FROM sources")).scalar().startswith("enc:v2:")
        assert s.execute(text("SELECT text FROM documents")).scalar().startswith("enc:v2:")
    assert clear not in b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    keys.forget_all()
    with pytest.raises(ConfigError, match="locked"):
        store_svc.show_document(store_svc.open(settings), doc_id, include_restricted=True)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "a long passphrase")
    _readable(store_svc.open(settings), doc_id)


def test_an_age_identity_unlocks_and_a_passphrase_can_be_changed(tmp_path, monkeypatch):
    ident = pyrage.x25519.Identity.generate()
    ident_file = tmp_path / "me.age"
    ident_file.write_text(f"# test\n{ident}\n")
    settings = Settings(store_dir=tmp_path / "s")
    store = store_svc.open(settings)
    keys_svc.init(store, passphrase=None, recipients=[str(ident.to_public())])
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    monkeypatch.setenv(keys.IDENTITY_ENV, str(ident_file))
    keys.forget_all()
    src = tmp_path / "oxtrevane.txt"
    src.write_text(SECRET)
    doc_id = store_svc.ingest(store_svc.open(settings), [str(src)], restricted=True,
                              extract=False).document_ids[0]
    keys_svc.set_passphrase(store_svc.open(settings), "second passphrase")
    monkeypatch.delenv(keys.IDENTITY_ENV)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "second passphrase")
    keys.forget_all()
    _readable(store_svc.open(settings), doc_id)
    with pytest.raises(ConfigError, match="not an age X25519 recipient"):
        keys_svc.add_recipient(store_svc.open(settings), "age1nope")
    ring_text = store.cipher.keyring_path.read_text()
    assert str(ident) not in ring_text and "second passphrase" not in ring_text


def test_key_commands(tmp_path, monkeypatch):
    runner = CliRunner()
    base = ["--store", str(tmp_path / "s"), "--actor", "admin"]
    out = runner.invoke(app, [*base, "key", "status", "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["mode"] == "none"
    assert runner.invoke(app, [*base, "key", "init", "--json"]).exit_code == 0
    src = tmp_path / "w.txt"
    src.write_text(SECRET)
    assert runner.invoke(app, [*base, "ingest", str(src), "--restricted",
                               "--no-extract"]).exit_code == 0
    out = runner.invoke(app, [*base, "key", "rotate", "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["blobs"] == 1
    status = json.loads(runner.invoke(app, [*base, "key", "status", "--json"]).output)
    assert status["mode"] == "wrapped" and status["unlocked"] and status["advice"] is None
    assert [k["retired"] for k in status["data_keys"]] == [True, False]
    monkeypatch.setenv("HARVESTWATCH_KEY_NEW_PASSPHRASE", "changed passphrase")
    assert runner.invoke(app, [*base, "key", "passphrase"]).exit_code == 0
    keys.forget_all()
    out = runner.invoke(app, [*base, "show", "1", "--include-restricted", "--json"])
    assert out.exit_code != 0 and "does not unlock" in str(out.exception)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "changed passphrase")
    out = runner.invoke(app, [*base, "show", "1", "--include-restricted", "--json"])
    assert out.exit_code == 0 and "Oxtrevane" in out.output


def _cli_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVESTWATCH_KEY")}
    return env | {"HARVESTWATCH_STORE": str(tmp_path / "store"), "TERM": "dumb"}


def test_a_terminal_is_asked_for_the_passphrase_and_nothing_else_is(tmp_path):
    import pty
    import subprocess
    import sys

    src = tmp_path / "oxtrevane.txt"
    src.write_text(SECRET)
    store_svc.ingest(store_svc.open(Settings(store_dir=tmp_path / "store")), [str(src)],
                     restricted=True, extract=False)
    exe = [sys.executable, "-m", "harvestwatch", "show", "1", "--include-restricted", "--json"]
    done = subprocess.run(exe, env=_cli_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "passphrase for" not in done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: the store key is locked: set HARVESTWATCH_KEY_PASSPHRASE (or "
        "HARVESTWATCH_KEY_IDENTITY to an age identity file)"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.execve(sys.executable, exe, _cli_env(tmp_path))
    out = b""
    while b"passphrase for the store key" not in out:
        out += os.read(fd, 1024)
    os.write(fd, os.environ[keys.PASSPHRASE_ENV].encode() + b"\n")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and b"Oxtrevane" in out


def test_sealing_and_rotation_on_every_backend(any_store, tmp_path):
    src = tmp_path / "oxtrevane.txt"
    src.write_text(SECRET)
    doc_id = store_svc.ingest(any_store, [str(src)], restricted=True).document_ids[0]
    with any_store.session() as s:
        raw = s.execute(text("SELECT title, text, meta FROM documents")).one()
        names = s.execute(text("SELECT text, canonical FROM extracted_items")).all()
    assert all("Oxtrevane" not in str(v) for v in [*raw, *[x for r in names for x in r]])
    result = keys_svc.rotate(any_store)
    assert result.rows >= 2 and _key_ids_in_rows(any_store) == {result.key_id}
    _readable(any_store, doc_id)


def test_serve_unlocks_at_start_and_never_prompts_later(tmp_path, monkeypatch):
    monkeypatch.setattr(keys, "prompts_allowed", True)  # restored after the test
    settings = Settings(store_dir=tmp_path / "s")
    store = store_svc.open(settings)
    assert keys_svc.unlock_at_start(store) is None  # no key yet: nothing to unlock
    keys_svc.init(store, passphrase="serve passphrase")
    keys.forget_all()
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    locked = keys_svc.unlock_at_start(store_svc.open(settings))
    assert locked and "set HARVESTWATCH_KEY_PASSPHRASE" in locked and not keys.prompts_allowed
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "serve passphrase")
    assert keys_svc.unlock_at_start(store_svc.open(settings)) is None
