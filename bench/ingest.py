"""Benchmark: ingest throughput against two references measured in the same run.

    python bench/ingest.py [--html 2000] [--pdf 200] [--workers 2]
    python bench/ingest.py --generated 5000          # bench/corpus_gen.py documents instead

Prints documents/s for harvestwatch ingest (parse, durable blobs, rows, ledger, search
index; extraction off), for the baseline (read + sha256 of the same files, one process)
and for the parse reference (read + sha256 + the format parsers, same number of worker
processes, no store), and the ratio of ingest to each. The first ratio is the one issue 2
set a goal for; the second shows how much of the ingest time is bookkeeping (blobs, rows,
ledger, commits) rather than the parsing no ingest can skip.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.core.hashing import sha256_bytes, sha256_file  # noqa: E402
from harvestwatch.ingest.formats import parse_bytes  # noqa: E402
from harvestwatch.ingest.pipeline import ingest_paths  # noqa: E402
from harvestwatch.store import open_store  # noqa: E402

WORDS = ("transplant hospital kidney liver donor waiting time prisoner report evidence witness "
         "official statistics registry surgeon volunteer consent tribunal").split()


def make_corpus(folder: Path, n_html: int, n_pdf: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    for i in range(n_html):
        body = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(400))
        (folder / f"page{i:05}.html").write_text(
            f"<html><head><title>Page {i}</title></head><body><article><h1>Report {i}</h1>"
            f"<p>{body}</p><p>The centre performed {i * 3} transplants in 2016.</p></article></body></html>")
    for i in range(n_pdf):
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        for page in range(3):
            for line in range(30):
                c.drawString(50, 800 - line * 24, " ".join(WORDS[(i + page + line + k) % len(WORDS)] for k in range(10)))
            c.showPage()
        c.save()
        (folder / f"doc{i:04}.pdf").write_bytes(buf.getvalue())


def read_hash_parse(path: str) -> int:
    data = Path(path).read_bytes()
    sha256_bytes(data)
    return len(parse_bytes(data, source=path))


def parse_reference(paths: list[str], workers: int) -> float:
    """Seconds to read, hash and parse every file in ``workers`` processes (one: in this one)."""
    t0 = time.perf_counter()
    if workers <= 1:
        docs = sum(map(read_hash_parse, paths))
    else:
        with ProcessPoolExecutor(workers) as pool:
            docs = sum(pool.map(read_hash_parse, paths, chunksize=8))
    assert docs == len(paths)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--html", type=int, default=2000)
    ap.add_argument("--pdf", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--generated", type=int, default=0,
                    help="ingest this many bench/corpus_gen.py documents (realistic length, "
                         "mixed EN/ZH) instead of the --html/--pdf files")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hw-bench-"))
    try:
        corpus = tmp / "corpus"
        corpus.mkdir()
        if args.generated:
            from corpus_gen import write_files

            write_files(corpus, args.generated)
            what = f"{args.generated} generated HTML"
        else:
            make_corpus(corpus, args.html, args.pdf)
            what = f"{args.html} HTML, {args.pdf} PDF"
        files = sorted(f for f in corpus.rglob("*") if f.is_file())
        t0 = time.perf_counter()
        for f in files:
            sha256_file(f)
        base = time.perf_counter() - t0
        parse = parse_reference([str(f) for f in files], args.workers)
        store = open_store(Settings(store_dir=tmp / "store"))
        t0 = time.perf_counter()
        report = ingest_paths(store, [str(corpus)], workers=args.workers)
        ours = time.perf_counter() - t0
        assert len(report.by_status("stored")) == len(files), report.by_status("failed")[:3]
        n = len(files)
        print(f"files: {n} ({what}), workers={args.workers}")
        print(f"baseline read+sha256: {n / base:,.0f} docs/s")
        print(f"reference read+sha256+parse: {n / parse:,.1f} docs/s")
        print(f"harvestwatch ingest: {n / ours:,.1f} docs/s")
        print(f"ratio ingest/baseline: {base / ours:.4f}x")
        print(f"ratio ingest/parse reference: {parse / ours:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
