"""Language detection of a document's text: en / zh / other."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_EN_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for it as was with be by on not he she they this are at from "
    "his her have has an which or were but been their had who said its also will would".split()
)


def detect_language(text: str) -> str:
    """'zh' when CJK characters dominate, 'en' when English function words are common, else 'other'."""
    sample = text[:20000]
    cjk = len(_CJK.findall(sample))
    words = _LATIN_WORD.findall(sample)
    if cjk and cjk >= 0.5 * len(words):
        return "zh"
    if not words:
        return "other"
    function = sum(1 for w in words if w.lower() in _EN_FUNCTION_WORDS)
    return "en" if function / len(words) >= 0.12 or (len(words) < 8 and function) else "other"
