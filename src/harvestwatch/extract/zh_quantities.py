"""Chinese quantities: the number, its measure word, the counted noun and the predicate.

Works on the script-folded text (traditional → simplified, same offsets) so one vocabulary
serves both scripts; spans are cut from the original text. jieba's segmentation and
part-of-speech tags name counted nouns outside the vocabulary (景点, 录音, 省) and the place a
figure is about. What a number counts is decided as in English (``quantity_reading.decide``):
from the counted noun's kind and the cue classes of the words of its sentence — a measure word
for people (名/位/人/口) gives victims only when the sentence says they were harmed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harvestwatch.core.folding import fold_chinese
from harvestwatch.core.quantity import Interval, Quantity
from harvestwatch.extract.lang.zh_entities import Token, tokens
from harvestwatch.extract.numbers import parse_chinese
from harvestwatch.extract.quantities import QuantityMention
from harvestwatch.extract.quantity_reading import Cue, Reading, decide

_NUM = (r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[万亿](?:\d+(?:[千百]|(?=[例名位人个家]))?)?|[千百][万亿]?)?"
        r"|[零〇一二两三四五六七八九十百千万亿]+")
_PRE = {"超过": "over", "逾": "over", "突破": "over", "上": "over", "多达": "up to", "高达": "up to",
        "最多": "up to", "多至": "up to", "至少": "at least", "不少于": "at least", "约": "about",
        "大约": "about", "近": "about", "将近": "about", "接近": "about", "不到": "under",
        "不足": "under", "少于": "under"}
_POST = {"多": "over", "余": "over", "以上": "over", "来": "about", "左右": "about",
         "以下": "up to", "之内": "up to", "以内": "up to", "内": "up to"}
_VAGUE_PRE = ("好几", "几", "数")
# measure word → (unit family, unit); checked longest first
_MEASURES = {
    "个小时": ("time", "hours"), "小时": ("time", "hours"), "分钟": ("time", "minutes"),
    "天": ("time", "days"), "日": ("time", "days"), "个星期": ("time", "weeks"),
    "星期": ("time", "weeks"), "周年": ("time", "years"), "周": ("time", "weeks"),
    "个月": ("time", "months"), "月": ("time", "months"), "年": ("time", "years"),
    "%": ("percent", "percent"), "％": ("percent", "percent"), "倍": ("times", "times"),
    "万元": ("money", "CNY"), "亿元": ("money", "CNY"), "美元": ("money", "USD"), "元": ("money", "CNY"),
    "名": ("person", "persons"), "位": ("person", "persons"), "人": ("person", "persons"),
    "口": ("person", "persons"), "例": ("case", "cases"), "台": ("case", "transplants"),
    "个": ("item", ""), "家": ("item", ""), "所": ("item", ""), "张": ("item", ""),
    "份": ("item", ""), "颗": ("item", ""), "枚": ("item", ""), "座": ("item", ""),
    "次": ("item", "times"),
}
_MEASURE_ALT = "|".join(sorted(map(re.escape, _MEASURES), key=len, reverse=True))
_POST_ALT = "多|余|以上|左右|以下|之内|以内|来"
# magnitude idioms → the range they stand for
_IDIOMS = {"成千上万": (1_000, 99_999), "成百上千": (100, 9_999), "数以百万计": (1_000_000, 9_999_999),
           "数以十万计": (100_000, 999_999), "数以万计": (10_000, 99_999), "数以千计": (1_000, 9_999),
           "数以百计": (100, 999)}
_QTY = re.compile(
    r"(?P<pre>" + "|".join(sorted(_PRE, key=len, reverse=True)) + r"|好几|几|数(?!以)|百分之|百万分之)?"
    r"(?:(?P<idiom>" + "|".join(_IDIOMS) + r")|(?P<num>" + _NUM + r")(?:(?P<sep>至|到|~|～|-|—|、)(?P<hi>"
    + _NUM + r"))?)?"
    r"(?P<post1>" + _POST_ALT + r")?"
    r"(?P<half>半)?"
    r"(?:(?P<ge>个)(?P<mid>多|半)?(?=小时|月|星期|钟头))?"
    r"(?P<unit>" + _MEASURE_ALT + r")?"
    r"(?P<half2>半)?"
    r"(?P<post2>多|余|以上|左右|以下|就?之内|以内|内)?")
_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 365, "hours": 1 / 24, "minutes": 1 / 1440}

# Counted nouns by kind (simplified script; the text is folded before matching).
_NOUNS: dict[str, tuple[str, ...]] = {
    "group": ("法轮功学员", "法轮功修炼者", "学员", "修炼者", "囚犯", "犯人", "信徒", "教徒", "基督徒",
              "穆斯林", "良心犯", "维吾尔族人", "维吾尔人", "维族人", "藏人", "藏族人", "哈萨克人",
              "被拘押者", "被关押者"),
    "execution_group": ("死刑犯", "死囚犯", "死囚"),
    "patient": ("患者", "病人", "病患", "受者", "患儿"),
    "donor": ("捐献者", "捐赠者", "供体", "器官捐献", "捐献", "捐赠"),
    "transplant": ("器官移植", "肝移植", "肾移植", "心脏移植", "肺移植", "移植手术", "移植", "手术",
                   "换肾", "换肝"),
    "organ": ("器官", "肾脏", "肝脏", "心脏", "角膜", "肾", "肝", "心", "肺", "胰腺", "眼角膜"),
    "hospital": ("医院", "移植中心", "医疗机构", "中心"),
    "bed": ("床位", "病床", "张床"),
    "person": ("村民", "公民", "居民", "市民", "民众", "群众", "人", "志愿者", "家属"),
}
_NOUN_ALT = re.compile("|".join(sorted({w for ws in _NOUNS.values() for w in ws}, key=len, reverse=True)))
_NOUN_KIND = {w: k for k, ws in _NOUNS.items() for w in ws}
_CUES: dict[str, tuple[str, ...]] = {
    "execute": ("死刑", "处决", "枪决", "死囚"),
    "harm": ("活摘", "强摘", "摘取", "摘除", "杀害", "杀", "迫害", "关押", "拘押", "拘留", "逮捕",
             "失踪", "酷刑", "折磨", "被害", "劳教", "奴役", "集中营", "再教育", "受害", "屠杀"),
    "register": ("登记", "签署", "签订", "志愿书", "报名", "注册", "志愿捐"),
    "donate": ("捐献", "捐赠", "捐出"),
    "transplant": ("移植", "换肾", "换肝", "手术"),
    "wait": ("等待", "等候", "等", "配型", "排队", "安排手术", "就可以", "即可", "换肾", "换肝"),
}
_CUE_ALT = re.compile("|".join(sorted({w for ws in _CUES.values() for w in ws}, key=len, reverse=True)))
_CUE_CLASS = {}
for _k, _ws in _CUES.items():
    for _w in _ws:
        _CUE_CLASS.setdefault(_w, _k)
_CLAUSE_END = "，,。；;！!？?\n：:「」“”"
_SENT_END = "。！!？?\n"


def _bounds(text: str, pos: int, ends: str) -> tuple[int, int]:
    """The clause or sentence around ``pos``; a comma between digits ("1,121") is no end."""
    rx = re.compile("[" + re.escape(ends) + "]")
    lo, hi = 0, len(text)
    for b in rx.finditer(text, max(0, pos - 300), min(len(text), pos + 300)):
        k = b.start()
        if b.group() == "," and text[k - 1:k].isdigit() and text[k + 1:k + 2].isdigit():
            continue
        if k < pos:
            lo = k + 1
        else:
            hi = k
            break
    return lo, hi


def _value(raw: str) -> float | None:
    return parse_chinese(raw.replace(",", ""))


def extract_quantities_zh(text: str) -> list[QuantityMention]:
    """Counted quantities in Chinese ``text`` (either script) with their readings."""
    folded = fold_chinese(text)
    toks = tokens(folded)  # the segmentation entities and testimonies share (cached)
    out: list[QuantityMention] = []
    for m in _QTY.finditer(folded):
        if not m.group() or not (m.group("num") or m.group("idiom") or m.group("pre") in _VAGUE_PRE):
            continue
        mention = _reading(text, folded, toks, m)
        if mention is not None and not (out and mention.start < out[-1].end):
            out.append(mention)
    return out


def _skip(folded: str, m: re.Match, unit: str | None, value: float) -> bool:
    """Dates, years, clock times, ages, ordinals, relative times and articles are no counts."""
    s, e = m.start("num"), m.end()
    after, before = folded[e:e + 2], folded[max(0, s - 1):s]
    num = m.group("num") or ""
    if before in ("第", "每", "周", "週") or before.isdigit() or before == ".":
        return True  # an ordinal, a rate's base ("每百万人"), a weekday
    if num and num[0].isdigit() and re.search(r"[A-Za-z@/._-]$", folded[max(0, s - 1):s]):
        return True
    if unit == "年" and (re.fullmatch(r"\d{4}|0\d", num) or folded[e:e + 1] in "代初底中末"):
        return True
    if unit == "年" and (before in "〇○零" or folded[max(0, s - 2):s] == "民国"
                        or re.match(r"[\d〇○零一二三四五六七八九十]{1,3}月", folded[e:e + 4])):
        return True  # a calendar year: "二○○七年" (digit by digit), "民国100年", "100年1月" (a date)
    if unit in ("日", "月") and not m.group("pre") and not re.match(r"就?(?:之内|以内|内|以上)",
                                                                       folded[e:e + 3]):
        return True  # a date ("7月31日", "17日电", "一月" = January), not a span of days
    if num and num[0].isdigit() and unit is None and folded[e:e + 1] in "楼层号届期版":
        return True
    if unit is None and folded[e:e + 1] in "月日号点点时岁世届":
        return True
    if after[:1] in "前后" and unit in ("天", "日", "年", "月", "个月", "周", "小时", "个小时", "星期"):
        return True  # "四天前", "2天后": a relative time
    if unit in ("名", "位", "人", "口", "家", "个", "例", "所", "次", "台") and value == 1 and not m.group("pre") \
            and not m.group("post1") and not m.group("post2"):
        return True  # "一名护士", "一家": an article
    return bool(re.fullmatch(r"(?:19|20)\d\d", num) and unit is None)


_QTY_COUNT = re.compile(r"\d|[一二两三四五六七八九十百千万]+[多余]?[例名位台家个]")
_NAMES = re.compile(r"《[^》]{0,40}》|“[^”]{0,15}”")
_SAVED = re.compile(r"挽救|拯救|救活|救了")


def _cues(text, folded, start, end, s_lo, s_hi, c_lo, c_hi) -> list[tuple[str, Cue]]:
    """Cue words around a number, each with its reach: harm only in the number's own clause
    (said of those counted, never in a question), donating and registering in its clause and
    the clauses that continue it; an answer also hears the question before it. Words inside
    titles and slogans (《…》, short “…”) are names, not predicates."""
    lo = s_lo
    ask = max(folded.rfind("?", max(0, s_lo - 80), s_lo), folded.rfind("？", max(0, s_lo - 80), s_lo))
    if ask != -1:
        lo = _bounds(folded, ask, _SENT_END)[0]  # "大概要等多少天？」 … 「快的三、二天"
    names = [(n.start(), n.end()) for n in _NAMES.finditer(folded, lo, s_hi)]
    sentence = folded[s_lo:s_hi]
    question = sentence.rstrip("」”").endswith(("吗", "?", "？")) or "吗" in sentence
    out = []
    for cm in _CUE_ALT.finditer(folded, lo, s_hi):
        k = cm.start()
        if start <= k < end or any(a < k < b for a, b in names):
            continue
        c = _CUE_CLASS[cm.group()]
        if c == "harm" and (question or k >= s_lo and not c_lo <= k < c_hi):
            continue  # a rhetorical or asked harm, or one said of someone else
        if c == "wait" and k >= c_hi:
            continue  # a later clause waits for something else
        if c in ("donate", "register") and s_lo <= k < c_lo:
            continue  # an earlier clause has its own subject ("死者捐献的肝脏, 挽救了3个人的生命")
        out.append((c, Cue(text[k:cm.end()], k, cm.end(), "predicate")))
    return out


def _bare_count(folded: str, m: re.Match) -> bool:
    """A number with no measure word counts only with a qualifier (500多, 几百), a range
    (4、500), or written in digits right before a counted noun or a donating verb."""
    num = m.group("num") or ""
    if re.search(r"(.)\1", num) and not num[0].isdigit():
        return False  # "千千万万": a figure of speech
    if m.group("pre") in _VAGUE_PRE or m.group("post1") or m.group("post2") or m.group("hi"):
        return True
    if m.group("pre") in ("百分之", "百万分之"):
        return True
    after = folded[m.end():m.end() + 6]
    if num[:1].isdigit() and (_NOUN_ALT.match(after) or re.match(r"(?:成功)?捐献", after)):
        return True
    return bool(num[:1].isdigit() and "." in num)  # a rate: "捐献率仅为2.98"


def _reading(text: str, folded: str, toks: Sequence[Token], m: re.Match) -> QuantityMention | None:
    pre, num, hi_raw, unit = m.group("pre"), m.group("num"), m.group("hi"), m.group("unit")
    post = m.group("post1") or m.group("post2") or (m.group("mid") if m.group("mid") == "多" else None)
    if m.group("ge") and unit:
        unit = "个" + unit if "个" + unit in _MEASURES else unit
    if m.group("idiom"):
        return _idiom(text, folded, toks, m)
    if num is None:  # "几天": a vague count with no numeral; "数个", "这几年" are no figures
        if pre not in ("几", "好几") or not unit or folded[m.start() - 1:m.start()] in ("这", "那", "前"):
            return None
        num = "一"
    value = _value(num)
    if value is None or _skip(folded, m, unit, value):
        return None
    if unit is None and not _bare_count(folded, m):
        return None
    half = 0.5 if (m.group("half") or m.group("half2") or m.group("mid") == "半") else 0
    qualifier = _PRE.get(pre or "") or _POST.get((post or "").lstrip("就"))
    low = high = None
    if hi_raw:
        hi = _value(hi_raw)
        if hi is None:
            return None
        if m.group("sep") == "、":  # "4、500" = 400 or 500; "三、二天" = two or three days
            if len(str(int(value))) < len(str(int(hi))) and not re.search(r"[万亿千百]", num):
                value = value * 10 ** (len(str(int(hi))) - len(str(int(value))))
            low, high = min(value, hi), max(value, hi)
        else:
            if hi < value and not re.search(r"[万亿]", num) and re.search(r"[万亿]", hi_raw):
                value *= 10_000 if "万" in hi_raw else 100_000_000
            if value >= hi:
                return None
            low, high = value, hi
        value = None
    elif pre in _VAGUE_PRE:  # 几百 → 200–999, 几天 → 2–9, 好几亿 → 2亿–9.99亿
        low, high, value, qualifier = value * 2, value * 10 - 1, None, None
        if value is None and low < 2:
            low, high = 2, 9
    elif post == "来" and qualifier == "about":
        pass  # "十来天" ≈ 10 days
    if half and value is not None:
        value += half
    start, end = m.start(), m.end()
    if pre in ("百分之", "百万分之"):
        unit = "%" if pre == "百分之" else None
    family, unit_name = _MEASURES.get(unit or "", (None, ""))
    s_lo, s_hi = _bounds(folded, m.start(), _SENT_END)
    c_lo, c_hi = _bounds(folded, m.start(), _CLAUSE_END)
    sentence = folded[s_lo:s_hi]
    cues = _cues(text, folded, start, end, s_lo, s_hi, c_lo, c_hi)
    what: str | None = None
    noun_end = end
    if pre == "百万分之" or family is None and re.search(r"每百万人|百万分之", sentence):
        if any(c == "donate" for c, _ in cues):
            what, unit_name = "donors", "donors per million population"
            reading = Reading(what, unit_name, [cue for c, cue in cues if c == "donate"])
        else:
            return None
    elif family == "time":
        days = _DAYS[unit_name]
        wait = [cue for c, cue in cues if c == "wait"]
        after = folded[end:end + 4]
        if re.match(r"(?:之?内|以内)?就?(?:可以|可|能|即可)?(?:换[肾肝心肺]|安排|移植)", after):
            wait.append(Cue(text[end:end + 2], end, end + 2, "predicate"))
        if re.search(r"术后|存活|生存", folded[c_lo:start]) or re.match(r"来|以来", after):
            wait = []  # survival after surgery, "十年来": a span of time, not a wait
        if value == 1 and not (pre or post) and _QTY_COUNT.search(folded, end, c_hi):
            return None  # "一年做肝移植三百多例": the base of a rate, not a span of time
        if wait:
            what, scale = "wait_time", days
            unit_name = "days"
        else:
            what, scale = "duration", 1
        value, low, high = (None if value is None else value * scale,
                            None if low is None else low * scale, None if high is None else high * scale)
        reading = Reading(what, unit_name, wait)
        if m.group("unit") in ("年", "周年") and num.isdigit() and value and value > 200:
            return None
    elif family in ("percent", "times", "money"):
        what = "money" if family == "money" else "other"
        if unit == "万元":
            value = None if value is None else value * 10_000
        elif unit == "亿元":
            value = None if value is None else value * 100_000_000
        reading = Reading(what, unit_name, [Cue(text[m.start("unit"):m.end("unit")] if m.group("unit")
                                                else pre, start, end, "unit")])
    else:
        counted = _counted(text, folded, toks, m, family, cues, c_lo, c_hi)
        if counted is None:
            return None
        reading, noun_end = counted
        if family is None and not qualifier and low is None and not reading.cues:
            return None
    # an open end only where the qualifier says so
    if value is not None:
        interval = _interval(value, qualifier)
    else:
        interval = Interval(low, float("inf")) if qualifier in ("over", "at least") else Interval(low, high)
    scope = _period(folded, s_lo, c_lo, start, reading.what)
    unit_out = reading.unit
    if scope and scope.startswith("per ") and unit_out:
        unit_out = f"{unit_out}/{scope[4:]}"
    q = Quantity(interval=interval, unit=unit_out, what=reading.what, value=value,
                 qualifier=qualifier, time_scope=scope, subject=_place(toks, text, s_lo, start),
                 decided_by=reading.because())
    span_end = max(end, noun_end)
    return QuantityMention(start, span_end, text[start:span_end], q)


def _idiom(text: str, folded: str, toks: Sequence[Token], m: re.Match) -> QuantityMention | None:
    """"成千上万的藏族人", "数以万计的法轮功学员": a magnitude idiom counts the noun it modifies."""
    low, high = _IDIOMS[m.group("idiom")]
    start = m.start()
    s_lo, s_hi = _bounds(folded, start, _SENT_END)
    c_lo, c_hi = _bounds(folded, start, _CLAUSE_END)
    k = m.end() + (1 if folded[m.end():m.end() + 1] == "的" else 0)
    noun = _NOUN_ALT.match(folded, k)
    if noun is None:
        return None
    cues = _cues(text, folded, start, m.end(), s_lo, s_hi, c_lo, c_hi)
    kind = _NOUN_KIND[noun.group()]
    counted = Cue(text[noun.start():noun.end()], noun.start(), noun.end(), "counted")
    if kind == "execution_group":
        kind, cues = "group", cues + [("execute", counted)]
    reading = decide(kind, counted, [(c, cue) for c, cue in cues if c in ("harm", "execute")]
                     if kind in ("person", "group") else [], "persons")
    q = Quantity(Interval(low, high), reading.unit, reading.what, None, None,
                 _period(folded, s_lo, c_lo, start, reading.what), _place(toks, text, s_lo, start),
                 reading.because())
    return QuantityMention(start, noun.end(), text[start:noun.end()], q)


def _counted(text, folded, toks, m, family, cues, c_lo, c_hi) -> tuple[Reading, int] | None:
    """The counted noun (after the measure word, after a 的-phrase, or before the number in
    its clause) and the decision for it."""
    end = m.end()
    noun = _NOUN_ALT.match(folded, end)
    plain = _plain_noun(toks, end) if noun is None and family == "item" else None
    if noun is None and not plain:  # "400多名来自全国各地的移植患者": the head after 的
        de = folded.find("的", end, c_hi)
        if de != -1 and de - end <= 14 and (family is not None or m.group("pre") in _VAGUE_PRE):
            noun = _head_after(folded, de + 1, c_hi)
    if plain:
        return Reading("other", plain, []), end + len(plain)
    if noun is None and family in (None, "case", "item", "person"):
        before = [n for n in _NOUN_ALT.finditer(folded, c_lo, m.start())]
        if before and family != "person":
            noun = before[-1]
        elif family == "person" and before and _NOUN_KIND[before[-1].group()] == "execution_group":
            noun = before[-1]
    kind = _NOUN_KIND.get(noun.group()) if noun else None
    word = noun.group() if noun else None
    noun_end = noun.end() if noun is not None and noun.start() >= end else end
    counted = Cue(text[noun.start():noun.end()], noun.start(), noun.end(), "counted") if noun else None
    measure = m.group("unit")
    classes = {c for c, _ in cues}
    if kind == "execution_group":
        kind, cues = "group", cues + [("execute", counted)]
    if family == "person" and noun is None:
        role = _noun_before(toks, m.start(), c_lo)
        if role is not None:  # "器官捐献协调员1900多人": the people are the coordinators
            return Reading("other", role, [Cue(text[_s:_e], _s, _e, "counted")
                                           for _s, _e in [_find_before(folded, role, m.start())]]), noun_end
    if family == "person" and kind in (None, "donor", "organ", "transplant", "hospital"):
        kind, counted = "person", Cue(text[m.start("unit"):m.end("unit")], m.start("unit"),
                                       m.end("unit"), "counted")
    if measure == "例" and kind in (None, "transplant", "organ", "patient"):
        # cases: donations where the sentence counts donating, transplants otherwise
        if "donate" in classes and (kind is None or word in ("捐献", "器官捐献")) and \
                not re.search(r"移植", folded[c_lo:m.start()]):
            kind = "donor"
        elif kind in (None, "organ"):
            kind = "transplant"
        counted = counted or Cue(text[m.start("unit"):m.end("unit")], m.start("unit"), m.end("unit"), "counted")
    if measure == "家" and kind != "hospital":
        unit = _plain_noun(toks, end) or ""
        return (Reading("other", unit, [counted] if counted else []), noun_end) if unit else None
    if family is None and kind is None:
        after = folded[end:end + 6]
        if re.match(r"(?:成功)?捐献", after):
            kind = "donor"
    if family in ("person", None) and _SAVED.search(folded, c_lo, m.start()):
        saved = _SAVED.search(folded, c_lo, m.start())
        return Reading("other", "persons", [Cue(text[saved.start():saved.end()], saved.start(),
                                                saved.end(), "predicate")]), noun_end  # lives saved
    if kind is None and noun is None and family in (None, "item") and (
            end >= len(folded) or folded[end] in "，,。？?！!吧呀啊了的、」”\n"):
        # an elided noun ("说是有300多个", "去年500多"): what the sentence does decides
        if re.search(r"做了?$", folded[max(0, m.start() - 2):m.start()]):
            classes = classes | {"transplant"}
        if "donate" in classes:
            kind = "donor"
        elif "transplant" in classes:
            kind = "transplant"
        if kind:
            return decide(kind, None, [(c, cue) for c, cue in cues if c in ("donate", "transplant")],
                          ""), noun_end
    if kind is None and noun is None:
        plain = _plain_noun(toks, end)
        if family == "item" and not plain:
            return None  # a bare measure word: "一个个", "那个"
        return Reading("other", plain or _MEASURES.get(measure or "", ("", ""))[1] or "", []), noun_end
    if kind in ("person", "group", "patient"):
        relevant = [(c, cue) for c, cue in cues if c in ("harm", "execute", "register", "donate")]
        if kind == "patient":
            relevant = [(c, cue) for c, cue in relevant if c == "harm"]
        return decide(kind, counted, relevant, "persons"), noun_end
    if kind == "donor":  # a donation is registered only if its own clause says so
        return decide("donor", counted, [(c, cue) for c, cue in cues if c == "register"
                                         and c_lo <= cue.start < c_hi], "donations"), noun_end
    return decide(kind, counted, [], _plain_noun(toks, end) or ""), noun_end


_LINKS = {"有", "是", "为", "达", "达到", "约", "近", "共", "共有", "已", "已有", "超过", "在", "现有", "计"}
_CONTAINER = {"人数", "数量", "总数", "人次", "数"}


def _noun_before(toks: Sequence[Token], pos: int, c_lo: int) -> str | None:
    """A noun outside the vocabulary just before a count of people ("协调员有100多名"), which
    the people are; None when the noun is a container ("登记人数") or is missing."""
    before = [t for t in toks if c_lo <= t.start and t.end <= pos]
    while before and before[-1].word in _LINKS:
        before.pop()
    if not before:
        return None
    t = before[-1]
    if not t.tag.startswith("n") or t.tag.startswith(("nr", "ns", "nt")) or t.word in _CONTAINER \
            or t.word in _NOUN_KIND or len(t.word) < 2 or t.word[0] in "全各本该此" \
            or t.word[-1] in "国省市县区地内外年月日":
        return None  # a scope ("全国已有…人"), a place or a time: not who the people are
    return t.word


def _find_before(folded: str, word: str, pos: int) -> tuple[int, int]:
    k = folded.rfind(word, 0, pos)
    return k, k + len(word)


def _plain_noun(toks: Sequence[Token], pos: int) -> str | None:
    """The noun jieba finds right after a measure word (景点, 录音, 省), if any."""
    for t in toks:
        if t.end <= pos:
            continue
        if t.start > pos:
            w = t.word
        else:
            w = t.word[pos - t.start:]
        if w and t.tag.startswith(("n", "vn")) and not t.tag.startswith("nr") and len(w) <= 4:
            return w
        return None
    return None


def _head_after(folded: str, pos: int, limit: int):
    for n in _NOUN_ALT.finditer(folded, pos, limit):
        return n
    return None


def _interval(value: float, qualifier: str | None) -> Interval:
    if qualifier in ("over", "at least"):
        return Interval(value, float("inf"), value)
    if qualifier in ("up to", "under"):
        return Interval(0, value, value)
    if qualifier == "about":
        return Interval(value * 0.9, value * 1.1, value)
    return Interval(value, value, value)


def _period(folded: str, s_lo: int, c_lo: int, pos: int, what: str) -> str | None:
    """每年/年均 → per year; 截至2018年底 → by 2018; 2002年以来 → since 2002; 2016年 → 2016."""
    if what in ("duration", "wait_time"):
        return None
    window = folded[s_lo:pos]
    if re.search(r"每年|年均|全年|一年(?!前|后|多|半|内|来)|(?<![\d〇零一二两三四五六七八九十今去明])年[^，。\d]{0,4}量",
                 folded[c_lo:pos]) or \
            re.search(r"每年|年均", window):
        return "per year"
    if re.search(r"每月|月均", window):
        return "per month"
    found = list(re.finditer(r"((?:19|20)\d\d)\s*年(底|末|以来|来)?", window))
    if not found:
        return None
    y = found[-1]
    if re.search(r"截至|截止|到", window[max(0, y.start() - 4):y.start()]):
        return f"by {y.group(1)}"
    if y.group(2) in ("以来", "来"):
        return f"since {y.group(1)}"
    return y.group(1)


def _place(toks: Sequence[Token], text: str, s_lo: int, pos: int) -> str | None:
    """The place or body a figure is about: the last place (ns) or institution (nt) jieba
    tags in the sentence before the number."""
    best = None
    for t in toks:
        if t.start >= pos:
            break
        if t.start >= s_lo and t.tag in ("ns", "nt"):
            best = text[t.start:t.end]
    return best
