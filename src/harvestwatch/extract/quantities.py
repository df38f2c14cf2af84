"""Quantitative claims in English: value or interval, unit, what is counted, qualifier, time scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from harvestwatch.core.evidence import Span
from harvestwatch.core.items import Item
from harvestwatch.core.quantity import Cue, Interval, Quantity
from harvestwatch.extract.counted import CURRENCY, TIME_FACTOR, TIME_UNITS
from harvestwatch.extract.en_reading import read_en
from harvestwatch.extract.numbers import (
    DIGITS,
    NUMBER_WORD,
    WORD_NUMBER,
    parse_digits,
    parse_words,
    scale_word,
)
from harvestwatch.extract.quantity_reading import noun_kind, singular


@dataclass
class QuantityMention:
    start: int
    end: int
    text: str
    quantity: Quantity

    def to_item(self) -> Item:
        return Item(Span(self.start, self.end), self.text, self.quantity)


VAGUE = {
    "tens of thousands": (10_000, 99_999), "hundreds of thousands": (100_000, 999_999),
    "tens of millions": (10_000_000, 99_999_999), "hundreds of millions": (100_000_000, 999_999_999),
    "thousands": (1_000, 9_999), "millions": (1_000_000, 9_999_999), "hundreds": (100, 999),
    "dozens": (24, 99), "billions": (1_000_000_000, 9_999_999_999),
}
QUALIFIERS = [
    (r"more than|over|upwards of|in excess of|exceeding|above", "over"),
    (r"at least|no fewer than|no less than|a minimum of", "at least"),
    (r"up to|as many as|as much as|as high as|at most|a maximum of", "up to"),
    (r"nearly|almost|about|around|approximately|roughly|some|an estimated|estimated|close to|"
     r"circa|an average of|on average", "about"),
    (r"fewer than|less than|under|below", "under"),
]
_QUAL_RE = re.compile(r"\b(" + "|".join(p for p, _ in QUALIFIERS) + r")\s+$", re.I)
_QUAL_MAP = [(re.compile(r"^(?:" + p + r")$", re.I), q) for p, q in QUALIFIERS]

_SCALE = r"(?:[\s-]?(?:million|billion|thousand|hundred)\b)?"
_NUMBER = re.compile(
    r"(?P<ratio>\s*(?<![\w.,/-])\b(?:one|\d+)\s+(?:out\s+of|in)\s+(?:" + DIGITS + r")(?:[\s-]?(?:thousand|million)\b)?"
    r"(?![\w/-]|\.\d|,\d))"
    r"|(?P<percent>(?<![\w.,/-])(?:" + DIGITS + r")(?:\s*(?:-|–|to)\s*(?:" + DIGITS + r"))?"
    r"\s?(?:%|percent\b|per cent\b))"
    r"|(?P<range>(?<![\w.,/-])(?:between\s+)?(?:" + DIGITS + r")" + _SCALE + r"\s*(?:to|–|-|and)\s*(?:"
    + DIGITS + r")" + _SCALE + r"(?![\w/-]|\.\d|,\d))"
    r"|(?P<vague>\b(?:tens|hundreds) of (?:thousands|millions)\b|\b(?:thousands|millions|billions|hundreds|dozens)\b)"
    r"|(?P<money>(?:US\$|\$|€|£)\s?(?:" + DIGITS + r")(?:\s?(?:million|billion|thousand|bn|m)\b)?)"
    r"|(?P<hyph>\b(?:" + DIGITS + r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred)-(?:day|week|month|year|hour)s?\b(?!-old))"
    r"|(?P<digits>(?<![\w.,/:-])(?:" + DIGITS + r")" + _SCALE + r"(?![\w/-]|\.\d|,\d))"
    r"|(?P<words>\b" + WORD_NUMBER + r"\b)",
    re.I,
)
_WORD_TOKEN = re.compile(r"[A-Za-z$€£][\w'’-]*|\d[\d,.]*")
_RATE = re.compile(r"^(?:\s*(?:\w+\s+){0,2}?)(annually|a year|per year|each year|every year|per annum|"
                   r"a month|per month|each month|a day|per day|daily|a week|per week|weekly|monthly)\b", re.I)
_YEAR_SCOPE = re.compile(r"\b(?:in|during|since|by|for)\s+((?:19|20)\d\d)\b", re.I)
_YEAR_SPAN = re.compile(r"\b(?:between|from|in|during)\s+((?:19|20)\d\d)\s*(?:and|to|-|–|until|through)\s*"
                        r"((?:19|20)\d\d)\b", re.I)
_SKIP_AFTER = re.compile(r"^\s*(?:percent\b|per cent\b|%|years? old\b|-year-old|a\.m\.|p\.m\.|"
                         r"(?:st|nd|rd|th)\b|:\d)", re.I)
MONTHS = ("january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec").split()


def _qualifier(text: str, start: int) -> tuple[str | None, int]:
    window = text[max(0, start - 30):start]
    m = _QUAL_RE.search(window)
    if not m:
        return None, start
    word = m.group(1)
    for rx, q in _QUAL_MAP:
        if rx.match(word):
            return q, start - (len(window) - m.start())
    return None, start


def _words_after(text: str, end: int, n: int = 6) -> list[re.Match]:
    out = []
    for m in _WORD_TOKEN.finditer(text, end):
        gap = text[end if not out else out[-1].end():m.start()]
        if any(c in gap for c in ".;:!?\n()“”\",—"):
            break
        out.append(m)
        if len(out) >= n:
            break
    return out


def _unit_lemma(word: str) -> str:
    w = word.lower().strip("’'")
    return w if w in CURRENCY else singular(w)


def _head(text: str, end: int) -> tuple[str | None, int, str | None]:
    """A time unit or currency written right after a number: (lemma, end offset, surface)."""
    words = _words_after(text, end, 1)
    if words:
        lemma = _unit_lemma(words[0].group())
        if lemma in TIME_UNITS or lemma in CURRENCY:
            return lemma, words[0].end(), words[0].group()
    return None, end, None


_PHRASE_BREAK = {"over", "for", "in", "at", "during", "from", "to", "within", "by", "per", "since",
                 "until", "after", "before", "on", "with", "than", "across"}


def _doc_sentence(doc, pos: int) -> tuple[int, int] | None:
    """The parser's sentence around ``pos`` ("in the U.S. each year" stays one sentence)."""
    span = doc.char_span(pos, pos + 1, alignment_mode="expand") if doc is not None else None
    if span is None or not len(span):
        return None
    sent = span[0].sent
    return sent.start_char, sent.end_char


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    lo = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos), text.rfind("? ", 0, pos),
             text.rfind("! ", 0, pos))
    hi_candidates = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i != -1]
    return lo + 1, (min(hi_candidates) if hi_candidates else len(text))


def _is_year(value: float, raw: str, text: str, start: int, end: int) -> bool:
    if "," in raw or "." in raw or not (1800 <= value <= 2100) or len(raw) != 4:
        return False
    before = text[max(0, start - 12):start].lower()
    return not re.search(r"\b(?:some|over|about|than|least|nearly|almost|to|of)\s+$", before)


_REFERENCE_BEFORE = re.compile(r"\b(?:call|phone|tel|telephone|fax|ext|hotline|page|pages|pp?|"
                               r"no|nos|vol|volume|issue|section|article|chapter|fig|figure|"
                               r"table|paragraph|para|case|room|isbn|doi)\.?:?\s*#?\s*$", re.I)


def _reference_number(text: str, start: int, end: int) -> bool:
    """A phone number, page, article or case reference: an identifier, not a count."""
    if _REFERENCE_BEFORE.search(text[max(0, start - 14):start]):
        return True
    # digit groups chained by hyphens, dots or slashes ("555-1234", "+1 202-555-0100")
    return bool(re.match(r"[-./]\d", text[end:end + 2]) or re.search(r"\d[-./]$|\+\d*\s?$",
                                                                      text[max(0, start - 3):start]))


_MONTH_AFTER = re.compile(r"\s*(?:" + "|".join(MONTHS) + r")\b\.?", re.I)


def _not_a_count(text: str, start: int, end: int) -> bool:
    """A citation mark ("[6]", "[2-4]"), a list marker ("1)"), a clock time, a day of a month
    ("29 July") or an age after a name ("Jennifer Zeng, 52,")."""
    if re.search(r"\[[\d,\s–-]*$", text[max(0, start - 12):start]) and \
            re.match(r"[\d,\s–-]*\]", text[end:end + 12]):
        return True
    if text[start - 1:start] == ":" or text[end:end + 1] == ":" and text[end + 1:end + 2].isdigit():
        return True
    if text[end:end + 1] == ")" and "(" not in text[max(0, start - 12):start]:
        return True
    if _MONTH_AFTER.match(text[end:end + 12]):
        return True
    if re.match(r"\s+times\b(?!\s+(?:more|higher|larger|greater|as|the|fewer|less|bigger))",
                text[end:end + 30]):
        return True  # "happened 1000 times": a frequency or a figure of speech, not a count
    return bool(re.search(r"[A-Za-z]+,\s*$", text[max(0, start - 30):start]) and
                re.match(r",", text[end:end + 1]) and re.fullmatch(r"\d{1,3}", text[start:end]))


def _scaled(raw: str) -> float | None:
    m = re.match(r"(" + DIGITS + r")[\s-]?(million|billion|thousand|hundred)?$", raw.strip(), re.I)
    if not m:
        return None
    return parse_digits(m.group(1)) * (scale_word(m.group(2)) if m.group(2) else 1)


def _interval(value: float, qualifier: str | None) -> Interval:
    if qualifier in ("over", "at least"):
        return Interval(value, float("inf"), value)
    if qualifier == "up to":
        return Interval(0, value, value)
    if qualifier == "under":
        return Interval(0, value, value)
    if qualifier == "about":
        return Interval(value * 0.9, value * 1.1, value)
    return Interval(value, value, value)


def extract_quantities(text: str, doc=None) -> list[QuantityMention]:
    """Every counted quantity in English ``text`` with its normalised reading.

    ``doc`` is spaCy's parse of ``text`` (the pipeline passes the one it already made);
    without it the text is parsed here.
    """
    if doc is None:
        from harvestwatch.extract.nlp import english_nlp

        doc = english_nlp()(text)
    out: list[QuantityMention] = []
    for m in _NUMBER.finditer(text):
        if out and m.start() < out[-1].end:
            continue  # inside the previous reading ("two to three years")
        mention = _reading(text, m, doc)
        if mention is not None:
            out.append(mention)
    _inherit_counted(text, out)
    return out


def _inherit_counted(text: str, mentions: list[QuantityMention]) -> None:
    """A bare amount ("the true number at 60,000 to 100,000 a year") counts what the other
    figure in its sentence counts ("13,000 organ transplants")."""
    for m in mentions:
        q = m.quantity
        if q.what != "other" or q.unit not in ("", None) or q.counted:
            continue
        lo, hi = _sentence_bounds(text, m.start)
        donors = [o for o in mentions if o is not m and lo <= o.start < hi and o.quantity.what
                  not in ("other", "duration", "wait_time", "money")
                  and _refers(text[min(m.end, o.end):max(m.start, o.start)], o.start < m.start)]
        if donors:
            d = donors[0].quantity
            unit = d.unit.split("/")[0] + (f"/{q.time_scope[4:]}" if (q.time_scope or "").startswith("per ") else "")
            m.quantity = replace(q, unit=unit, what=d.what, counted=True,
                                 counted_from=donors[0].text,
                                 decided_by=(Cue(donors[0].text, donors[0].start, donors[0].end,
                                                 "same sentence"),))
        else:
            m.quantity = replace(q, counted=True)


def _refers(between: str, before: bool) -> bool:
    """Whether a bare amount takes what a figure counts: in one clause with it ("more than
    12,000 – and as many as 20,000 – organ transplants"), or after it through "the number",
    "the figure" ("13,000 transplants, while researchers put the true number at 60,000")."""
    if not re.search(r"[,;:]", between):
        return True
    return before and bool(re.search(r"\b(?:number|figure|total|estimate|count)s?\b", between, re.I))


def _share(text: str, m: re.Match) -> QuantityMention | None:
    """A percentage ("34 percent", "20–30%") or a ratio ("one out of 30", "1 in 3 patients")."""
    raw, start, end = m.group().lstrip(), m.end() - len(m.group().lstrip()), m.end()
    if _reference_number(text, start, end):
        return None
    low = high = value = None
    if m.lastgroup == "ratio":
        a, b = re.split(r"\s+(?:out\s+of|in)\s+", raw, maxsplit=1)
        num = parse_words(a) if a[0].isalpha() else parse_digits(a)
        den = _scaled(b)
        if not num or not den or num >= den or re.fullmatch(r"(?:19|20)\d\d", b.strip()):
            return None
        value, unit, cue = num / den, "ratio", re.search(r"out\s+of|in", raw[len(a):]).group()
    else:
        nums = re.findall(DIGITS, raw)
        unit, cue = "percent", re.search(r"%|per\s?cent", raw, re.I).group()
        if len(nums) == 2:
            low, high = parse_digits(nums[0]), parse_digits(nums[1])
            if low >= high:
                return None
        else:
            value = parse_digits(nums[0])
    qualifier, q_start = _qualifier(text, start)
    interval = Interval(low, high) if value is None else _interval(value, qualifier)
    k = raw.find(cue)
    q = Quantity(interval=interval, unit=unit, what="other", value=value, qualifier=qualifier,
                 decided_by=(Cue(cue, start + k, start + k + len(cue), "unit"),))
    return QuantityMention(q_start, end, text[q_start:end], q)


def _reading(text: str, m: re.Match, doc) -> QuantityMention | None:
    raw = m.group()
    start, end = m.start(), m.end()
    kind = m.lastgroup
    lowraw = raw.lower().strip()
    value: float | None = None
    vague: tuple[float, float] | None = None
    unit_hint: str | None = None
    if kind in ("percent", "ratio"):
        return _share(text, m)
    if kind == "vague":
        if re.search(r"\d\s*$|\b(?:a|one|two|three|several|few|many)\s+$", text[max(0, start - 10):start]):
            return None
        vague = VAGUE[lowraw]
    elif kind == "range":
        lo_raw, hi_raw = re.split(r"\s*(?:to|–|-|and)\s*", re.sub(r"^between\s+", "", raw, flags=re.I), maxsplit=1)
        lo, hi = _scaled(lo_raw), _scaled(hi_raw)
        if _reference_number(text, start, end) or _not_a_count(text, start, end):
            return None
        if re.fullmatch(r"(?:19|20)\d\d", lo_raw.strip()) and re.fullmatch(r"(?:19|20)\d\d", hi_raw.strip()):
            return None  # "the sum of 2013 and 2014": years, not a range of counts
        if re.search(r"\baged?\s+(?:from\s+|between\s+)?$", text[max(0, start - 14):start], re.I):
            return None
        if lo is None or hi is None or lo >= hi or (_is_year(lo, lo_raw, text, start, end) and hi <= 2100):
            return None
        vague = (lo, hi)
    elif kind == "money":
        num = re.search(DIGITS, raw).group()
        value = parse_digits(num)
        scale = re.search(r"(million|billion|thousand|bn|m)\s*$", raw, re.I)
        if scale:
            value *= {"bn": 1e9, "m": 1e6}.get(scale.group(1).lower(), scale_word(scale.group(1)) or 1)
        unit_hint = CURRENCY.get(re.match(r"US\$|\$|€|£", raw).group().lower(), "USD")
    elif kind == "hyph":
        num, unit = raw.rsplit("-", 1)
        value = parse_digits(num) if num[0].isdigit() else parse_words(num)
        unit_hint = unit.lower().rstrip("s")
    elif kind == "digits":
        scale = re.search(r"(million|billion|thousand|hundred)$", raw, re.I)
        num = raw[: scale.start()].strip(" -") if scale else raw
        value = parse_digits(num) * (scale_word(scale.group(1)) if scale else 1)
        if not scale and _is_year(value, num, text, start, end):
            nxt = _words_after(text, end, 1)
            if not nxt or noun_kind(nxt[0].group()) is None or nxt[0].group()[0].isupper():
                return None  # "2019 Chinese Organ ... Congress": a year before a name
        if _SKIP_AFTER.match(text[end:end + 12]) or _reference_number(text, start, end):
            return None
        before = text[max(0, start - 12):start].lower().split()
        if before and before[-1].strip(".") in MONTHS + ["no", "p", "pp", "page", "section", "article",
                                                         "chapter", "aged", "per"]:
            return None
        if value == 0 or _not_a_count(text, start, end):
            return None
    else:  # number words
        stripped = raw.strip(" -")
        lead = len(raw) - len(raw.lstrip(" -"))
        if stripped.lower() in ("a", "an") and (
                re.match(r"\s*(?:decade|century)\b", text[m.end():])
                or re.match(r"\s*(?:day|week|month|year|hour)\b", text[m.end():])
                and _qualifier(text, start + lead)[0] is not None):  # "less than a month"
            return _classify(text, doc, start + lead, start + lead + len(stripped), 1.0, None, None)
        if re.match(r"[\s-]*(?:thirds?|quarters?|halves|half|fifths?|tenths?|percent|per cent)\b",
                    text[m.end():], re.I):
            return None  # a fraction or a share, not a count
        if stripped.lower() in ("a", "an", "and", "one", "a-", "") or not stripped:
            return None
        if re.search(r"\bper\s+$", text[max(0, start + lead - 5):start + lead], re.I):
            return None  # "per million population": a rate's base, not a count
        if stripped.lower().startswith("and "):  # "a liver and two kidneys"
            lead += 4
            stripped = stripped[4:]
        value = parse_words(stripped)
        if value is None:
            return None
        rng = re.match(r"\s*(?:to|or|-|–)\s*(" + NUMBER_WORD + r"(?:[\s-]+" + NUMBER_WORD + r")*)\b",
                       text[start + lead + len(stripped):], re.I)
        if rng and (hi := parse_words(rng.group(1).strip(" -"))) and hi > value:
            stop = start + lead + len(stripped) + rng.end()
            return _classify(text, doc, start + lead, stop, None, (value, hi), None)
        start, end = start + lead, start + lead + len(stripped)
        if stripped.lower() in ("a", "an") or value == 1 and not re.match(r"\s+(?:decade|century|year|week|day|month)", text[end:]):
            return None
        if re.match(r"\s+of\b", text[end:]) and value < 1000:  # "one of", "two of the"
            return None
        half = re.search(r"\bhalf\s+(?:a\s+)?$", text[max(0, start - 8):start], re.I)
        if half and value >= 1000 and stripped.lower().startswith(("a ", "an ")):
            value, start = value / 2, start - (len(text[max(0, start - 8):start]) - half.start())
    return _classify(text, doc, start, end, value, vague, unit_hint)


_WAIT = re.compile(r"\b(?:wait\w*|await\w*|within|queu\w*|matching|find an organ|found in)\b", re.I)
_QUOTES = "\"“”‘’'"
_IN_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 365}
_ARGUMENT = {"nsubj", "nsubjpass", "dobj", "attr", "appos"}
_PER_MILLION = re.compile(r"per[\s-]million|\bpmp\b", re.I)
_RATE_BEFORE = re.compile(r"\b(?:[Ee]ach|[Ee]very|[Pp]er)\s+(year|month|week|day)\b|\b(annually|monthly|daily)\b")
_RATE_WORD = {"annually": "year", "monthly": "month", "daily": "day"}


def _classify(text, doc, start, end, value, vague, unit_hint) -> QuantityMention | None:
    qualifier, q_start = _qualifier(text, start)
    word = _token_at(doc, q_start) if qualifier and doc is not None else None
    if word is not None and word.dep_ == "prep" and word.lower_ in ("over", "under", "above", "below"):
        qualifier, q_start = None, start  # "50 witnesses over five days": a preposition
    s_lo, s_hi = _doc_sentence(doc, start) or _sentence_bounds(text, start)
    sentence = text[s_lo:s_hi].lower()
    span_end = end
    what, unit, subject = None, None, None
    decided_by: tuple[Cue, ...] = ()
    counted = True
    if unit_hint in CURRENCY.values():
        what, unit = "money", unit_hint
    elif unit_hint in TIME_UNITS:
        what, unit = "duration", TIME_UNITS[unit_hint]
        value = value * TIME_FACTOR.get(unit_hint, 1)
    if what is None:
        lemma, h_end, _ = _head(text, end)
        if lemma in CURRENCY:
            what, unit, span_end = "money", CURRENCY[lemma], h_end
        elif lemma in TIME_UNITS:
            what, unit, span_end = "duration", TIME_UNITS[lemma], h_end
            value = value * TIME_FACTOR.get(lemma, 1) if value is not None else None
    if what is None:
        r = read_en(doc, start, end)
        if r is None:
            return None
        if r.noun_end and r.noun_end - end < 60:
            span_end = r.noun_end
            if text[q_start - 1:q_start] in _QUOTES and text[span_end:span_end + 1] in _QUOTES:
                return None  # 'the "nine points" memo': a name, not a count
        what, unit, subject = r.reading.what, r.reading.unit, r.subject
        if r.reading.cues:
            decided_by = r.reading.because()
        elif r.bare is not None:  # no counted noun
            pmp = _PER_MILLION.search(text, s_lo, start)
            if pmp and "donat" in sentence:  # "per million population (PMP) in donation reached 2.98"
                what, unit = "donors", "donors per million population"
                decided_by = (Cue(pmp.group(), pmp.start(), pmp.end(), "unit"),)
            elif vague is None and qualifier is None and (r.bare not in _ARGUMENT or value is None
                                                          or value < 2):
                return None
            elif vague is not None or qualifier is not None:
                counted = False  # may borrow a counted noun from its sentence
    if what == "duration" and re.match(r"[\s,]*(?:\d+\s+\w+\s+)?ago\b", text[span_end:span_end + 16]):
        return None  # "3 years, 3 months ago": a relative time, not a quantity
    wait = _WAIT.search(text, s_lo, s_hi) if what == "duration" else None
    if wait:
        what = "wait_time"
        decided_by = (Cue(wait.group(), wait.start(), wait.end(), "predicate"),)
    if what == "wait_time" and unit in _IN_DAYS:  # waits are compared in days
        f = _IN_DAYS[unit]
        value = value * f if value is not None else None
        vague = (vague[0] * f, vague[1] * f) if vague is not None else None
        unit = "days"
    if what == "duration":
        prev = text[max(0, q_start - 6):q_start].lower()
        if re.search(r"past\s+$|last\s+$", prev):
            q_start = q_start - len(prev) + prev.rfind("past" if "past" in prev else "last")
    time_scope = None
    rate = _RATE.match(text[span_end:span_end + 40])
    clause_after = re.split(r"[,;:]", text[span_end:s_hi])[0]
    after = re.search(r"\b(annually|monthly|daily|weekly|per annum|(?:a|per|each|every)\s+(?:year|month|week|day))\b",
                      clause_after)
    before = ([None] + list(_RATE_BEFORE.finditer(text, s_lo, start)))[-1]
    if what in ("duration", "wait_time"):
        pass
    elif rate:
        time_scope = "per " + _rate_unit(rate.group(1))
        span_end = span_end + rate.end()
    elif after:  # "... killed for their organs every year", "are added to the list each month"
        time_scope = "per " + _rate_unit(after.group(1))
    elif before:
        time_scope = "per " + (before.group(1) or _RATE_WORD[before.group(2).lower()]).lower()
    else:
        time_scope = _period(text, s_lo, s_hi, start, doc)
    if time_scope and time_scope.startswith("per ") and unit:
        unit = f"{unit}/{time_scope[4:]}"
    if vague is not None:
        interval = Interval(*vague)
        if qualifier in ("over", "at least"):
            interval = Interval(vague[0], float("inf"))
    else:
        interval = _interval(value, qualifier)
    if value is None and vague is None:
        return None
    q = Quantity(interval=interval, unit=unit or "", what=what, value=value, qualifier=qualifier,
                 time_scope=time_scope, subject=subject, decided_by=decided_by,
                 counted=counted)
    lo = q_start
    if vague is not None and re.search(r"\bby the\s+$", text[max(0, start - 8):start]):
        lo = text.rfind("by the", 0, start)
    return QuantityMention(lo, span_end, text[lo:span_end], q)


def _token_at(doc, pos: int):
    span = doc.char_span(pos, pos + 1, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _attached(doc, year_pos: int, num_pos: int) -> bool:
    """Whether the phrase holding the year hangs from the number's noun or one of the words
    above it in the parse."""
    year, num = _token_at(doc, year_pos), _token_at(doc, num_pos)
    if year is None or num is None:
        return True
    head = year.head
    while head.dep_ in ("prep", "pobj", "cc", "conj", "quantmod", "nummod", "npadvmod") and \
            head.head.i != head.i and head.pos_ in ("ADP", "NUM", "CCONJ", "ADV", "SCONJ"):
        head = head.head
    above = {t.i for t in num.ancestors} | {num.i}
    if head.i in above:
        return True
    noun = num.head if num.dep_ == "nummod" else num
    return head.i in {t.i for t in noun.subtree} and noun.i != head.i


def _rate_unit(phrase: str) -> str:
    p = phrase.lower()
    return {"annually": "year", "daily": "day", "weekly": "week", "monthly": "month",
            "per annum": "year"}.get(p, p.split()[-1])


def _period(text: str, s_lo: int, s_hi: int, pos: int, doc=None) -> str | None:
    """The year or span of years that the parse attaches to the number's predicate or noun
    ("in 2015", "between 2006 and 2008", "since 2010", "by 2020"), the nearest first; a year
    said of another clause ("a target of 300 hospitals by 2020") is not this figure's."""
    best = None
    for rx in (_YEAR_SPAN, _YEAR_SCOPE):
        for m in rx.finditer(text, s_lo, s_hi):
            if best is not None and best[0] <= abs(m.start() - pos):
                continue
            if doc is not None and not _attached(doc, m.start(1), pos):
                continue
            if m.re is _YEAR_SPAN:
                label = f"{m.group(1)}-{m.group(2)}"
            else:
                word = m.group().split()[0].lower()
                label = f"{word} {m.group(1)}" if word in ("since", "by") else m.group(1)
            best = (abs(m.start() - pos) - (1 if m.re is _YEAR_SPAN else 0), label)
    return best[1] if best else None
