"""Chinese denials read from jieba's words (either script): a denying verb, a word calling an
allegation false or made up, or a negated existence — matched as whole words, so 不实际 is no 不实."""

from __future__ import annotations

from harvestwatch.core.folding import fold_chinese
from harvestwatch.extract.lang.zh_entities import tokens

DENY_VERBS = {"否认", "驳斥", "辟谣", "反驳", "批驳", "驳回", "否定"}
FALSEHOOD = {"捏造", "编造", "谣言", "造谣", "污蔑", "诬蔑", "抹黑", "诽谤", "谎言", "谎话", "不实", "虚假",
             "子虚乌有", "无中生有", "凭空捏造", "纯属", "毫无根据", "没有根据", "毫无事实根据", "杜撰",
             "歪曲", "炒作", "政治操弄", "别有用心", "恶意"}
# Who may deny or call a charge false: official bodies and roles (simplified forms). A denial
# verb also takes the state named as a whole (中共否认, 北京驳斥); a falsehood word does not,
# since critics write of "中共的谎言".
OFFICIAL = ("发言人", "官员", "官方", "政府", "外交部", "卫生部", "卫健委", "卫计委", "国务院", "新闻办", "使馆",
            "领事馆", "代表团", "公安", "医院", "院长", "委员会", "主任委员", "部长", "新华社", "人民日报")
STATE = ("中共", "中国", "北京", "当局", "政权")
NEGATORS = {"不", "没有", "没", "从未", "从来不", "根本", "绝不", "并不", "从没", "未曾", "从来没有"}
EXIST = {"存在", "发生", "有过"}


def denial_cue_zh(text: str, start: int, end: int) -> str | None:
    """Why text[start:end] (one sentence) denies an allegation, or None."""
    folded = fold_chinese(text)
    line = folded[start:end].strip()
    if not line.endswith(("。", "！", "？", "”", "」", "!", "?")) and not any(c in line for c in "，,；;"):
        return None  # a headline or caption, not running text
    words = [t for t in tokens(folded) if start <= t.start and t.end <= end]
    sentence = folded[start:end]
    official = any(w in sentence for w in OFFICIAL)
    for i, t in enumerate(words):
        if t.word in DENY_VERBS:
            clause = folded[max([start, *(folded.rfind(c, start, t.start) + 1 for c in "，,；;：:")]):t.start]
            if any(w in clause for w in (*OFFICIAL, *STATE)):
                return text[t.start:t.end]
        if (t.word in FALSEHOOD or t.word.startswith(("纯属", "纯粹是捏造"))) and official:
            return text[t.start:t.end]
        if not official:
            continue
        if t.word == "不存在" or (t.word in EXIST and i > 0 and words[i - 1].word in NEGATORS):
            return text[words[i - 1].start if t.word in EXIST else t.start:t.end]
        if t.word in ("毫无", "没有") and i + 1 < len(words) and words[i + 1].word in ("根据", "依据", "事实根据"):
            return text[t.start:words[i + 1].end]
    return None
