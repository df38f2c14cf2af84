"""Plain text and Markdown, with encoding detection (UTF-8/16, GB18030/GBK, Big5...)."""

from __future__ import annotations

import codecs
import re

from harvestwatch.core.errors import CorruptInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.formats.cjk_frequency import chinese_plausibility
from harvestwatch.ingest.language import detect_language

# Multi-byte East Asian codecs: a guess of one of these for text that is not CJK is a misfire.
_CJK_CODECS = ("gb", "big5", "shift_jis", "euc", "cp93", "cp94", "cp95", "iso2022", "johab", "hz",
               "cp1361")
_PLAUSIBLE_CHINESE = -12.5  # mean log-frequency: real text ≈ -6 to -9, wrong decodes ≈ -13 to -16
# WHATWG: labels that mean windows-1252 in practice.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
            "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


def _codec(label: str | None) -> str | None:
    """Python codec name for a declared charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value, if any."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else None


def decode_text(data: bytes, source: str, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to str, returning ``(text, encoding)``; raises CorruptInput if nothing fits.

    Order: byte-order mark; UTF-16 by its NUL pattern; strict UTF-8; a declared charset (HTTP
    header or HTML meta) when the bytes decode strictly with it; GB18030 vs Big5 by character
    frequency; otherwise charset-normalizer, preferring windows-1252 among equally good guesses.
    """
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                break
    sample = data[:4096]
    if sample and sample.count(0) > len(sample) // 4:  # BOM-less UTF-16: NULs in every other byte
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        enc = "utf-16-be" if even_nuls > odd_nuls else "utf-16-le"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    try:  # legacy-encoded text is almost never valid UTF-8, so this beats a stale declaration
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # UTF-8 that encodes surrogate code points (CESU-style exports): keep the rest
        text = data.decode("utf-8", "surrogatepass")
        return re.sub("[\ud800-\udfff]", "\ufffd", text), "utf-8 (surrogates replaced)"
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", "replace")
    bad = lenient.count("\ufffd") - data.decode("utf-8", "ignore").count("\ufffd")
    multibyte = sum(1 for b in data[:65536] if b >= 0xC2)
    if multibyte > 64 and bad * 200 < len(lenient):  # UTF-8 with a few broken sequences
        return lenient, "utf-8 (invalid bytes replaced)"
    codec = _codec(declared)
    if codec and not codec.startswith(("utf-8", "utf-16", "utf-32")):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass  # the declaration is wrong; detect instead
    decoded: list[tuple[float, str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        decoded.append((chinese_plausibility(text), enc, text))
    if decoded:
        score, enc, text = max(decoded, key=lambda t: t[0])
        if score > _PLAUSIBLE_CHINESE:
            return text, enc
    return _detect_other(data, source)


def _detect_other(data: bytes, source: str) -> tuple[str, str]:
    """Single-byte (or rarer) encodings via charset-normalizer, with windows-1252 as tie-break."""
    from charset_normalizer import from_bytes

    high = sum(1 for b in data[:65536] if b > 127) / max(1, min(len(data), 65536))
    # Sparse high bytes in mostly-ASCII data is Latin-script text, not a multi-byte CJK codec.
    matches = [m for m in from_bytes(data)
               if not (m.encoding.startswith(_CJK_CODECS) and high < 0.3
                       and chinese_plausibility(str(m)) <= _PLAUSIBLE_CHINESE)]
    if matches:
        best = matches[0]
        for m in matches:
            if m.encoding == "cp1252" and (m.chaos, -m.coherence) <= (best.chaos, -best.coherence):
                best = m  # equally good: take the web's default single-byte encoding
        return str(best), best.encoding
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise CorruptInput(source, "bytes are not text in any known encoding") from None


# Page furniture that text copied from the web often starts with; never a title.
_BOILERPLATE = re.compile(r"(?i)^(?:skip to (?:main )?content|share this( article)?|menu|home|search|"
                          r"advertisement|cookies?( policy| settings)?|sign in|log ?in|subscribe|"
                          r"translate »?|print|close)$")


def parse_text(data: bytes, source: str, mime: str = "text/plain",
               charset: str | None = None) -> list[ParsedDocument]:
    """One plain-text or Markdown document; the first non-empty line is its title."""
    raw_text, encoding = decode_text(data, source, declared=charset)
    text = normalise_text(raw_text)
    title = next((line.strip("# ").strip() for line in text.splitlines()
                  if line.strip() and not _BOILERPLATE.match(line.strip())), None)
    if title and len(title) > 200:  # a paragraph, not a heading
        title = title[:120].rsplit(" ", 1)[0] + "…"
    return [ParsedDocument(text=text, raw=data, mime=mime, language=detect_language(text),
                           title=title,
                           metadata={"encoding": encoding})]
