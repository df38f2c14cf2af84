"""Reading numbers written in digits, English words or Chinese numerals."""

from __future__ import annotations

import re

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19, "a": 1, "an": 1}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "trillion": 1_000_000_000_000}

WORD_NUMBER = (r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
               r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
               r"sixty|seventy|eighty|ninety|hundred|thousand|million|billion|and|-|\s)+)")
NUMBER_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
               r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
               r"eighty|ninety|hundred|thousand|million|billion)")
DIGITS = (r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d,.])"
          r"|\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z]+")


def parse_digits(text: str) -> float:
    return float(re.sub(r"[,\s\u2009\u202f]", "", text))


def parse_words(text: str) -> float | None:
    """'ten thousand' → 10000, 'sixty-five thousand' → 65000, 'a billion' → 1e9; None if not a number."""
    words = [w for w in _WORD.findall(text.lower().replace("-", " ")) if w != "and"]
    if not words:
        return None
    total = 0.0
    current = 0.0
    seen = False
    for w in words:
        if w in UNITS:
            current += UNITS[w]
            seen = True
        elif w in TENS:
            current += TENS[w]
            seen = True
        elif w == "dozen":
            current = (current or 1) * 12
            seen = True
        elif w == "hundred":
            current = (current or 1) * 100
            seen = True
        elif w in SCALES:
            total += (current or 1) * SCALES[w]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def scale_word(word: str) -> float | None:
    return SCALES.get(word.lower())


# --- Chinese ------------------------------------------------------------------------------

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
ZH_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
ZH_LARGE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
ZH_NUMBER = r"(?:\d+(?:\.\d+)?[万萬亿億千百]?|[零〇一二两兩三四五六七八九十拾百佰千仟万萬亿億]+)+"


def parse_chinese(text: str) -> float | None:
    """'六万五千' → 65000, '1万' → 10000, '两' → 2, '3.5亿' → 350000000, '十二' → 12."""
    text = text.strip()
    if not text:
        return None
    total = 0.0
    section = 0.0
    number = 0.0
    i = 0
    seen = False
    while i < len(text):
        ch = text[i]
        m = re.match(r"\d+(?:\.\d+)?", text[i:])
        if m:
            number = float(m.group())
            i += len(m.group())
            seen = True
            continue
        if ch in ZH_DIGITS:
            number = ZH_DIGITS[ch]
            seen = True
        elif ch in ZH_SMALL:
            section += (number or 1) * ZH_SMALL[ch]
            number = 0
            seen = True
        elif ch in ZH_LARGE:
            if section == 0 and number == 0 and total == 0:
                number = 1  # a bare magnitude: "万" in "数万", "上万"
            section += number
            # 亿 scales everything before it (一万亿); 万 only its own section (一亿两千万).
            if ZH_LARGE[ch] > 10_000:
                total = (total + section) * ZH_LARGE[ch]
            else:
                total += section * ZH_LARGE[ch]
            section = 0
            number = 0
            seen = True
        else:
            return None
        i += 1
    return total + section + number if seen else None
