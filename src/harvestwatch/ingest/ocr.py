"""OCR with Debian's Tesseract: page images in, text with word boxes and confidence out.

A scanned PDF or an image becomes ``OcrJob`` page images (``pdf_jobs``, ``image_jobs``); each
job is one ``tesseract`` run (``ocr_page``), so the pipeline can spread pages over its worker
pool, with a time and memory limit per page. The language comes from the script: the first
page runs Tesseract's script detection (OSD), Han script is told apart as simplified or
traditional from the text, and the later pages use the language found. ``assemble`` joins
pages into the document text and keeps every word's box, confidence and character offsets.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import subprocess
import unicodedata
from dataclasses import dataclass, field

from harvestwatch.core.errors import CorruptInput, EmptyInput, InputError, UnsupportedFormat

ENGINE = "tesseract"
DPI = 300  # scanned PDF pages are rendered at this resolution
MAX_PIXELS = 60_000_000  # a page image above this is scaled down before OCR
PAGE_TIMEOUT = 120.0  # seconds one page may take
PAGE_MEMORY = 1536 * 1024 * 1024  # address space one tesseract run may use
MAX_PAGES = 2000
_SCRIPT_LANG = {"Latin": "eng", "Han": "chi_sim", "HanS": "chi_sim", "HanT": "chi_tra"}
DEFAULT_LANG = "eng"


@dataclass
class OcrJob:
    """One page image to OCR: PNG bytes, its 1-based page number and resolution."""

    image: bytes
    page: int
    dpi: int = DPI
    lang: str | None = None  # None: find it from the script (first page of a document)


@dataclass
class PageOcr:
    """Tesseract's reading of one page. ``words``: (text, left, top, width, height, conf)."""

    page: int
    width: int
    height: int
    dpi: int
    lang: str
    words: list[tuple[str, int, int, int, int, float]] = field(default_factory=list)
    lines: list[list[int]] = field(default_factory=list)  # word indexes per line
    breaks: list[int] = field(default_factory=list)  # line indexes that start a paragraph
    error: str | None = None

    @property
    def confidence(self) -> float | None:
        confs = [w[5] for w in self.words if w[5] >= 0]
        return round(sum(confs) / len(confs), 1) if confs else None


def available() -> bool:
    return shutil.which("tesseract") is not None


def _limits() -> None:  # runs in the tesseract child before exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with us
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (PAGE_MEMORY, PAGE_MEMORY))


def _run(args: list[str], image: bytes, timeout: float) -> str:
    if not available():
        raise UnsupportedFormat("tesseract", "OCR needs Debian's tesseract-ocr (make install)")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(["tesseract", "stdin", "stdout", *args], input=image,
                              capture_output=True, timeout=timeout, env=env,
                              preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        raise InputError("tesseract", f"OCR of a page took over {timeout:.0f} s; stopped") from None
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError("tesseract", f"OCR failed ({why[-1][:120] if why else proc.returncode})")
    return proc.stdout.decode("utf-8", "replace")


def detect_script(image: bytes, dpi: int, timeout: float = PAGE_TIMEOUT) -> str | None:
    """Tesseract's script detection (OSD) for one page: "Latin", "Han", ... or None.

    A page over 150 dpi is halved first: OSD needs letters, not detail, and takes half the time.
    """
    if dpi >= 200:
        from PIL import Image

        with Image.open(io.BytesIO(image)) as page:
            image = _png(page.resize((max(1, page.width // 2), max(1, page.height // 2))))
        dpi //= 2
    try:
        out = _run(["--psm", "0", "--dpi", str(dpi)], image, timeout)
    except InputError:
        return None  # too little text to tell; the caller falls back
    for line in out.splitlines():
        if line.startswith("Script:"):
            return line.split(":", 1)[1].strip()
    return None


def _is_traditional(text: str) -> bool:
    """Han text that changes a lot when converted to simplified is traditional."""
    import opencc

    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if len(han) < 4:
        return False
    simplified = opencc.OpenCC("t2s").convert("".join(han))
    changed = sum(a != b for a, b in zip(han, simplified, strict=False))
    return changed / len(han) > 0.08


def ocr_page(job: OcrJob, timeout: float = PAGE_TIMEOUT) -> PageOcr:
    """OCR one page image; a failure is kept in ``error`` (the page gets no text)."""
    try:
        lang = job.lang
        if lang is None:
            script = detect_script(job.image, job.dpi, timeout)
            lang = _SCRIPT_LANG.get(script or "", DEFAULT_LANG)
            if lang == "chi_sim":  # simplified or traditional: read with both, then choose
                both = _parse_tsv(_run(["-l", "chi_sim+chi_tra", "--dpi", str(job.dpi), "tsv"],
                                       job.image, timeout), job)
                lang = "chi_tra" if _is_traditional(" ".join(w[0] for w in both.words)) else "chi_sim"
        tsv = _run(["-l", lang, "--dpi", str(job.dpi), "tsv"], job.image, timeout)
        page = _parse_tsv(tsv, job)
        page.lang = lang
        return page
    except InputError as exc:
        return PageOcr(job.page, 0, 0, job.dpi, job.lang or DEFAULT_LANG, error=exc.reason)


def _parse_tsv(tsv: str, job: OcrJob) -> PageOcr:
    page = PageOcr(job.page, 0, 0, job.dpi, job.lang or DEFAULT_LANG)
    current: tuple[int, int, int] | None = None
    last_par: tuple[int, int] | None = None
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12:
            continue
        level = cols[0]
        if level == "1":
            page.width, page.height = int(cols[8]), int(cols[9])
        if level != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        if key != current:
            current = key
            if last_par is not None and key[:2] != last_par:
                page.breaks.append(len(page.lines))
            last_par = key[:2]
            page.lines.append([])
        page.lines[-1].append(len(page.words))
        page.words.append((cols[11].strip(), int(cols[6]), int(cols[7]), int(cols[8]),
                           int(cols[9]), round(float(cols[10]), 1)))
    return page


def _cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def page_text(page: PageOcr, base: int = 0) -> tuple[str, list[list]]:
    """The page's text and its words as [start, end, left, top, width, height, conf].

    Words join with a space except next to a CJK character (Chinese has no spaces); lines with a newline and
    paragraphs with a blank line. Offsets start at ``base``.
    """
    parts: list[str] = []
    boxes: list[list] = []
    length = 0
    breaks = set(page.breaks)
    for li, line in enumerate(page.lines):
        if li:
            sep = "\n\n" if li in breaks else "\n"
            parts.append(sep)
            length += len(sep)
        prev = ""
        for wi in line:
            text, left, top, width, height, conf = page.words[wi]
            if prev and not (_cjk(prev[-1]) or _cjk(text[0])):
                parts.append(" ")
                length += 1
            boxes.append([base + length, base + length + len(text), left, top, width, height, conf])
            parts.append(text)
            length += len(text)
            prev = text
    return "".join(parts), boxes


def _png(image) -> bytes:
    if image.width * image.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (image.width * image.height)) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    if image.mode not in ("L", "RGB", "1"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def pdf_jobs(data: bytes, pages: list[int], source: str, dpi: int = DPI) -> list[OcrJob]:
    """Render the given 1-based PDF pages to grey PNG images for OCR."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CorruptInput(source, f"unreadable PDF ({exc})") from None
    jobs = []
    try:
        for number in pages[:MAX_PAGES]:
            page = pdf[number - 1]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            jobs.append(OcrJob(_png(bitmap.to_pil()), number, dpi))
            bitmap.close()
            page.close()
    finally:
        pdf.close()
    return jobs


def image_jobs(data: bytes, source: str) -> list[OcrJob]:
    """Each frame of an image (every page of a multi-page TIFF) as a PNG page for OCR."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = 4 * MAX_PIXELS  # larger is refused as a decompression bomb
    try:
        image = Image.open(io.BytesIO(data))
        jobs = []
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > MAX_PAGES:
                break
            dpi = frame.info.get("dpi", (0, 0))[0]
            dpi = int(dpi) if dpi and 70 <= dpi <= 1200 else 300
            jobs.append(OcrJob(_png(frame.copy()), number, dpi))
            if getattr(image, "format", "") == "GIF":
                break  # an animated GIF's first frame is its picture
    except Image.DecompressionBombError:
        raise InputError(source, "image is over 240 megapixels; refused as a decompression "
                                 "bomb (scale it down to OCR it)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptInput(source, f"unreadable image ({str(exc)[:80] or type(exc).__name__})") from None
    if not jobs:
        raise CorruptInput(source, "image has no frames")
    return jobs


def assemble(page_texts: list[str | None], results: dict[int, PageOcr],
             source: str, empty: str = "OCR found no text on the page image(s)") -> tuple[str, list[tuple[int, int]], dict, list[dict]]:
    """Join text-layer pages (str) and OCRed pages (None) into one text.

    Returns the text, page offsets, OCR metadata for the document and one record per OCRed
    page: ``{"page", "width", "height", "dpi", "lang", "confidence", "words", "error"}``.
    """
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    ocr_pages: list[dict] = []
    offset = 0
    for number, layer in enumerate(page_texts, start=1):
        if parts:
            offset += 2
        if layer is not None:
            text = layer
        else:
            result = results.get(number)
            text, boxes = page_text(result, offset) if result else ("", [])
            if result is not None:
                ocr_pages.append({"page": number, "width": result.width, "height": result.height,
                                  "dpi": result.dpi, "lang": result.lang,
                                  "confidence": result.confidence, "words": boxes,
                                  "error": result.error})
        pages.append((offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    text = "\n\n".join(parts)
    errors = [p for p in ocr_pages if p["error"]]
    if not text.strip():
        if errors:
            raise EmptyInput(source, f"OCR gave no text ({errors[0]['error']})")
        raise EmptyInput(source, empty)
    confs = [(p["confidence"], len(p["words"])) for p in ocr_pages if p["confidence"] is not None]
    weight = sum(n for _, n in confs)
    meta = {"engine": ENGINE, "pages": [p["page"] for p in ocr_pages],
            "languages": sorted({p["lang"] for p in ocr_pages if not p["error"]}),
            "confidence": round(sum(c * n for c, n in confs) / weight, 1) if weight else None,
            "failed_pages": [f"page {p['page']}: {p['error']}" for p in errors]}
    return text, pages, meta, ocr_pages


def run_inline(jobs: list[OcrJob], timeout: float = PAGE_TIMEOUT) -> dict[int, PageOcr]:
    """OCR jobs one after another in this process (for nested documents)."""
    out: dict[int, PageOcr] = {}
    lang = None
    for job in jobs:
        job.lang = job.lang or lang
        out[job.page] = result = ocr_page(job, timeout)
        if not result.error:
            lang = lang or result.lang
    return out
