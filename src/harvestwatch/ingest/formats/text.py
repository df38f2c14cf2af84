"""Plain text and Markdown, with encoding detection (UTF-8/16, GB18030/GBK, Big5...)."""

from __future__ import annotations

import codecs
import functools
import re

from harvestwatch.core.errors import CorruptInput
from harvestwatch.ingest.document import ParsedDocument, normalise_text
from harvestwatch.ingest.language import detect_language

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Characters common in running Chinese text; used to score candidate decodings.
_COMMON_SIMPLIFIED = set(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后"
    "小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长"
    "器官移植医院死刑犯供体捐献肝肾心脏角膜等待时间法轮功报告调查政府证据"
)
_COMMON_TRADITIONAL = set(
    "的一是不了人我在有他這中大來上國個到說們為子和你地出道也時年得就那要下以生會自著去之過家學對可她裡後"
    "小麼心多天而能好都然沒日於起還發成事只作當想看文無開手十用主行方又如前所本見經頭面公同三已老從動兩長"
    "器官移植醫院死刑犯供體捐獻肝腎心臟角膜等待時間法輪功報告調查政府證據"
)


def _score(text: str) -> float:
    """Share of CJK characters that are common Chinese characters (higher is more plausible)."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 0.0
    common = sum(1 for c in cjk if c in _COMMON_SIMPLIFIED or c in _COMMON_TRADITIONAL)
    return common / len(cjk)


@functools.lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    return ("utf-8", "gb18030", "big5", "utf-16-le", "utf-16-be", "cp1252")


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes to str, returning ``(text, encoding)``; raises CorruptInput if nothing fits."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF32_LE, "utf-32")):
        if data.startswith(bom):
            return data.decode(enc), enc
    sample = data[:4096]
    if sample and sample.count(0) > len(sample) // 4:  # BOM-less UTF-16: NULs in every other byte
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        enc = "utf-16-be" if even_nuls > odd_nuls else "utf-16-le"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    decoded: list[tuple[float, str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        decoded.append((_score(text), enc, text))
    if decoded:
        decoded.sort(key=lambda t: -t[0])
        score, enc, text = decoded[0]
        if score > 0.15:
            return text, enc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise CorruptInput(source, "bytes are not text in any known encoding")
    return str(best), best.encoding


def parse_text(data: bytes, source: str, mime: str = "text/plain") -> list[ParsedDocument]:
    raw_text, encoding = decode_text(data, source)
    text = normalise_text(raw_text)
    title = next((line.strip("# ").strip() for line in text.splitlines() if line.strip()), None)
    if title and len(title) > 200:  # a paragraph, not a heading
        title = title[:120].rsplit(" ", 1)[0] + "…"
    return [ParsedDocument(text=text, raw=data, mime=mime, language=detect_language(text),
                           title=title,
                           metadata={"encoding": encoding})]
