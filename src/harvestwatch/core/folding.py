"""Offset-preserving text folding for search and matching: case, traditional→simplified."""

from __future__ import annotations

import functools
import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


class _FoldTable(dict):
    """A ``str.translate`` table filled on first sight of each CJK character (cached)."""

    def __missing__(self, code: int):
        ch = chr(code)
        if not _CJK.match(ch):
            self[code] = code  # cached identity: later lookups stay in C
            return code
        out = _t2s().convert(ch)
        value = out if len(out) == 1 else None
        self[code] = value if value is not None and value != ch else ch
        return self[code]


_TABLE = _FoldTable()


CJK_FOLD_RANGE = (0x3400, 0xFB00)  # code points covered by cjk_fold_table()


@functools.cache
def cjk_fold_table() -> bytes:
    """``fold_chinese`` as a lookup table (uint16 per code point in ``CJK_FOLD_RANGE``),
    for code that folds UTF-8 outside Python."""
    import numpy as np

    lo, hi = CJK_FOLD_RANGE
    table = np.arange(lo, hi, dtype=np.uint16)
    chars = [chr(c) for c in range(lo, hi) if _CJK.match(chr(c))]
    for ch, out in zip(chars, _t2s().convert("\n".join(chars)).split("\n"), strict=True):
        if len(out) == 1 and out != ch and 0x800 <= ord(out) < 0x10000:  # same UTF-8 length
            table[ord(ch) - lo] = ord(out)
    return table.tobytes()


def fold_chinese(text: str) -> str:
    """Traditional → simplified, character by character, so offsets stay the same."""
    if not _CJK.search(text):
        return text
    return text.translate(_TABLE)


def fold_for_search(text: str) -> str:
    """Case- and script-folded copy of ``text`` with identical length and offsets."""
    folded = fold_chinese(text)
    lowered = folded.lower()
    if len(lowered) != len(folded):  # a few characters lengthen when lowered (e.g. 'İ')
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)
    return lowered
