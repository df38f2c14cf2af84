"""Language of a document's text (en / zh / other) and script folding for cross-script search.

Detection counts units, not bytes: Han characters (about 1.5 per Chinese word), kana and
Hangul (Japanese and Korean, which are 'other'), and Latin-script words, of which function
words of English and of six other European languages vote. Long texts need a real share of
English function words; short ones (titles, captions) are English when they are plain ASCII
words and no other language's function word appears.
"""

from __future__ import annotations

import re

from harvestwatch.core.folding import fold_chinese

__all__ = ["detect_language", "fold_chinese"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")
_HAN_PER_WORD = 1.5
_SHORT = 8  # fewer Latin words than this is a title or a caption
_EN_FUNCTION_WORDS = frozenset(
    "the of and to in a is that for it as was with be by on not he she they this are at from "
    "his her have has an which or were but been their had who said its also will would".split()
)
# Frequent function words of other languages written in Latin script (none is English).
_OTHER_FUNCTION_WORDS = frozenset("""
der die das und ist nicht mit von zu den dem ein eine sich auf für des im auch wurden wird sind
le la les et est une des du pas pour que qui dans sur avec sont par au aux ce cette été
el los las y es un una del por con para se no al fue son
il lo gli le è di che per non sono della nel
o os e é um uma do da dos das em com não foi são
de het een en van dat niet met op zijn voor aan ook werd
""".split()) - _EN_FUNCTION_WORDS


def detect_language(text: str) -> str:
    """'zh' when Chinese characters carry the text, 'en' when English does, else 'other'."""
    sample = text[:20000]
    han = len(_HAN.findall(sample))
    kana_hangul = len(_KANA_HANGUL.findall(sample))
    words = _LATIN_WORD.findall(sample)
    cjk_units = (han + kana_hangul) / _HAN_PER_WORD
    if cjk_units and cjk_units >= len(words):
        return "other" if kana_hangul > 0.1 * (han + kana_hangul) else "zh"
    if not words:
        return "other"
    lowered = [w.lower() for w in words]
    english = sum(1 for w in lowered if w in _EN_FUNCTION_WORDS)
    foreign = sum(1 for w in lowered if w in _OTHER_FUNCTION_WORDS)
    if len(words) < _SHORT:
        if english > foreign:
            return "en"
        plain = all(w.isascii() for w in words)
        return "en" if plain and foreign == 0 else "other"
    return "en" if english >= 0.08 * len(words) and english > 2 * foreign else "other"
