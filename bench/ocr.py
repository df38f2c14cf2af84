"""Benchmark: OCR pages/s through harvestwatch ingest against the tesseract CLI, same run.

    python bench/ocr.py [--pages 12] [--repeats 2]

Makes a scanned PDF (English text rendered to page images at 200 dpi) and writes the page
images ingest sends to tesseract (rendered at 300 dpi) as PNG files. Measures pages/s for ``harvestwatch`` ingest of the scan with 1 and with
2 workers (render, OCR with script detection, word boxes, store; extraction off) and for the
baseline: the ``tesseract`` CLI run on each PNG one after another (``-l eng tsv``, one
thread as ingest runs it; the OpenMP default is printed too), and
prints each ingest's ratio to the baseline. Best of the interleaved repeats; the machine is
shared, so single runs are noisy.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.ingest import ocr  # noqa: E402
from harvestwatch.ingest.pipeline import ingest_paths  # noqa: E402
from harvestwatch.store import open_store  # noqa: E402

WORDS = ("transplant hospital kidney liver donor waiting time prisoner report evidence witness "
         "official statistics registry surgeon volunteer consent tribunal").split()


def make_scan(folder: Path, pages: int, dpi: int = 200) -> tuple[Path, list[Path]]:
    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for p in range(pages):
        c.setFont("Helvetica", 11)
        for line in range(40):
            words = [WORDS[(p * 7 + line * 3 + k) % len(WORDS)] for k in range(11)]
            c.drawString(60, 780 - 18 * line, f"{line + 1}. " + " ".join(words) + f" {p}.")
        c.showPage()
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(pages)]
    scan = folder / "scan.pdf"
    images[0].save(scan, format="PDF", resolution=dpi, save_all=True, append_images=images[1:])
    pngs = []  # the very page images ingest hands to tesseract
    for job in ocr.pdf_jobs(scan.read_bytes(), list(range(1, pages + 1)), "scan.pdf"):
        path = folder / f"page{job.page:03}.png"
        path.write_bytes(job.image)
        pngs.append(path)
    return scan, pngs


def run_cli(pngs: list[Path], threads: str | None) -> float:
    env = dict(os.environ)
    if threads:
        env["OMP_THREAD_LIMIT"] = threads
    start = time.perf_counter()
    for png in pngs:
        subprocess.run(["tesseract", str(png), "stdout", "--dpi", str(ocr.DPI), "-l", "eng",
                        "tsv"], check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def run_ingest(scan: Path, workers: int, root: Path) -> float:
    store_dir = Path(tempfile.mkdtemp(dir=root))
    store = open_store(Settings(store_dir=store_dir, actor="bench"))
    start = time.perf_counter()
    report = ingest_paths(store, [str(scan)], workers=workers)
    elapsed = time.perf_counter() - start
    assert report.by_status("stored"), report.results
    store.close()
    shutil.rmtree(store_dir)
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    if shutil.which("tesseract") is None:
        sys.exit("tesseract is not installed (make install)")
    with tempfile.TemporaryDirectory(prefix="hw-bench-ocr-") as tmp:
        root = Path(tmp)
        scan, pngs = make_scan(root, args.pages)
        best = {"cli": float("inf"), "cli-omp": float("inf"), 1: float("inf"), 2: float("inf")}
        for _ in range(args.repeats):
            best["cli"] = min(best["cli"], run_cli(pngs, "1"))
            best["cli-omp"] = min(best["cli-omp"], run_cli(pngs, None))
            for workers in (1, 2):
                best[workers] = min(best[workers], run_ingest(scan, workers, root))
    rate = {k: args.pages / v for k, v in best.items()}
    print(f"pages: {args.pages} (English, 200 dpi scan; best of {args.repeats})")
    print(f"tesseract CLI, one page after another, OMP_THREAD_LIMIT=1 as ingest runs it: "
          f"{rate['cli']:.2f} pages/s (baseline)")
    print(f"tesseract CLI, one page after another, OpenMP default: {rate['cli-omp']:.2f} pages/s "
          f"= {rate['cli-omp'] / rate['cli']:.2f}x the baseline")
    for workers in (1, 2):
        print(f"harvestwatch ingest, {workers} worker(s): {rate[workers]:.2f} pages/s "
              f"= {rate[workers] / rate['cli']:.2f}x the CLI")


if __name__ == "__main__":
    main()
