"""Chinese rules: quantities with Chinese numerals and classifiers, hospital names, quotes."""

from __future__ import annotations

import re

from harvestwatch.core.quantity import Interval, Quantity
from harvestwatch.extract.numbers import ZH_NUMBER, parse_chinese
from harvestwatch.extract.quantities import QuantityMention

# classifier / noun after the number → (what, unit); checked in order, longest first.
ZH_UNITS: list[tuple[str, str, str]] = [
    ("例肝移植", "transplants", "transplants"), ("例肾移植", "transplants", "transplants"),
    ("例移植", "transplants", "transplants"), ("台移植手术", "transplants", "transplants"),
    ("例", "transplants", "cases"), ("台手术", "transplants", "transplants"),
    ("个器官", "organs", "organs"), ("个肾", "organs", "organs"), ("个肝", "organs", "organs"),
    ("个", "other", "items"),
    ("颗", "organs", "organs"), ("枚", "organs", "organs"),
    ("家医院", "hospitals", "hospitals"), ("所医院", "hospitals", "hospitals"),
    ("家移植中心", "hospitals", "hospitals"), ("家", "hospitals", "hospitals"),
    ("张床位", "beds", "beds"), ("张病床", "beds", "beds"), ("张床", "beds", "beds"),
    ("个床位", "beds", "beds"),
    ("名捐献者", "donors", "donors"), ("位捐献者", "donors", "donors"),
    ("名供体", "donors", "donors"), ("例捐献", "donors", "donors"),
    ("名志愿者", "registered_donors", "persons"), ("人登记", "registered_donors", "persons"),
    ("名", "victims", "persons"), ("人", "victims", "persons"), ("位", "victims", "persons"),
    ("万元", "money", "CNY"), ("亿元", "money", "CNY"), ("美元", "money", "USD"),
    ("元", "money", "CNY"),
    ("个小时", "duration", "hours"), ("小时", "duration", "hours"),
    ("天", "duration", "days"), ("日", "duration", "days"),
    ("个星期", "duration", "weeks"), ("星期", "duration", "weeks"), ("周", "duration", "weeks"),
    ("週", "duration", "weeks"),
    ("个月", "duration", "months"), ("個月", "duration", "months"),
    ("年", "duration", "years"),
]
_UNIT_ALT = "|".join(re.escape(u) for u, _, _ in sorted(ZH_UNITS, key=lambda t: -len(t[0])))
_UNIT_MAP = {u: (w, un) for u, w, un in ZH_UNITS}
_QTY = re.compile(
    r"(?P<pre>超过|超過|逾|多达|多達|高达|高達|至少|不少于|不少於|约|約|大约|大約|近|将近|將近|上|数|數|几|幾)?"
    r"(?P<num>" + ZH_NUMBER + r")(?P<post>多|余|餘|以上|左右)?(?P<unit>" + _UNIT_ALT + r")")
_RANGE = re.compile(r"(?P<lo>" + ZH_NUMBER + r")\s*(?:至|到|~|～|－|-|—)\s*(?P<hi>" + ZH_NUMBER + r")(?P<unit>" + _UNIT_ALT + r")")
_PRE = {"超过": "over", "超過": "over", "逾": "over", "上": "over", "至少": "at least",
        "不少于": "at least", "不少於": "at least", "多达": "up to", "多達": "up to",
        "高达": "up to", "高達": "up to", "约": "about", "約": "about", "大约": "about",
        "大約": "about", "近": "about", "将近": "about", "將近": "about"}
_POST = {"多": "over", "余": "over", "餘": "over", "以上": "over", "左右": "about"}
_WAIT = re.compile(r"等待|等候|等了|只需|仅需|僅需|就能|即可|找到|配型")
_HARM = re.compile(r"摘取|活摘|强摘|強摘|迫害|杀害|殺害|死亡|被关押|被關押|关押|關押|囚犯|学员|學員|受害|"
                   r"被捕|逮捕|拘留|拘押|失踪|失蹤|营地|營地|集中营|集中營|再教育|劳教|勞教|酷刑")
_VAGUE_ZH = [("数以百万计", 1e6, 9_999_999), ("數以百萬計", 1e6, 9_999_999),
             ("数以十万计", 1e5, 999_999), ("數以十萬計", 1e5, 999_999),
             ("数以万计", 1e4, 99_999), ("數以萬計", 1e4, 99_999),
             ("数以千计", 1e3, 9_999), ("數以千計", 1e3, 9_999), ("数以百计", 100, 999),
             ("數以百計", 100, 999), ("成千上万", 1e3, 99_999), ("成千上萬", 1e3, 99_999),
             ("成百上千", 100, 9_999)]
_PERSON_NOUNS = ["囚犯", "犯人", "学员", "學員", "信徒", "教徒", "基督徒", "穆斯林", "良心犯", "人"]


def _group_nouns() -> str:
    from harvestwatch.extract.gazetteer import load_gazetteer

    terms = set(_PERSON_NOUNS)
    for entry in load_gazetteer().entries:
        if entry.label == "victim_group":
            terms.update(a for a in entry.surface_forms if re.search(r"[\u4e00-\u9fff]", a))
    return "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))


def _interval(value: float, vague, qualifier: str | None) -> Interval:
    if vague:
        return Interval(vague[0], float("inf")) if qualifier in ("over", "at least") else Interval(*vague)
    if qualifier in ("over", "at least"):
        return Interval(value, float("inf"), value)
    if qualifier == "up to":
        return Interval(0, value, value)
    if qualifier == "about":
        return Interval(value * 0.9, value * 1.1, value)
    return Interval(value, value, value)
_RATE = re.compile(r"^(?:每年|一年|年均|全年|/年)")


def extract_quantities_zh(text: str) -> list[QuantityMention]:
    """Counted quantities in Chinese text (六万五千, 1万例, 两周, 等待时间为7天 ...)."""
    out = []
    ranges = []
    for m in _RANGE.finditer(text):
        lo, hi = parse_chinese(m.group("lo")), parse_chinese(m.group("hi"))
        if lo is None or hi is None:
            continue
        if hi < lo and not re.search(r"[万萬亿億]", m.group("lo")):  # "6至10万" means 60,000–100,000
            mult = 10_000 if re.search(r"[万萬]", m.group("hi")) else 100_000_000
            lo = lo * mult
        if lo >= hi:
            continue
        ranges.append(m)
        what, u = _UNIT_MAP[m.group("unit")]
        s_lo = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        s_hi = [i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i != -1]
        if what == "duration" and _WAIT.search(text[s_lo:(min(s_hi) if s_hi else len(text))]):
            what = "wait_time"
        scope = "per year" if re.search(r"每年|年均|全年", text[s_lo:m.start()]) else None
        out.append(QuantityMention(m.start(), m.end(), m.group(), Quantity(
            interval=Interval(lo, hi), unit=f"{u}/year" if scope else u, what=what, time_scope=scope)))
    for m in _QTY.finditer(text):
        if any(r.start() <= m.start() < r.end() for r in ranges):
            continue
        num, unit = m.group("num"), m.group("unit")
        value = parse_chinese(num)
        if value is None:
            continue
        if unit == "年" and re.fullmatch(r"(?:19|20)\d\d", num):
            continue  # a year, not a duration
        clause = re.split(r"[，,。；;！？\n]", text[m.end():m.end() + 40])[0]
        if unit == "年" and value == 1 and _QTY.search(clause):
            continue  # "一年完成两千例": a rate for the next count, not a duration
        if unit in ("名", "人", "位") and value == 1 and not m.group("pre"):
            continue  # "一名前警察": an article, not a count
        if unit == "日" and value <= 31 and re.search(r"月\s*$", text[max(0, m.start() - 3):m.start()]):
            continue  # a date
        what, u = _UNIT_MAP[unit]
        before = text[max(0, m.start() - 8):m.start()]
        if unit == "例" and "捐献" in before[-6:]:
            what, u = "donors", "donors"
        if unit == "个" and "器官" in before[-6:]:
            what, u = "organs", "organs"
        elif unit == "个" and what == "other":
            continue  # a bare classifier: not a claim by itself
        prefix = m.group("pre")
        qualifier = _PRE.get(prefix or "") or _POST.get(m.group("post") or "")
        vague = None
        if prefix in ("数", "數", "几", "幾"):
            vague = (value * 2, value * 10 - 1) if value >= 10 else None
            qualifier = None
        s_lo = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        s_hi_c = [i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i != -1]
        sentence = text[s_lo:(min(s_hi_c) if s_hi_c else len(text))]
        if what == "duration" and _WAIT.search(sentence):
            what = "wait_time"
        if what == "victims" and not _HARM.search(sentence):
            what = "other"
        end = m.end()
        scope = None
        year = re.search(r"((?:19|20)\d\d)\s*年(?!\s*[至到－—~～-])", text[s_lo:m.start()])
        if year and what not in ("duration", "wait_time"):
            scope = year.group(1)
        c_lo = max(s_lo, *(text.rfind(p, 0, m.start()) + 1 for p in "，,；;"))
        rate = _RATE.match(text[end:end + 4]) or re.search(r"每年|年均|全年", text[s_lo:m.start()]) \
            or re.search(r"(?<![\d〇零一二两兩三四五六七八九十])[一1]年(?!前|后|後|多|半|内|內|来|來)",
                         text[c_lo:m.start()])
        if rate and what not in ("duration", "wait_time"):
            scope = "per year"
            u = f"{u}/year"
        interval = _interval(value, vague, qualifier)
        q = Quantity(interval=interval, unit=u, what=what, value=None if vague else value,
                     qualifier=qualifier, time_scope=scope)
        out.append(QuantityMention(m.start(), end, text[m.start():end], q))
    out += _group_counts(text, out)
    # Bare large numbers ("六万五千人" is caught above; "六万五千" alone still counts).
    covered = [(q.start, q.end) for q in out]
    for m in re.finditer(r"(?<![\d〇零一二两兩三四五六七八九十百千万萬亿億])([一二两兩三四五六七八九十百千]+[万萬亿億][一二两兩三四五六七八九十百千万萬]*|\d+(?:\.\d+)?[万萬亿億])", text):
        if any(s <= m.start() < e for s, e in covered):
            continue
        value = parse_chinese(m.group(1))
        if value:
            out.append(QuantityMention(m.start(), m.end(), m.group(), Quantity(
                interval=Interval(value, value, value), unit="", what="other", value=value)))
    return sorted(out, key=lambda q: q.start)


_GROUP_RX: list[re.Pattern] = []


def _group_counts(text: str, found: list[QuantityMention]) -> list[QuantityMention]:
    """Counts of people named by their group: "150万维吾尔族人", "数以万计的法轮功学员"."""
    if not _GROUP_RX:
        vague_alt = "|".join(re.escape(v) for v, _, _ in _VAGUE_ZH)
        _GROUP_RX.append(re.compile(
            r"(?P<pre>超过|超過|逾|多达|多達|高达|高達|至少|约|約|大约|大約|近|将近|將近|上|数|數|几|幾)?"
            r"(?:(?P<vague>" + vague_alt + r")|(?P<num>" + ZH_NUMBER + r"))(?P<post>多|余|餘)?"
            r"(?:名|位|个|個)?(?:的)?(?P<noun>" + _group_nouns() + r")人?"))
    covered = [(q.start, q.end) for q in found]
    out = []
    for m in _GROUP_RX[0].finditer(text):
        if any(s <= m.start() < e or m.start() <= s < m.end() for s, e in covered):
            continue
        prefix = m.group("pre")
        qualifier = _PRE.get(prefix or "") or _POST.get(m.group("post") or "")
        if m.group("vague"):
            vague = next((lo, hi) for v, lo, hi in _VAGUE_ZH if v == m.group("vague"))
            value = None
        else:
            value = parse_chinese(m.group("num"))
            if not value or value == 1 or re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
                continue
            vague = (value * 2, value * 10 - 1) if prefix in ("数", "數", "几", "幾") else None
        if vague and prefix in ("数", "數", "几", "幾"):
            qualifier, value = None, None
        s_lo = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        s_hi = text.find("。", m.end())
        what = "victims" if _HARM.search(text[s_lo:s_hi if s_hi != -1 else len(text)]) else "other"
        q = Quantity(interval=_interval(value, vague, qualifier), unit="persons", what=what,
                     value=value, qualifier=qualifier, subject=m.group("noun"))
        out.append(QuantityMention(m.start(), m.end(), m.group(), q))
    return out
