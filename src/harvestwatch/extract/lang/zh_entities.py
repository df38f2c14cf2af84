"""Chinese named entities in either script.

jieba's tagger works on simplified text, so the text is folded (traditional → simplified,
one character for one, offsets unchanged), segmented and tagged, and every span is read
back from the original text. Organisation and hospital names are found by their structure:
a head word (…医院, …委员会, …红十字会, …部) preceded by the name-like words jieba gives for it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from harvestwatch.core.folding import fold_chinese
from harvestwatch.extract.mentions import EntityMention


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    word: str  # folded (simplified) form
    tag: str


@functools.lru_cache(maxsize=8)
def tokens(folded: str) -> tuple[Token, ...]:
    """jieba's words with their POS tags and offsets (``folded`` is simplified text); cached, so
    entities, testimonies and stances of one text share one segmentation pass."""
    import rjieba

    out, pos = [], 0
    for word, tag in rjieba.tag(folded):
        start = folded.find(word, pos)
        if start < 0:
            continue
        pos = start + len(word)
        out.append(Token(start, pos, word, tag))
    return tuple(out)


@functools.cache
def _dictionary() -> tuple[frozenset[str], frozenset[str]]:
    """(every word of jieba's dictionary, the words it tags as names yet are ordinary words).
    A real person's name is rare in a general dictionary: a name-tagged word with frequency
    ≥ 10 (文明, 保健, 凤凰) is a word, and a word the dictionary lacks may be a name."""
    words, common_names = set(), set()
    with resources.files("jieba").joinpath("dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) != 3:
                continue
            words.add(parts[0])
            if parts[2].startswith("nr") and int(parts[1]) >= 10:
                common_names.add(parts[0])
    return frozenset(words), frozenset(common_names)


def _dictionary_words() -> frozenset[str]:
    return _dictionary()[1]


# Titles and roles written next to a name: 村民朱际葵, 黎功医生, 曾铮女士, 汪志远博士.
TITLES = ("村民", "学员", "医生", "医师", "护士", "护士长", "主任", "委员", "记者", "作家", "教授", "博士",
          "律师", "院长", "主席", "发言人", "秘书长", "女士", "先生", "部长", "书记", "局长", "厅长", "校长",
          "总裁", "董事长", "处长", "科长", "所长", "研究员", "法官", "警察", "负责人", "同事", "妻子", "丈夫",
          "副院长", "副主任", "副部长", "会长", "理事长")


# The 200 most common single surnames and the compound ones (百家姓 by frequency, simplified).
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳"
    "甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解"
    "牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边"
    "卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封") | {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "夏侯", "令狐"}

# Words jieba's dictionary tags as places that are ordinary words ("回国" = go home).
_NOT_PLACES = {"回国", "东西", "嘉宾", "大国", "出国", "全国", "外国", "各国", "本国", "我国", "两国",
               "万国", "大陆"}
_NAME_TAGS = ("nr", "nrfg", "nrt")
_PLACE_ENDS = set("省市县区镇乡村州岛屯庄寨堡")
# Head words of organisation and institution names, longest first (simplified).
ORG_HEADS = ("红十字会", "红十字报", "委员会", "政法委", "卫健委", "政治局", "研究所", "研究院",
             "研究中心", "移植中心", "捐献中心", "办公室", "基金会", "学会", "协会", "联合会",
             "科学院", "大学", "学院", "法院", "检察院", "公安厅", "公安局", "公安", "卫生厅", "卫生局",
             "医院", "附属院", "周刊", "日报", "时报", "晚报", "卫视", "电视台", "通讯社", "新闻社",
             "使团", "大使馆", "使馆", "领事馆", "代表团", "网", "社", "报", "部", "局", "厅", "署", "中心", "议会",
             "国会", "政府")
_HEAD_RX = re.compile("|".join(sorted(ORG_HEADS, key=len, reverse=True)))
# A name starts with a proper word: a place, an organisation, an abbreviation, or a national prefix.
_PROPER_TAGS = ("ns", "nt", "nz", "j", "nrt")
_NATIONAL = {"国家", "中央", "全国", "中华", "国务院", "国际", "世界", "亚洲", "欧洲", "联合国", "解放军",
             "武警"}
# Words that may sit inside a name after its proper start (器官, 捐献, 移植, 第一, 附属, 与).
_INNER_TAGS = ("ns", "nt", "nz", "j", "n", "l", "vn", "b", "nr", "nrt", "v", "m", "a", "an", "s")
# Institution types that are no name on their own.
_GENERIC = {"劳教所", "地方法院", "法院", "医院", "政府", "监狱", "看守所", "中心", "大学", "网", "部",
            "委员会", "红十字会", "学会", "协会", "公安", "局", "厅", "报社", "电视台", "研究所",
            "移植中心", "器官移植中心", "中心医院", "人民医院", "附属医院"}
_LEAD_TRIM = {"原", "前", "现任", "副", "该", "这", "那", "此", "各", "本", "首家", "一家", "由"}
_HOSPITAL_HEADS = ("医院", "附属院", "移植中心")


def _transliterated(toks: tuple[Token, ...]) -> list[tuple[int, int]]:
    """Foreign names written with a middle dot (大卫·麦塔斯): the word before the dot and the
    name-like words after it."""
    out = []
    for i, t in enumerate(toks):
        if t.word not in "·・•" or i == 0 or i + 1 >= len(toks):
            continue
        left = toks[i - 1]
        if not re.fullmatch(r"[\u4e00-\u9fff]{1,4}", left.word) or left.end != t.start:
            continue
        j = i + 1
        while j < len(toks) and toks[j].start == toks[j - 1].end and toks[j].tag in (*_NAME_TAGS, "n", "ns", "nz") \
                and toks[j].end - toks[i + 1].start <= 6 and re.fullmatch(r"[\u4e00-\u9fff]+", toks[j].word):
            j += 1
        if j > i + 1:
            out.append((left.start, toks[j - 1].end))
    return out


# Words of this genre jieba tags as names ("高达" = "as high as").
_NOT_NAMES = {"高达", "多达", "达到", "长达", "约有", "仅需", "只需", "不少", "上万", "数万"}


def _is_person(tok: Token) -> bool:
    w = tok.word
    if not 2 <= len(w) <= 4 or w in _dictionary_words() or w in _NOT_NAMES:
        return False
    return w[:2] in SURNAMES or w[0] in SURNAMES


def _coordinated_names(toks: tuple[Token, ...], i: int) -> tuple[list[tuple[int, int]], int] | None:
    """Names joined by 和/与 inside a run of name-tagged words, split at the conjunction."""
    j = i
    while j < len(toks) and toks[j].tag in (*_NAME_TAGS, "nz") and (j == i or toks[j].start == toks[j - 1].end):
        j += 1
    if j - i < 2:
        return None
    start, end = toks[i].start, toks[j - 1].end
    joined = "".join(t.word for t in toks[i:j])
    inner = [k for k, ch in enumerate(joined) if ch in "和与" and 0 < k < len(joined) - 1]
    if len(inner) != 1 or any(joined[inner[0]] in t.word and t.word.startswith(joined[inner[0]])
                              for t in toks[i:j]):
        return None  # only a conjunction the segmenter glued inside a word
    k = inner[0]
    parts = [(start, start + k), (start + k + 1, end)]
    if all(2 <= b - a <= 3 and joined[a - start] in SURNAMES and joined[a - start:b - start] not in _dictionary()[0]
           for a, b in parts):
        return parts, j
    return None


def _persons(toks: tuple[Token, ...]) -> list[tuple[int, int]]:
    """Person names: jieba's name tags, with a surname split from its given name (汪/志远) joined."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        run = _coordinated_names(toks, i)
        if run:  # "沈越/千和王/少华": two names joined by 和 that the segmenter cut across
            out.extend(run[0])
            i = run[1]
            continue
        after_title = i > 0 and toks[i - 1].end == t.start and toks[i - 1].word.endswith(TITLES)
        if (t.tag == "nr" or after_title) and len(t.word) == 1 and t.word in SURNAMES and nxt is not None \
                and nxt.start == t.end and 1 <= len(nxt.word) <= 2 and nxt.tag in (*_NAME_TAGS, "ns", "nz") \
                and (t.tag == "nr" or nxt.word not in _dictionary()[0] or nxt.tag in _NAME_TAGS):
            out.append((t.start, nxt.end))
            i += 2
            continue
        if t.tag in ("nr", "nrfg") and _is_person(t):
            out.append((t.start, t.end))
        elif 2 <= len(t.word) <= 3 and t.word[0] in SURNAMES and t.word not in _dictionary()[0] \
                and re.fullmatch(r"[\u4e00-\u9fff]+", t.word) and (
                    (i > 0 and toks[i - 1].end == t.start and toks[i - 1].word.endswith(TITLES))
                    or (nxt is not None and nxt.start == t.end and nxt.word.startswith(TITLES))):
            out.append((t.start, t.end))  # a name jieba does not know, next to a title: 村民朱际葵
        i += 1
    return out


# Bodies commonly named by their head word alone.
_ABBREVIATED_BODIES = {"政法委", "政治局", "卫健委", "纪委", "统战部", "宣传部", "外交部", "公安部", "卫生部",
                       "司法部", "国务院", "人大", "政协"}


def _quoted_name(folded: str, end: int) -> int | None:
    """Where a name that ends at ``end`` right before a closing quote mark starts (its opening mark)."""
    if folded[end:end + 1] not in ("”", "」", "』"):
        return None
    k = max(folded.rfind(q, max(0, end - 16), end) for q in "“「『")
    if k == -1 or re.search(r"[，,。；;：:、\s]", folded[k + 1:end]):
        return None
    return k + 1


def _organisations(toks: tuple[Token, ...], folded: str) -> list[tuple[int, int, str]]:
    """Names ending in an institution's head word, walked back over name-like words to a proper start."""
    out = []
    for i, t in enumerate(toks):
        head = _HEAD_RX.search(t.word)
        if t.tag == "nt" and len(t.word) >= 3 and t.word not in _GENERIC and not t.word.endswith("科") \
                and not (head and t.word.endswith(head.group())):
            j = i
            while j > 0 and toks[j - 1].end == toks[j].start and toks[j - 1].tag == "ns":
                j -= 1
            out.append((toks[j].start, t.end, "organization"))  # a tagged institution: 国务院新闻办
            continue
        if not head or not t.word.endswith(head.group()):
            continue
        quoted = _quoted_name(folded, t.end)
        if quoted is not None:  # “捍卫民主基金会”: the quote marks delimit the name
            out.append((quoted, t.end, "hospital" if t.word.endswith(_HOSPITAL_HEADS) else "organization"))
            continue
        if len(head.group()) == 1 and t.tag not in ("nt", "n", "nz") and t.word == head.group():
            continue  # a one-character head ("部", "网") must be part of a word or a tagged name
        j = i
        if t.tag in ("nt", "nz") and t.word != head.group():
            while j > 0 and toks[j - 1].end == toks[j].start and toks[j - 1].tag == "ns":
                j -= 1  # "美国 卫生部": the place is part of the body's name
        else:
            while j > 0 and toks[j - 1].end == toks[j].start and toks[j - 1].tag in (*_INNER_TAGS, "p") \
                    and toks[j - 1].word not in _LEAD_TRIM and i - j < 8:
                if toks[j - 1].tag == "p" and toks[j - 1].word not in ("与", "和"):
                    break
                if toks[j - 1].tag == "v" and toks[j - 1].word != "驻" and (
                        toks[j].tag in _PROPER_TAGS or toks[j].word in _NATIONAL):
                    break  # "美国 指称 武警…医院": a verb before a proper word ends the name
                j -= 1
        # trim to the first proper word: "主要 来自 医院" has none, "大陆 移植 医院" neither
        while j < i and not (toks[j].tag in _PROPER_TAGS or toks[j].word in _NATIONAL):
            j += 1
        # "X医院 肝移植 办公室" is a ward of hospital X: the hospital is the name
        inner_head = next((k for k in range(i - 1, j - 1, -1) if toks[k].word.endswith(_HOSPITAL_HEADS)), None)
        if inner_head is not None:
            continue
        start_tok = toks[j]
        if j == i and not (t.tag in ("nt", "nz", "j") and t.word != head.group() or t.word[: -len(head.group())]
                           or t.word in _ABBREVIATED_BODIES):
            continue  # a bare head word ("基金会") names nothing
        if start_tok.tag in ("p", "v", "m"):
            continue
        name = folded[start_tok.start:t.end]
        if name in _GENERIC or len(name) < 3:
            continue
        label = "hospital" if name.endswith(_HOSPITAL_HEADS) else "organization"
        out.append((start_tok.start, t.end, label))
    return out


def ner_mentions_zh(text: str) -> list[EntityMention]:
    """Persons, places and organisations in Chinese text of either script."""
    folded = fold_chinese(text)
    toks = tokens(folded)
    out = [EntityMention("person", s, e, text[s:e], text[s:e], "ner") for s, e in _transliterated(toks)]
    names = set()
    for s, e in _persons(toks):
        label = "place" if folded[e - 1] in _PLACE_ENDS else "person"  # 高田村 is a village
        out.append(EntityMention(label, s, e, text[s:e], text[s:e], "ner"))
        if label == "person":
            names.add(folded[s:e])
    # a name found once is the same name wherever else it is written (田滏明一一列举)
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name), folded):
            out.append(EntityMention("person", m.start(), m.end(), text[m.start():m.end()],
                                     text[m.start():m.end()], "ner"))
    titles = [(m.start(), m.end()) for m in re.finditer(r"《[^》\n]{1,60}》", folded)]
    places = [t for t in toks if t.tag == "ns" and len(t.word) >= 2 and t.word not in _NOT_PLACES
              and not any(a < t.start < b for a, b in titles)]  # 《中国人体器官捐献志愿书》 is a title
    full = {t.word: text[t.start:t.end] for t in places}
    for t in places:
        name = text[t.start:t.end]
        longer = next((full[t.word + x] for x in "市省县区" if t.word + x in full), None)
        short = t.word[:-1] if t.word[-1:] in "市省县区" and len(t.word) >= 3 else None
        # "天津" and "天津市" in one text are one place, named in full
        out.append(EntityMention("place", t.start, t.end, name, longer or name, "ner",
                                 [name, t.word[:-1]] if short else [name]))
    for s, e, label in _organisations(toks, folded):
        out.append(EntityMention(label, s, e, text[s:e], text[s:e], "pattern"))
    return _longest(out)


def _longest(mentions: list[EntityMention]) -> list[EntityMention]:
    kept: list[EntityMention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(m.start < k.end and k.start < m.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)
