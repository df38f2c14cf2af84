"""Text yield of a folder of real-world files: how many give text, by what they are.

    python bench/text_yield.py FOLDER... [--workers 2] [--password PW ...]

Ingests every file into a throwaway store (extraction off), classifies each by its bytes
(``ingest.sniff.content_class``: document, e-mail, image, archive, web capture, structured
data, audio or video) and prints, per class and for documents + e-mail + images + archives
together, how many gave text, then every file that gave none with its one-line reason. Run it
on ``tests/ingest/fixtures`` or on a checkout of Aleph's ingest-file ``tests/fixtures``.
With ``--password``, protected files are tried with those passwords in a second pass and both
figures are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.ingest.pipeline import Limits, ingest_paths  # noqa: E402
from harvestwatch.ingest.sniff import content_class  # noqa: E402
from harvestwatch.store import open_store  # noqa: E402

CONTENT = ("document", "e-mail", "image", "archive")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--password", action="append", default=[])
    args = ap.parse_args()
    files = sorted(p for f in args.folders for p in Path(f).rglob("*")
                   if p.is_file() and not p.is_symlink() and p.name != "README.md")
    with tempfile.TemporaryDirectory(prefix="hw-yield-") as tmp:
        store = open_store(Settings(store_dir=Path(tmp) / "store", actor="bench"))
        t0 = time.perf_counter()
        report = ingest_paths(store, [str(p) for p in files], workers=args.workers)
        seconds = time.perf_counter() - t0
        by_path = {r.input: r for r in report.results}
        classes = {str(p): content_class(p.read_bytes(), p.name) if p.stat().st_size else "empty"
                   for p in files}
        failed = {p for p, r in by_path.items() if r.status == "failed"}
        opened: list[str] = []
        if args.password:
            protected = [p for p in failed if "password" in (by_path[p].error or "")]
            again = ingest_paths(store, protected, limits=Limits(passwords=tuple(args.password)))
            opened = [r.input for r in again.results if r.status == "stored"]
        store.close()
    print(f"{len(files)} files in {seconds:.1f} s ({args.workers} workers; shared machine, "
          f"times are noisy); tracebacks: 0 (every input ended stored, present or failed)")
    for c, n in sorted(Counter(classes.values()).items()):
        ok = sum(1 for p, k in classes.items() if k == c and p not in failed)
        print(f"  {c:16} {ok:3}/{n:<3} give text")
    content = [p for p, k in classes.items() if k in CONTENT]
    ok = [p for p in content if p not in failed]
    print(f"documents, e-mail, images, archives: {len(ok)}/{len(content)} = "
          f"{len(ok) / max(len(content), 1):.1%} unattended")
    if args.password:
        print(f"  with the passwords given: {len(ok) + len(opened)}/{len(content)} = "
              f"{(len(ok) + len(opened)) / max(len(content), 1):.1%} "
              f"({', '.join(Path(p).name for p in opened) or 'none opened'})")
    print("files without text:")
    for p in sorted(failed - set(opened)):
        print(f"  [{classes[p]}] {Path(p).name}: {by_path[p].error}")


if __name__ == "__main__":
    main()
