"""Quantitative claims in English: value or interval, unit, what is counted, qualifier, time scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harvestwatch.core.quantity import Interval, Quantity
from harvestwatch.extract.counted import (
    CURRENCY,
    HARM_WORDS,
    HEAD_NOUNS,
    TIME_FACTOR,
    TIME_UNITS,
    WAIT_WORDS,
)
from harvestwatch.extract.numbers import (
    DIGITS,
    NUMBER_WORD,
    WORD_NUMBER,
    parse_digits,
    parse_words,
    scale_word,
)


@dataclass
class QuantityMention:
    start: int
    end: int
    text: str
    quantity: Quantity

    def to_item(self) -> dict:
        return {"item_type": "quantity", "label": self.quantity.what, "text": self.text,
                "start": self.start, "end": self.end, "canonical": None,
                "data": self.quantity.to_dict()}


VAGUE = {
    "tens of thousands": (10_000, 99_999), "hundreds of thousands": (100_000, 999_999),
    "tens of millions": (10_000_000, 99_999_999), "hundreds of millions": (100_000_000, 999_999_999),
    "thousands": (1_000, 9_999), "millions": (1_000_000, 9_999_999), "hundreds": (100, 999),
    "dozens": (24, 99), "billions": (1_000_000_000, 9_999_999_999),
}
QUALIFIERS = [
    (r"more than|over|upwards of|in excess of|exceeding|above", "over"),
    (r"at least|no fewer than|no less than|a minimum of", "at least"),
    (r"up to|as many as|as much as|at most|a maximum of", "up to"),
    (r"nearly|almost|about|around|approximately|roughly|some|an estimated|estimated|close to|"
     r"circa|an average of|on average", "about"),
    (r"fewer than|less than|under|below", "under"),
]
_QUAL_RE = re.compile(r"\b(" + "|".join(p for p, _ in QUALIFIERS) + r")\s+$", re.I)
_QUAL_MAP = [(re.compile(r"^(?:" + p + r")$", re.I), q) for p, q in QUALIFIERS]

_SCALE = r"(?:\s?(?:million|billion|thousand)\b)?"
_NUMBER = re.compile(
    r"(?P<range>(?<![\w.,/-])(?:between\s+)?(?:" + DIGITS + r")" + _SCALE + r"\s*(?:to|–|-|and)\s*(?:"
    + DIGITS + r")" + _SCALE + r"(?![\w/-]|\.\d|,\d))"
    r"|(?P<vague>\b(?:tens|hundreds) of (?:thousands|millions)\b|\b(?:thousands|millions|billions|hundreds|dozens)\b)"
    r"|(?P<money>(?:US\$|\$|€|£)\s?(?:" + DIGITS + r")(?:\s?(?:million|billion|thousand|bn|m)\b)?)"
    r"|(?P<hyph>\b(?:" + DIGITS + r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred)-(?:day|week|month|year|hour)s?\b(?!-old))"
    r"|(?P<digits>(?<![\w.,/-])(?:" + DIGITS + r")(?:\s?(?:million|billion|thousand)\b)?(?![\w/-]|\.\d|,\d))"
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


def _lemma(word: str) -> str:
    w = word.lower().strip("’'")
    if w in HEAD_NOUNS or w in CURRENCY:
        return w
    for suffix, repl in (("ies", "y"), ("ves", "f"), ("es", ""), ("s", "")):
        if w.endswith(suffix) and (w[: -len(suffix)] + repl) in HEAD_NOUNS:
            return w[: -len(suffix)] + repl
    if w == "people":
        return "people"
    if w == "centuries":
        return "century"
    return w


def _head(text: str, end: int) -> tuple[str | None, int, str | None]:
    """The counted noun after a number: (lemma, end offset, surface) within a short window."""
    words = _words_after(text, end)
    if words and words[0].group().lower() == "of":  # "tens of thousands of prisoners"
        words = words[1:]
    for i, m in enumerate(words[:5]):
        word = m.group().lower()
        if i > 0 and word in _PHRASE_BREAK:
            break  # "50 witnesses over five days": a new phrase starts
        if word in ("a", "per", "each", "every") and i + 1 < len(words) and \
                _lemma(words[i + 1].group()) in TIME_UNITS:
            break  # "60,000 to 100,000 a year": a rate, not the counted noun
        lemma = _lemma(m.group())
        if lemma in HEAD_NOUNS or lemma in CURRENCY:
            return lemma, m.end(), m.group()
        if i == 0 and m.group()[0].isdigit():
            return None, end, None
    return None, end, None


_PHRASE_BREAK = {"over", "for", "in", "at", "during", "from", "to", "within", "by", "per", "since",
                 "until", "after", "before", "on", "with", "than", "across"}


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


def _scaled(raw: str) -> float | None:
    m = re.match(r"(" + DIGITS + r")\s?(million|billion|thousand)?$", raw.strip(), re.I)
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


def extract_quantities(text: str) -> list[QuantityMention]:
    """Every counted quantity in English ``text`` with its normalised reading."""
    out: list[QuantityMention] = []
    for m in _NUMBER.finditer(text):
        if out and m.start() < out[-1].end:
            continue  # inside the previous reading ("two to three years")
        mention = _reading(text, m)
        if mention is not None:
            out.append(mention)
    _inherit_counted(text, out)
    return out


def _inherit_counted(text: str, mentions: list[QuantityMention]) -> None:
    """A bare amount ("the true number at 60,000 to 100,000 a year") counts what the other
    figure in its sentence counts ("13,000 organ transplants")."""
    for m in mentions:
        q = m.quantity
        if q.what != "other" or q.unit not in ("", None) or q.extra.get("counted") is not False:
            continue
        lo, hi = _sentence_bounds(text, m.start)
        donors = [o for o in mentions if o is not m and lo <= o.start < hi and o.quantity.what
                  not in ("other", "duration", "wait_time", "money")]
        if donors:
            d = donors[0].quantity
            unit = d.unit.split("/")[0] + (f"/{q.time_scope[4:]}" if (q.time_scope or "").startswith("per ") else "")
            m.quantity = Quantity(q.interval, unit, d.what, q.value, q.qualifier, q.time_scope, q.subject,
                                  {"counted_from": donors[0].text})


def _reading(text: str, m: re.Match) -> QuantityMention | None:
    raw = m.group()
    start, end = m.start(), m.end()
    kind = m.lastgroup
    lowraw = raw.lower().strip()
    value: float | None = None
    vague: tuple[float, float] | None = None
    unit_hint: str | None = None
    if kind == "vague":
        if re.search(r"\d\s*$|\b(?:a|one|two|three|several|few|many)\s+$", text[max(0, start - 10):start]):
            return None
        vague = VAGUE[lowraw]
    elif kind == "range":
        lo_raw, hi_raw = re.split(r"\s*(?:to|–|-|and)\s*", re.sub(r"^between\s+", "", raw), maxsplit=1)
        lo, hi = _scaled(lo_raw), _scaled(hi_raw)
        if _reference_number(text, start, end):
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
        scale = re.search(r"(million|billion|thousand)$", raw, re.I)
        num = raw[: scale.start()].strip() if scale else raw
        value = parse_digits(num) * (scale_word(scale.group(1)) if scale else 1)
        if not scale and _is_year(value, num, text, start, end):
            nxt = _words_after(text, end, 1)
            if not nxt or _lemma(nxt[0].group()) not in HEAD_NOUNS or _lemma(nxt[0].group()) in TIME_UNITS:
                return None
        if _SKIP_AFTER.match(text[end:end + 12]) or _reference_number(text, start, end):
            return None
        before = text[max(0, start - 12):start].lower().split()
        if before and before[-1].strip(".") in MONTHS + ["no", "p", "pp", "page", "section", "article", "chapter"]:
            return None
    else:  # number words
        stripped = raw.strip(" -")
        lead = len(raw) - len(raw.lstrip(" -"))
        if stripped.lower() in ("a", "an") and (
                re.match(r"\s*(?:decade|century)\b", text[m.end():])
                or re.match(r"\s*(?:day|week|month|year|hour)\b", text[m.end():])
                and _qualifier(text, start + lead)[0] is not None):  # "less than a month"
            return _classify(text, start + lead, start + lead + len(stripped), 1.0, None, None)
        if re.match(r"[\s-]*(?:thirds?|quarters?|halves|half|fifths?|tenths?|percent|per cent)\b",
                    text[m.end():], re.I):
            return None  # a fraction or a share, not a count
        if stripped.lower() in ("a", "an", "and", "one", "a-", "") or not stripped:
            return None
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
            return _classify(text, start + lead, stop, None, (value, hi), None)
        start, end = start + lead, start + lead + len(stripped)
        if stripped.lower() in ("a", "an") or value == 1 and not re.match(r"\s+(?:decade|century|year|week|day|month)", text[end:]):
            return None
        if re.match(r"\s+of\b", text[end:]) and value < 1000:  # "one of", "two of the"
            return None
        half = re.search(r"\bhalf\s+(?:a\s+)?$", text[max(0, start - 8):start], re.I)
        if half and value >= 1000 and stripped.lower().startswith(("a ", "an ")):
            value, start = value / 2, start - (len(text[max(0, start - 8):start]) - half.start())
    return _classify(text, start, end, value, vague, unit_hint)


def _classify(text, start, end, value, vague, unit_hint) -> QuantityMention | None:
    qualifier, q_start = _qualifier(text, start)
    s_lo, s_hi = _sentence_bounds(text, start)
    sentence = text[s_lo:s_hi].lower()
    span_end = end
    what, unit = None, None
    if unit_hint in CURRENCY.values():
        what, unit = "money", unit_hint
    elif unit_hint in TIME_UNITS:
        what, unit = "duration", TIME_UNITS[unit_hint]
        value = value * TIME_FACTOR.get(unit_hint, 1)
    extra: dict = {}
    if what is None:
        lemma, h_end, surface = _head(text, end)
        if lemma is None:
            if vague is None and qualifier is None:
                return None
            if vague is not None and any(w in sentence for w in HARM_WORDS + ("prisoner", "persecut")):
                what, unit = "victims", "persons"
            elif vague is None:
                return None
            else:
                what, unit = "other", None
                extra = {"counted": False}  # no counted noun: may borrow one from its sentence
        else:
            span_end = h_end
            if lemma in CURRENCY:
                what, unit = "money", CURRENCY[lemma]
            elif lemma in TIME_UNITS:
                what, unit = "duration", TIME_UNITS[lemma]
                value = value * TIME_FACTOR.get(lemma, 1) if value is not None else None
            else:
                what, unit = HEAD_NOUNS[lemma]
                if lemma == "patient" or surface.lower().startswith("patient"):
                    what = "victims" if any(w in sentence for w in HARM_WORDS) else "other"
                compound = re.match(r"[\s-]+(transplant(?:ation)?s?|donations?|donors?)\b", text[h_end:], re.I)
                if what == "organs" and compound:  # "organ transplants", "kidney donors"
                    what, unit = HEAD_NOUNS[_lemma(compound.group(1))]
                    span_end = h_end + compound.end()
                if what == "organs" and re.match(r"\s+(?:were\s+|are\s+|being\s+)?transplanted", text[h_end:]):
                    what, unit = "transplants", "organs"
                    span_end = h_end + re.match(r"\s+(?:were\s+|are\s+|being\s+)?transplanted", text[h_end:]).end()
                if what == "donors" and re.search(r"registered|register|signed up|pledged", sentence):
                    what = "registered_donors"
                if what == "victims" and not any(w in sentence for w in HARM_WORDS + ("prisoner", "persecut", "practitioner")):
                    what = "other"
    if what == "duration" and any(w in sentence for w in WAIT_WORDS):
        what = "wait_time"
    if what == "duration":
        prev = text[max(0, q_start - 6):q_start].lower()
        if re.search(r"past\s+$|last\s+$", prev):
            q_start = q_start - len(prev) + prev.rfind("past" if "past" in prev else "last")
    time_scope = None
    rate = _RATE.match(text[span_end:span_end + 40])
    if rate and what not in ("duration", "wait_time"):
        time_scope = "per " + {"annually": "year", "daily": "day", "weekly": "week",
                               "monthly": "month"}.get(rate.group(1).lower(),
                                                       rate.group(1).lower().split()[-1])
        span_end = span_end + rate.end()
        unit = f"{unit}/{time_scope[4:]}" if unit else None
    elif what not in ("duration", "wait_time") and (
            re.search(r"\b(annually|a year|per year|each year|every year|per annum)\b",
                               text[span_end:s_hi].split(",")[0].split(";")[0])):
        time_scope = "per year"  # "... killed for their organs every year"
        unit = f"{unit}/year" if unit else None
    else:
        span_years = _YEAR_SPAN.search(text[s_lo:s_hi])
        y = _YEAR_SCOPE.search(text[s_lo:s_hi])
        if span_years and what not in ("duration", "wait_time"):
            time_scope = f"{span_years.group(1)}-{span_years.group(2)}"
        elif y and what not in ("duration", "wait_time"):
            time_scope = y.group(1)
    if vague is not None:
        interval = Interval(*vague)
        if qualifier in ("over", "at least"):
            interval = Interval(vague[0], float("inf"))
    else:
        interval = _interval(value, qualifier)
    if value is None and vague is None:
        return None
    q = Quantity(interval=interval, unit=unit or "", what=what, value=value, qualifier=qualifier,
                 time_scope=time_scope, extra=extra)
    lo = q_start
    if vague is not None and re.search(r"\bby the\s+$", text[max(0, start - 8):start]):
        lo = text.rfind("by the", 0, start)
    return QuantityMention(lo, span_end, text[lo:span_end], q)
