"""Never silent, never hung, never a traceback: bad names, links and pipes in folders, parsers
that hang or eat memory, a killed batch, long texts, odd WARCs; failures can be retried."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from harvestwatch.core.errors import DecompressionBomb, UnsupportedFormat
from harvestwatch.ingest import pipeline
from harvestwatch.ingest.formats import parse_bytes
from harvestwatch.ingest.pipeline import Limits, ingest_paths
from harvestwatch.services import ingest as ingest_svc
from harvestwatch.services.long_text import chunks, extract_items
from harvestwatch.store.ingest_links import IngestFailure
from harvestwatch.store.models import Source
from harvestwatch.store.verify import verify_store

FIXTURES = Path(__file__).with_name("fixtures")


def test_undecodable_file_name_is_kept_escaped_and_the_batch_goes_on(sqlite_store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    gbk = os.path.join(os.fsencode(folder), "报告".encode("gbk") + b".txt")  # not UTF-8
    with open(gbk, "wb") as fh:
        fh.write(b"Report on the waiting times of the transplant centre.")
    (folder / "z.txt").write_text("A second report on liver transplants.")
    report = ingest_paths(sqlite_store, [str(folder)])
    assert [r.status for r in report.results] == ["stored", "stored"]
    assert any(r.input.endswith("/\\xb1\\xa8\\xb8\\xe6.txt") for r in report.results)
    result = verify_store(sqlite_store)
    assert result.ok and not [n for n in result.notes if "without rows" in n], result.notes


def test_folder_walk_skips_links_and_pipes_and_says_so(sqlite_store, tmp_path):
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:root:/root:/bin/bash")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "note.txt").write_text("Hospital notes about kidney transplants.")
    (folder / "escape").symlink_to(outside)
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    os.mkfifo(folder / "pipe")
    report = ingest_paths(sqlite_store, [str(folder)])
    status = {Path(r.input).name: (r.status, r.error) for r in report.results}
    assert status["note.txt"][0] == "stored"
    assert status["escape"] == ("skipped", f"symbolic link to {outside}, not followed")
    assert status["loop"][0] == "skipped" and "symbolic link" in status["loop"][1]
    assert status["pipe"] == ("skipped", "a named pipe (FIFO), not read")
    with sqlite_store.session() as s:
        assert [src.name for src in s.scalars(select(Source))] == [str(folder / "note.txt")]
    # a pipe named on the command line is refused at once, not read (which would block)
    alone = ingest_paths(sqlite_store, [str(folder / "pipe")])
    assert alone.results[0].error == "not a regular file (a named pipe (FIFO))"


def test_status_lines_escape_newlines_and_terminal_sequences(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil\nstored   shadow").write_text("Transplant note one.")
    (folder / "\x1b[31mred.txt").write_text("Transplant note two.")
    run = subprocess.run([sys.executable, "-m", "harvestwatch", "--store", str(tmp_path / "s"),
                          "ingest", str(folder), "--no-extract"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "\x1b" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3 and not any(line.startswith("stored   shadow") for line in lines)
    assert "evil\\nstored" in run.stdout and "\\x1b[31mred.txt" in run.stdout


def _slow_or_fat(parse):
    def wrapped(data, **kw):
        if kw["source"].endswith("slow.txt"):
            time.sleep(60)
        if kw["source"].endswith("fat.txt"):
            hog = bytearray(2 * 1024 ** 3)  # over the worker's budget
            hog[-1] = 1
        return parse(data, **kw)
    return wrapped


def test_a_hanging_or_greedy_parser_is_stopped_and_the_batch_goes_on(sqlite_store, tmp_path,
                                                                       monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "fat.txt", "slow.txt", "z.txt"):
        (folder / name).write_text(f"Report {name} on transplant waiting times.")
    monkeypatch.setattr(pipeline, "parse_bytes", _slow_or_fat(pipeline.parse_bytes))
    started = time.monotonic()
    report = ingest_paths(sqlite_store, [str(folder)], workers=2,
                          limits=Limits(file_timeout=3, memory=512 * 1024 ** 2))
    assert time.monotonic() - started < 30
    status = {Path(r.input).name: (r.status, r.error) for r in report.results}
    assert status["a.txt"][0] == status["z.txt"][0] == "stored"
    assert status["slow.txt"] == ("failed", "took over 3 s; the parser was stopped")
    assert status["fat.txt"][0] == "failed" and "memory" in status["fat.txt"][1]
    assert verify_store(sqlite_store).ok


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def test_sigkill_of_the_batch_leaves_no_workers(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):  # slow enough inputs (OCR would do too) to kill the batch mid-way
        (folder / f"n{i:02}.html").write_text(f"<html><body><p>Note {i}</p></body></html>" * 2000)
    proc = subprocess.Popen([sys.executable, "-m", "harvestwatch", "--store", str(tmp_path / "s"),
                             "ingest", str(folder), "--workers", "2", "--no-extract"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the pool did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.0)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]
    assert alive == []


def test_retry_failed_runs_the_failures_again(sqlite_store, tmp_path):
    bad = tmp_path / "report.txt"
    bad.write_bytes(b"")
    good = tmp_path / "other.txt"
    good.write_text("A report on kidney transplants.")
    first = ingest_svc.ingest(sqlite_store, [str(bad), str(good)], extract=False)
    assert [r.status for r in first.results] == ["failed", "stored"]
    assert [(r.input, r.error) for r in ingest_svc.failures(sqlite_store)] == [
        (str(bad), "empty file (0 bytes)")]
    bad.write_text("The report, now with its text.")
    again = ingest_svc.retry(sqlite_store, extract=False)
    assert [(r.input, r.status) for r in again.results] == [(str(bad), "stored")]
    with sqlite_store.session() as s:
        assert s.scalars(select(IngestFailure)).all() == []


def test_long_texts_are_extracted_in_chunks_with_offsets_into_the_whole_text():
    paragraph = ("Officials at Tianjin First Central Hospital said 600 liver transplants were "
                 "performed in 2006. ")
    text = "\n\n".join([paragraph * 3] * 60)  # ~17,000 characters
    whole, = extract_items([(text, "en")])
    cut, = extract_items([(text, "en")], size=4000)
    for item in cut:  # typed items (core.items.Item), offsets into the whole text
        assert text[item.start:item.end] == item.text
    assert {(i.item_type, i.start, i.end) for i in whole} == {(i.item_type, i.start, i.end) for i in cut}
    big = "word " * 230_000  # 1.15 million characters: over spaCy's 1,000,000
    pieces = chunks(big)
    assert "".join(p for _, p in pieces) == big and all(len(p) <= 100_000 for _, p in pieces)
    assert [o for o, _ in pieces] == [sum(len(p) for _, p in pieces[:i]) for i in range(len(pieces))]


def test_binary_files_are_refused_by_type_not_decoded_as_text():
    rng = bytes((i * 7919 + 13) % 256 for i in range(8192))
    with pytest.raises(UnsupportedFormat, match=r"blob.txt: binary data .*unsupported"):
        parse_bytes(rng, source="blob.txt")
    rar, = parse_bytes((FIXTURES / "badrar.rar").read_bytes(), source="x.txt")
    assert rar.mime == "application/vnd.rar" and "symbolic link to" in rar.text
    broken, = parse_bytes((FIXTURES / "badtar.tar").read_bytes(), source="badtar.tar")
    assert broken.mime == "application/x-tar"


def test_docx_with_a_huge_text_part_is_refused_whatever_its_ratio():
    from tests.ingest.test_formats_pdf_docx import _declare_size, make_docx

    good = make_docx(lambda d: d.add_paragraph("A statement."))
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr(zipfile.ZipInfo("word/media/photo.bin"), os.urandom(1024 * 1024))
    lying = _declare_size(buf.getvalue(), b"word/document.xml", 80 * 1024 * 1024)
    with pytest.raises(DecompressionBomb, match=r"part word/document.xml expands to 83,886,080"):
        parse_bytes(lying, source="long.docx")


def test_warc_oddities_are_flagged_quietly():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(Exception, match="image payload, not read"):
            parse_bytes((FIXTURES / "example-space-in-target-uri.warc.gz").read_bytes(),
                        source="space.warc.gz")
        docs = parse_bytes((FIXTURES / "post-test.warc.gz").read_bytes(), source="post.warc.gz")
    assert out.getvalue() == "" and err.getvalue() == ""  # warcio's messages stay inside
    assert all(d.mime in ("text/plain", "text/html") for d in docs)  # JSON payloads as text
    trunc, = parse_bytes((FIXTURES / "example-trunc.warc").read_bytes(), source="trunc.warc")
    assert trunc.metadata["warc_truncated"] == "HTTP body has 604 of its 606 bytes"
    assert trunc.metadata["warc_truncated_records"] == [
        "response http://example.com/: HTTP body has 604 of its 606 bytes"]
