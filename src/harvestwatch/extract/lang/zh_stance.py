"""Chinese denials read from jieba's words (either script): a denying verb, a word calling an
allegation false or made up, or a negated existence — matched as whole words, so 不实际 is no 不实."""

from __future__ import annotations

from harvestwatch.core.folding import fold_chinese
from harvestwatch.extract.lang.zh_entities import tokens

DENY_VERBS = {"否认", "驳斥", "辟谣", "反驳", "批驳", "驳回", "否定"}
FALSEHOOD = {"捏造", "编造", "谣言", "造谣", "污蔑", "诬蔑", "抹黑", "诽谤", "谎言", "谎话", "不实", "虚假",
             "子虚乌有", "无中生有", "凭空捏造", "纯属", "毫无根据", "没有根据", "毫无事实根据", "杜撰",
             "歪曲", "炒作", "政治操弄", "别有用心", "恶意"}
NEGATORS = {"不", "没有", "没", "从未", "从来不", "根本", "绝不", "并不", "从没", "未曾", "从来没有"}
EXIST = {"存在", "发生", "有过"}


def denial_cue_zh(text: str, start: int, end: int) -> str | None:
    """Why text[start:end] (one sentence) denies an allegation, or None."""
    folded = fold_chinese(text)
    line = folded[start:end].strip()
    if not line.endswith(("。", "！", "？", "”", "」", "!", "?")) and not any(c in line for c in "，,；;"):
        return None  # a headline or caption, not running text
    words = [t for t in tokens(folded) if start <= t.start and t.end <= end]
    for i, t in enumerate(words):
        if t.word in DENY_VERBS or t.word in FALSEHOOD or t.word.startswith(("纯属", "纯粹是捏造")):
            return text[t.start:t.end]
        if t.word == "不存在" or (t.word in EXIST and i > 0 and words[i - 1].word in NEGATORS):
            return text[words[i - 1].start if t.word in EXIST else t.start:t.end]
        if t.word in ("毫无", "没有") and i + 1 < len(words) and words[i + 1].word in ("根据", "依据", "事实根据"):
            return text[t.start:words[i + 1].end]
    return None
