"""Offset-preserving text folding for search and matching: case, traditional→simplified."""

from __future__ import annotations

import functools
import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


def fold_chinese(text: str) -> str:
    """Traditional → simplified, character by character, so offsets stay the same."""
    if not _CJK.search(text):
        return text
    return "".join(_fold_char(ch) if _CJK.match(ch) else ch for ch in text)


def fold_for_search(text: str) -> str:
    """Case- and script-folded copy of ``text`` with identical length and offsets."""
    folded = fold_chinese(text)
    lowered = folded.lower()
    if len(lowered) != len(folded):  # a few characters lengthen when lowered (e.g. 'İ')
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)
    return lowered
