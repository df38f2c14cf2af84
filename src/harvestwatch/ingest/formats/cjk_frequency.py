"""How plausible a decoded text is as Chinese: a character-frequency score for charset choice.

GB18030 accepts almost any byte string and Big5 bytes often decode as valid GBK (and the
reverse), so a strict decode alone cannot tell the two apart. A right decoding of real text is
made of frequent characters; a wrong one of rare characters, kana and symbols. The score is the
mean log-frequency of a text's non-ASCII characters under a unigram model of Chinese characters
(``cjk_chars.txt``: character counts summed over the word frequencies of jieba's MIT-licensed
dictionary, regenerated with ``python -m harvestwatch.ingest.formats.cjk_frequency``).
Traditional characters are folded to simplified before lookup, so both scripts score alike.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

_TABLE = Path(__file__).with_name("cjk_chars.txt")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Punctuation that real Chinese text uses often; as plausible as a common character.
_CJK_PUNCT = frozenset("，。、；：？！“”‘’（）《》〈〉「」『』【】—…·～％０１２３４５６７８９")
_FLOOR = math.log(1e-7)  # a character the table does not know (rare, or not Chinese at all)
_TOP_CHARS = 8000


@functools.lru_cache(maxsize=1)
def _log_freq() -> dict[str, float]:
    counts: dict[str, int] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        char, _, count = line.partition("\t")
        if char and count.isdigit():
            counts[char] = int(count)
    total = sum(counts.values()) or 1
    return {c: math.log(n / total) for c, n in counts.items()}


def _char_score(ch: str, table: dict[str, float]) -> float:
    if ch in _CJK_PUNCT:
        return math.log(1e-3)
    if not _CJK.match(ch):
        return _FLOOR
    score = table.get(ch)
    if score is None:
        from harvestwatch.core.folding import fold_chinese

        score = table.get(fold_chinese(ch), _FLOOR)
    return score


def chinese_plausibility(text: str, limit: int = 4000) -> float:
    """Mean log-frequency of the non-ASCII characters of ``text`` (about -6 for real Chinese,
    below -12 for a wrong decoding); ``-inf`` when there is no non-ASCII character."""
    table = _log_freq()
    chars = [ch for ch in text[:limit] if ord(ch) > 127 and not ch.isspace()]
    if not chars:
        return float("-inf")
    return sum(_char_score(ch, table) for ch in chars) / len(chars)


def build_table(dict_path: Path, out: Path = _TABLE, top: int = _TOP_CHARS) -> int:
    """Write the ``char<TAB>count`` table from a jieba-format dictionary; returns rows written."""
    counts: dict[str, int] = {}
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            continue
        for ch in parts[0]:
            if _CJK.match(ch):
                counts[ch] = counts.get(ch, 0) + int(parts[1])
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    out.write_text("".join(f"{c}\t{n}\n" for c, n in rows), encoding="utf-8")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import jieba

    n = build_table(Path(jieba.__file__).with_name("dict.txt"))
    print(f"wrote {n} characters to {_TABLE}")
