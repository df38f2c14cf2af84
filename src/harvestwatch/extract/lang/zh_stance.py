"""Chinese denials read from jieba's words (either script): a denying verb, a word calling an
allegation false or made up, or a negated existence — matched as whole words, so 不实际 is no 不实.
Also who makes a Chinese claim (the subject of the speech verb whose words hold the cue) and
whether a sentence asserts an allegation at all (所谓 "so-called" marks it rejected)."""

from __future__ import annotations

import re

from harvestwatch.core.folding import fold_chinese
from harvestwatch.extract.lang.zh_entities import tokens
from harvestwatch.extract.mentions import EntityMention

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
# Morphemes that make a word (as jieba cuts it) call something false: 谎言, 弥天大谎, 谣言, 骗局 …
FALSE_MORPHEMES = ("谎", "谣", "骗局", "闹剧", "把戏", "捏造", "编造", "杜撰", "污蔑", "诬蔑", "抹黑")
COPULAS = {"是", "纯属", "系", "属于", "乃是", "纯粹是", "都是", "全是", "就是", "完全是", "根本是"}
# What names an allegation as the subject of such a predicate (simplified forms): the charge
# itself, or a report of it — but not the state's own word (当局的说法 is the critics' target).
CHARGE_WORDS = ("所谓", "活摘", "强摘", "摘取", "摘除", "指控", "指称")
REPORT_WORDS = ("说法", "报道", "传言", "言论", "文章", "所说", "声称")
SPEECH = {"表示", "称", "说", "指出", "指", "认为", "强调", "声称", "宣称", "指控", "揭露", "披露", "证实", "发现", "作证",
          "透露", "回应", "否认", "驳斥", "反驳", "谴责", "批评", "坦言", "承认", "介绍", "说明", "呼吁", "断言", "重申",
          "警告", "报告", "报道", "写道", "提到", "质疑", "确认", "宣布"}
_CLAUSE_END = "，,；;。！？!?："


def _false_word(word: str) -> bool:
    return word in FALSEHOOD or any(m in word for m in FALSE_MORPHEMES)


def _clause_start(folded: str, start: int, at: int) -> int:
    return max([start, *(folded.rfind(c, start, at) + 1 for c in _CLAUSE_END)])


def _said_of_allegation(folded: str, start: int, words: list, i: int) -> bool:
    """Whether the falsehood word words[i] is predicated of an allegation: 所谓…活摘…是…谎言,
    "法轮功"所说的"活摘"都是谎言; a clause that opens with 是 continues the subject before it."""
    t = words[i]
    head = _clause_start(folded, start, t.start)
    cops = [w for w in words[:i] if w.start >= head and w.word in COPULAS]
    if not cops:
        return False
    subject = folded[head:cops[0].start]
    while not subject.strip("“”「」\"' ") and head > start:  # "…，是其…骗局": the clause before is the subject
        prev = _clause_start(folded, start, head - 1)
        before = [w for w in words if prev <= w.start < head - 1 and w.word in COPULAS]
        subject = folded[prev:before[0].start if before else head - 1]
        head = prev
    if any(w in subject for w in CHARGE_WORDS):
        return True
    return any(w in subject for w in REPORT_WORDS) and not any(w in subject for w in (*OFFICIAL, *STATE))


def denial_zh(text: str, start: int, end: int) -> tuple[str, int] | None:
    """(why, where) when text[start:end] (one sentence) denies an allegation: a deny verb of an
    official body or the state, a falsehood word in an official's sentence or said of the
    allegation itself (whoever says it), a negated existence or "no basis" in an official's."""
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
                return text[t.start:t.end], t.start
        if (t.word in FALSEHOOD or t.word.startswith(("纯属", "纯粹是捏造"))) and official:
            return text[t.start:t.end], t.start
        if _false_word(t.word) and _said_of_allegation(folded, start, words, i):
            return text[t.start:t.end], t.start
        if not official:
            continue
        if t.word == "不存在" or (t.word in EXIST and i > 0 and words[i - 1].word in NEGATORS):
            at = words[i - 1].start if t.word in EXIST else t.start
            return text[at:t.end], at
        if t.word in ("毫无", "没有") and i + 1 < len(words) and words[i + 1].word in ("根据", "依据", "事实根据"):
            return text[t.start:words[i + 1].end], t.start
    return None


def claimant_zh(text: str, start: int, end: int, at: int, entities: list[EntityMention]) -> str | None:
    """Who makes the claim whose cue is at ``at`` in the sentence text[start:end]: the name just
    before the nearest speech verb (表示, 称, 指出 …) whose words hold the cue; None otherwise. A verb
    followed by a comma, colon or quote mark speaks to the end of the sentence; one followed by
    its words directly ("称中国政府…") speaks to the end of its clause."""
    folded = fold_chinese(text)
    words = [t for t in tokens(folded) if start <= t.start and t.end <= end]
    verbs = [t for t in words if t.word in SPEECH and t.start <= at]
    for v in reversed(verbs):
        after = folded[v.end:v.end + 1]
        if v.start <= at < v.end:
            reach = end
        elif after and after in "，,：:“「\"":
            reach = end
        else:
            depth, reach = 0, end
            for k in range(v.end, end):
                c = folded[k]
                if c in "“「":
                    depth += 1
                elif c in "”」":
                    depth -= 1
                elif depth <= 0 and c in _CLAUSE_END:
                    reach = k
                    break
        if not (v.start <= at < reach):
            continue
        head = _clause_start(folded, start, v.start)
        names = [e for e in entities if head <= e.start and e.end <= v.start
                 and e.label in ("person", "organization", "place")]
        if not names:
            return None
        names.sort(key=lambda e: (e.label != "place", e.end))  # a person or body before a place
        return names[-1].canonical
    return None


def asserted_zh(text: str, start: int, at: int) -> bool:
    """Whether the allegation cue at ``at`` is asserted: not when 所谓 ("so-called") stands
    before it in its clause, the speaker's sign that the charge is rejected."""
    folded = fold_chinese(text)
    head = _clause_start(folded, start, at)
    return not re.search(r"所谓的?[^，,；;。]{0,8}$", folded[head:at])
