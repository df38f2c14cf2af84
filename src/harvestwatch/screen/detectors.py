"""Screening rules: each flag names its rule, the evidence spans that fired and why.

dead_donor_rule reads the order of events (brain death declared → then intubation or
ventilation; procurement on a donor still breathing; cardiac arrest induced with
cardioplegia), not single keywords. The *_missing rules apply to transplant papers only
and are lifted by any positive statement; a negated or hedged statement is reported as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harvestwatch.core.folding import fold_for_search
from harvestwatch.screen.lexicon import Hit, Matcher, default_matcher
from harvestwatch.screen.records import Record

RULES = ("dead_donor_rule", "donor_source_missing", "consent_missing", "ethics_missing",
         "pre_2015", "implausible_wait")
VERSION = "screen/0.1"

_AFTER_EN = re.compile(r"\b(?:then|subsequently|thereafter|afterwards|followed by|after which|"
                       r"and then|immediately|was then|were then)\b")
_AFTER_PREP_EN = re.compile(r"\b(?:after|following|once|upon)\b")
_BEFORE_EN = re.compile(r"\b(?:before|prior to|until)\b")
_AFTER_ZH = re.compile(r"后|後|随后|隨後|然后|然後|之后|之後|再行|即行|立即")
_BEFORE_ZH = re.compile(r"前|之前")
_NEG = re.compile(r"\b(?:no|not|without|never|neither|nor|absence of|lack of|did not|was not|were not)\b"
                  r"|未|无|無|没有|沒有|不")
_HEDGE = re.compile(r"\b(?:may|might|possibly|presumably|probably|likely|unclear|assumed)\b|可能|或许|或許|估计")
_CONSENT_NEG = re.compile(r"\b(?:no|without|not)\b[^.;]{0,40}\bconsent|consent[^.;]{0,30}\b(?:was|were)\s+not\b"
                          r"|未[^。；]{0,10}(?:知情同意|同意)|未签署")
_PERIOD_EN = re.compile(r"\b(?:from|between|during|in)\s+(?:[A-Za-z]+\s+)?((?:19|20)\d\d)\s*(?:to|and|until|-|–|through)\s*"
                        r"(?:[A-Za-z]+\s+)?((?:19|20)\d\d)\b")
_PERIOD_ZH = re.compile(r"((?:19|20)\d\d)\s*年[^。；]{0,10}?(?:至|到|－|—|-|~|～)\s*((?:19|20)\d\d)\s*年")
_WAIT_EN = re.compile(r"(?:wait(?:ing)?(?: time| period)?|waited)[^.;]{0,40}?\b(\d+(?:\.\d+)?)\s*(hours?|days?|weeks?)\b", re.I)
_WAIT_ZH = re.compile(r"等待[^。；]{0,12}?(\d+(?:\.\d+)?)\s*(天|日|小时|周)")
_ORGAN = re.compile(r"kidney|renal|liver|hepatic|heart|cardiac|lung|肾|腎|肝|心脏|心臟|肺")
_SENT = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")


@dataclass
class Flag:
    rule: str
    explanation: str
    evidence: list[dict] = field(default_factory=list)  # {start, end, text}
    strength: str = "flag"  # flag | hedged

    def to_dict(self) -> dict:
        return {"rule": self.rule, "explanation": self.explanation, "evidence": self.evidence,
                "strength": self.strength}


def _ev(text: str, s: int, e: int) -> dict:
    return {"start": s, "end": e, "text": text[s:e]}


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENT.finditer(text) if m.group().strip()]


def _in(hits: list[Hit], cat: str, lo: int, hi: int) -> list[Hit]:
    return [h for h in hits if h.category == cat and lo <= h.start and h.end <= hi]


def dead_donor_rule(text: str, folded: str, hits: list[Hit]) -> Flag | None:
    """Ventilation started after brain death was declared, procurement on a breathing donor,
    or cardiac arrest induced: ordered within a sentence or across two adjacent sentences."""
    sents = _sentences(folded)
    for i, (lo, hi) in enumerate(sents):
        window_hi = sents[i + 1][1] if i + 1 < len(sents) else hi
        deaths = _in(hits, "death_declaration", lo, hi)
        airways = _in(hits, "airway", lo, window_hi)
        for d in deaths:
            for a in airways:
                seg = folded[min(d.end, a.end):max(d.start, a.start)] if a.start > d.end else folded[a.end:d.start]
                if a.start >= d.end:
                    # "brain death was declared ... then intubation" (order in the text = order of events)
                    led_by_after = _AFTER_PREP_EN.search(folded[max(lo, d.start - 12):d.start])
                    if (_AFTER_EN.search(seg) or _AFTER_ZH.search(seg) or led_by_after
                            or a.start - d.end < 12) \
                            and not _BEFORE_EN.search(seg) and not _BEFORE_ZH.search(seg[:6]) \
                            and not _NEG.search(folded[max(lo, a.start - 25):a.start]):
                        return Flag("dead_donor_rule", "intubation/ventilation is described after the "
                                    "brain-death declaration: brain death cannot be declared in a donor "
                                    "who was not yet ventilated",
                                    [_ev(text, d.start, d.end), _ev(text, a.start, a.end)])
                elif d.start >= a.end and (_AFTER_PREP_EN.search(seg) or re.search(r"^[^。]{0,4}$", seg)
                                           and _AFTER_ZH.search(folded[d.end:d.end + 3])):
                    # "intubation for ventilation after brain death" / "脑死亡后行气管插管" handled above
                    if not _NEG.search(seg):
                        return Flag("dead_donor_rule", "intubation/ventilation is said to follow the "
                                    "brain-death declaration", [_ev(text, a.start, a.end), _ev(text, d.start, d.end)])
        for b in _in(hits, "breathing", lo, hi):
            procure = _in(hits, "procurement", lo, window_hi)
            if procure and not _NEG.search(folded[max(lo, b.start - 20):b.start]):
                return Flag("dead_donor_rule", "procurement is described on a donor who was still "
                            "breathing spontaneously", [_ev(text, b.start, b.end),
                                                        _ev(text, procure[0].start, procure[0].end)])
        for c in _in(hits, "induced_arrest", lo, hi):
            if not deaths and not _in(hits, "death_declaration", lo, window_hi):
                return Flag("dead_donor_rule", "cardiac arrest was induced (cardioplegia) with no "
                            "brain-death determination in the procurement description",
                            [_ev(text, c.start, c.end)], "hedged")
    return None


def _missing(rule: str, what: str, cats: tuple[str, ...], text: str, folded: str, hits: list[Hit],
             neg: re.Pattern | None = None) -> Flag | None:
    found = [h for h in hits if h.category in cats]
    if neg is not None:
        m = neg.search(folded)
        if m:
            return Flag(rule, f"the paper states that {what} was not obtained", [_ev(text, m.start(), m.end())])
    if not found:
        return Flag(rule, f"a transplant paper that does not report {what}", [])
    hedged = [h for h in found if _HEDGE.search(folded[max(0, h.start - 40):h.end + 20])]
    if hedged and len(hedged) == len(found):
        h = hedged[0]
        return Flag(rule, f"{what} is mentioned only in hedged terms", [_ev(text, h.start, h.end)], "hedged")
    return None


def pre_2015(text: str, folded: str, year: int | None) -> Flag | None:
    for rx in (_PERIOD_EN, _PERIOD_ZH):
        for m in rx.finditer(folded):
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b and a < 2015:
                return Flag("pre_2015", f"transplants performed {a}–{b}, before 2015 when executed "
                            "prisoners were officially the main source", [_ev(text, m.start(), m.end())])
            if a <= b:
                return None
    if year is not None and year < 2015:
        return Flag("pre_2015", f"no study period given; published {year}, so transplants predate 2015",
                    [], "hedged")
    return None


def implausible_wait(text: str, folded: str) -> Flag | None:
    for rx in (_WAIT_EN, _WAIT_ZH):
        for m in rx.finditer(folded):
            value = float(m.group(1))
            unit = m.group(2).lower()
            days = value / 24 if unit.startswith(("hour", "小时")) else value * (7 if unit.startswith(("week", "周")) else 1)
            ctx = folded[max(0, m.start() - 80):m.end() + 40]
            if days <= 30 and _ORGAN.search(ctx):
                return Flag("implausible_wait", f"waiting time of {m.group(1)} {m.group(2)} for an organ, "
                            "where deceased-donation systems wait months to years",
                            [_ev(text, m.start(), m.end())])
    return None


def screen_record(record: Record, matcher: Matcher | None = None,
                  hits: list[Hit] | None = None) -> list[Flag]:
    """Every rule that fires on one record (title + abstract + full text).

    ``hits`` may be given when the lexicon was scanned for a whole batch at once.
    """
    text = record.text
    folded = fold_for_search(text)
    if hits is None:
        hits = (matcher or default_matcher()).scan(text)
    flags: list[Flag] = []
    f = dead_donor_rule(text, folded, hits)
    if f:
        flags.append(f)
    is_transplant = any(h.category in ("transplant", "procurement") for h in hits)
    if is_transplant:
        for rule, what, cats, neg in (
                ("donor_source_missing", "where the organs came from", ("donor_source",), None),
                ("consent_missing", "donor consent", ("consent",), _CONSENT_NEG),
                ("ethics_missing", "ethics committee approval", ("ethics",), None)):
            f = _missing(rule, what, cats, text, folded, hits, neg)
            if f:
                flags.append(f)
        f = pre_2015(text, folded, record.year)
        if f:
            flags.append(f)
    f = implausible_wait(text, folded)
    if f:
        flags.append(f)
    return flags


def screen_records(records: list[Record], matcher: Matcher | None = None) -> list[list[Flag]]:
    """Flags for a batch of records, scanning the lexicon once for the whole batch."""
    matcher = matcher or default_matcher()
    all_hits = matcher.scan_many([r.text for r in records])
    return [screen_record(r, matcher, h) for r, h in zip(records, all_hits, strict=True)]
