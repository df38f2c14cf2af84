"""Hospital names across scripts: folding, traditional forms, abbreviations, and a text matcher.

Matching works on ``fold_for_search`` text (traditional → simplified, lower case, same
offsets), so one simplified pattern finds both scripts. English names must start and end on
word boundaries; Chinese names are matched anywhere (Chinese has no spaces).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from harvestwatch.core.folding import fold_for_search
from harvestwatch.core.registry import Alias, Hospital

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_QUOTES = (("’", "'"), ("‘", "'"), ("‐", "-"), ("–", "-"))  # one character for one
_KEY_DROP = re.compile(r"[\s'\".,()（）·\-–—]+")
_NUMERAL = "一二三四五六七八九十"
MIN_ABBREVIATION = 4  # shorter generated abbreviations would match inside unrelated words


def is_chinese(name: str) -> bool:
    return bool(_CJK.search(name))


def fold_text(text: str) -> str:
    """Same length and offsets as ``text``; scripts, case and apostrophes folded."""
    folded = fold_for_search(text)
    for a, b in _QUOTES:
        if a in folded:
            folded = folded.replace(a, b)
    return folded


def name_key(name: str) -> str:
    """A comparison key: folded, without spaces, punctuation, 'the' or 'the '."""
    key = fold_text(name.strip())
    key = re.sub(r"^the\s+", "", key)
    key = key.replace("peoples", "people's")
    return _KEY_DROP.sub("", key)


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(name: str) -> str:
    return _s2t().convert(name)


def abbreviations(zh_name: str, city: str | None = None) -> list[str]:
    """Short forms Chinese writers use, made by general rules (not a list fitted to texts).

    天津市第一中心医院 → 天津第一中心医院, 天津一中心医院, 天津一中心;
    中山大学附属第一医院 → 中山一院; 湘雅二医院 keeps 湘雅二院.
    """
    out: list[str] = []
    name = zh_name
    m = re.match(r"^(.{2,3}?)市(.+)$", name)
    if m:
        name = m.group(1) + m.group(2)
        out.append(name)
    m = re.match(rf"^(.+?)第([{_NUMERAL}]+)(中心|人民)医院$", name)
    if m:
        place, num, kind = m.groups()
        out.append(f"{place}{num}{kind}医院")
        if kind == "中心":
            out.append(f"{place}{num}中心")
    m = re.match(rf"^(.{{2}}).*?附属第([{_NUMERAL}]+)医院$", zh_name)
    if m:
        out.append(f"{m.group(1)}{m.group(2)}院")
    m = re.match(rf"^(.+?[{_NUMERAL}])医院$", zh_name)
    if m and len(m.group(1)) >= 3:
        out.append(f"{m.group(1)}院")
    return [a for a in dict.fromkeys(out) if len(a) >= MIN_ABBREVIATION and a != zh_name]


def all_names(h: Hospital) -> list[Alias]:
    """Every name of a hospital: its own, its aliases, traditional forms and abbreviations."""
    names = list(h.names())
    seen = {name_key(a.name) for a in names}
    extra: list[Alias] = []
    for a in names:
        if is_chinese(a.name):
            trad = to_traditional(a.name)
            if name_key(trad) != name_key(a.name) and trad not in {x.name for x in names + extra}:
                extra.append(Alias(trad, "zh-Hant", "converted"))
            for abbr in abbreviations(a.name, h.city):
                if name_key(abbr) not in seen:
                    seen.add(name_key(abbr))
                    extra.append(Alias(abbr, "zh-Hans", "abbreviation"))
    return names + extra


@dataclass(frozen=True)
class NameMatch:
    """A hospital name found in a text, with offsets into the original text."""

    hospital_id: str
    start: int
    end: int
    text: str
    kind: str  # canonical | alias | abbreviation | converted


class Matcher:
    """Finds every registry hospital named in a text (leftmost-longest, non-overlapping)."""

    def __init__(self, hospitals: Iterable[Hospital]):
        import ahocorasick

        self._auto = ahocorasick.Automaton()
        self._by_key: dict[str, set[str]] = {}
        self._hospitals: dict[str, Hospital] = {}
        patterns: dict[str, list[tuple[str, str]]] = {}
        for h in hospitals:
            self._hospitals[h.id] = h
            for a in all_names(h):
                pattern = fold_text(a.name.strip())
                if len(pattern) < 3:
                    continue
                patterns.setdefault(pattern, []).append((h.id, a.kind))
                self._by_key.setdefault(name_key(a.name), set()).add(h.id)
        for pattern, owners in patterns.items():
            self._auto.add_word(pattern, (pattern, owners))
        self._empty = not patterns
        if not self._empty:
            self._auto.make_automaton()

    @property
    def hospitals(self) -> dict[str, Hospital]:
        return self._hospitals

    def find(self, text: str) -> list[NameMatch]:
        """Hospital names in ``text``; a name that two hospitals share is left out (ambiguous)."""
        return self.find_folded(text, fold_text(text)) if text else []

    def find_folded(self, text: str, folded: str) -> list[NameMatch]:
        """``find`` on a text already folded with ``fold_text`` (same offsets)."""
        if self._empty or not text:
            return []
        hits = []
        for end_idx, (pattern, owners) in self._auto.iter(folded):
            start = end_idx - len(pattern) + 1
            end = end_idx + 1
            ids = {o for o, _ in owners}
            if len(ids) != 1 or not _bounded(folded, start, end, pattern):
                continue
            hits.append((start, end, owners[0][0], owners[0][1]))
        hits.sort(key=lambda x: (x[0], -(x[1] - x[0])))
        out: list[NameMatch] = []
        last_end = -1
        for start, end, hid, kind in hits:
            if start < last_end:
                continue
            out.append(NameMatch(hid, start, end, text[start:end], kind))
            last_end = end
        return out

    def resolve(self, name: str) -> list[str]:
        """Ids of the hospitals a user-typed name designates (exact key match, then fuzzy)."""
        key = name_key(name)
        if not key:
            return []
        exact = self._by_key.get(key)
        if exact:
            return sorted(exact)
        for id_ in self._hospitals:
            if name_key(id_) == key:
                return [id_]
        close = difflib.get_close_matches(key, list(self._by_key), n=5, cutoff=0.86)
        ids = sorted({i for k in close for i in self._by_key[k]})
        return ids

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Canonical names that look like ``name``, for a 'did you mean' message."""
        key = name_key(name)
        containing = sorted((k for k in self._by_key if key and key in k), key=len)
        close = containing + difflib.get_close_matches(key, list(self._by_key), n=n * 3, cutoff=0.5)
        names = []
        for k in close:
            for i in sorted(self._by_key[k]):
                label = self._hospitals[i].name_en
                if label not in names:
                    names.append(label)
        return names[:n]


def _bounded(folded: str, start: int, end: int, pattern: str) -> bool:
    """English names need word boundaries; Chinese ones do not."""
    if is_chinese(pattern):
        return True
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not (before.isalnum() or after.isalnum())
