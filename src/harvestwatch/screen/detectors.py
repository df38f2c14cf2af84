"""Screening rules: each flag names its rule, the evidence spans that fired and why.

dead_donor_rule reads each airway event in its clause, sentence and procurement passage (see
``dead_donor``), not single keywords; it and implausible_wait apply wherever the record is from.

The Rogers et al. criteria (donor_source_missing, consent_missing, ethics_missing, pre_2015)
apply to transplant papers whose transplants were done in mainland China (``setting``): their
flags carry the span that placed the paper there (role "setting") and say so. A paper placed
elsewhere gets none. A paper whose setting cannot be read gets none either, by design: the
reviewer of a Rogers-type review screens for Chinese papers, and four (or even one) flag on
every record without an affiliation (most records of a general search) would bury the real
ones; the setting reading ("unknown") is shown on the record instead, so nothing is silently
judged. The *_missing rules are lifted by any positive statement; a negated or hedged
statement is reported as such; on a record of title and abstract only, a statement that is
simply absent is weak evidence (papers state consent and ethics approval in the methods), so
that flag is hedged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from harvestwatch.core.folding import fold_for_search
from harvestwatch.screen.dead_donor import read_breathing_donor, read_dead_donor
from harvestwatch.screen.flags import Evidence, Flag
from harvestwatch.screen.lexicon import Hit, Matcher, _escape, load_terms
from harvestwatch.screen.records import Facts, Record
from harvestwatch.screen.rules import RuleSet
from harvestwatch.screen.sections import SectionMap
from harvestwatch.screen.setting import Setting, place_names, record_setting
from harvestwatch.screen.statements import (
    REQUIREMENTS,
    missing_flag,
    read_statements,
)
from harvestwatch.screen.statements import SOURCES as STATEMENT_SOURCES

RULES = ("dead_donor_rule", "donor_source_missing", "consent_missing", "ethics_missing",
         "pre_2015", "implausible_wait")
VERSION = "screen/0.3"  # bump when a rule changes: records screened by older rules are re-screened

_MISSING_RULES = frozenset(r.rule for r in REQUIREMENTS)
_ORGAN = re.compile(r"kidney|renal|liver|hepatic|heart|cardiac|lung|肾|腎|肝|心脏|心臟|肺")

# Expressions that decide whether a rule can fire anywhere in a record. Each is compiled
# twice: by Python for the rule itself, and into the Hyperscan database as a prefilter, so the
# (slower) rule runs only on records where its expression occurs. Sources must stay in the
# syntax both engines share.
_SOURCES = {
    **STATEMENT_SOURCES,
    "study_period": (r"\b(?:from|between|during|in)\s+(?:[A-Za-z]+\s+)?((?:19|20)\d\d)\s*(?:to|and|until|-|–|through)\s*"
                     r"(?:[A-Za-z]+\s+)?((?:19|20)\d\d)\b",
                     r"((?:19|20)\d\d)\s*年[^。；]{0,10}?(?:至|到|－|—|-|~|～)\s*((?:19|20)\d\d)\s*年"),
    "wait_time": (r"(?:wait(?:ing)?(?: time| period)?|waited)[^.;]{0,40}?\b(\d+(?:\.\d+)?)\s*(hours?|days?|weeks?)\b",
                  r"等待[^。；]{0,12}?(\d+(?:\.\d+)?)\s*(天|日|小时|周)"),
}
_PERIODS = tuple(re.compile(p) for p in _SOURCES["study_period"])
_WAITS = tuple(re.compile(p, re.I) for p in _SOURCES["wait_time"])


def _ev(text: str, s: int, e: int, role: str = "evidence") -> Evidence:
    return Evidence.of(text, s, e, role)


def dead_donor_rule(text: str, folded: str, hits: list[Hit]) -> Flag | None:
    """Airway established after the death declaration or as a procurement step (see
    ``dead_donor``), or procurement on a donor still breathing."""
    reading = read_dead_donor(text, folded, hits)
    if reading is not None:
        return reading.flag()
    return read_breathing_donor(text, folded, hits)


def pre_2015(text: str, folded: str, year: int | None) -> Flag | None:
    """Transplants in mainland China before 2015 (the caller checks the setting): by the study
    period, else (hedged) by the publication year."""
    for rx in _PERIODS:
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


def _in_setting(flag: Flag | None, setting: Setting, fulltext: bool) -> Flag | None:
    """A Rogers flag with the setting that makes it apply; an absent statement on a record of
    title and abstract only is hedged (a negated one stays a flag)."""
    if flag is None:
        return None
    strength, why = flag.strength, flag.explanation
    if not fulltext and flag.rule in _MISSING_RULES and flag.strength == "flag" and not _negated(flag):
        strength = "hedged"
        why += "; not in the title or abstract, and the full text may state it"
    ev = flag.evidence + ((setting.evidence,) if setting.evidence is not None else ())
    return Flag(flag.rule, f"{why} (applies: {setting.describe()})", ev, strength, flag.reading)


def _negated(flag: Flag) -> bool:
    return isinstance(flag.reading, tuple) and any(s.status == "negated" for s in flag.reading)


def implausible_wait(text: str, folded: str) -> Flag | None:
    for rx in _WAITS:
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


@functools.cache
def default_matcher() -> Matcher:
    """The bundled lexicon plus the rules' prefilter expressions and the place names of the
    setting reading (as literals: a record naming none is not read for places), compiled once
    per process."""
    places = tuple(("\\b" if n[:1].isascii() and n[:1].isalnum() else "") + _escape(fold_for_search(n))
                   for n in place_names())
    return Matcher(load_terms(), prefilters={**_SOURCES, "place": places})


def screen_record(record: Record, matcher: Matcher | None = None) -> list[Flag]:
    """Every rule that fires on one record (title + abstract + full text)."""
    return screen_records([record], matcher)[0]


def screen_records(records: Sequence[Record], matcher: Matcher | None = None) -> list[list[Flag]]:
    """Flags per record for a batch, in rule order (see ``screen_texts``)."""
    return screen_texts([r.text for r in records], [r.year for r in records], matcher,
                        facts=[r.facts for r in records])


def screen_texts(texts: Sequence[str], years: Sequence[int | None],
                 matcher: Matcher | None = None, facts: Sequence[Facts] | None = None) -> list[list[Flag]]:
    """Flags per record text (``Record.text``), publication year and ``Facts`` (none: the
    text is a title and abstract with no metadata), in rule order.

    One Hyperscan call scans the batch; the category bitmask of each record then decides most
    rules outright (a transplant paper with no consent statement at all is flagged; one with
    a plain statement is not), and the positional rules run only on records whose bitmask
    shows they can fire. The Rogers rules run only on transplant papers set in mainland China.
    """
    matcher = matcher or default_matcher()
    facts = list(facts) if facts is not None else [Facts()] * len(texts)
    scan = matcher.scan_batch(texts)
    out: list[list[Flag]] = [[] for _ in texts]
    folded: dict[int, str] = {}
    hits: dict[int, list] = {}

    def ctx(k: int) -> tuple[str, str, list]:
        if k not in folded:
            folded[k] = fold_for_search(texts[k])
            hits[k] = scan.hits(k)
        return texts[k], folded[k], hits[k]

    def run(candidates: np.ndarray, rule) -> None:
        for k in np.flatnonzero(candidates).tolist():
            f = rule(k)
            if f is not None:
                out[k].append(f)

    has = scan.has
    context = has("donor", "procurement", "procedure_step", "death_declaration")
    run((has("airway", "ventilation", "cannula") & context)
        | (has("breathing") & has("procurement", "procedure_step")), lambda k: dead_donor_rule(*ctx(k)))
    transplant = has("transplant") | (has("donor") & has("recipient", "graft", "procurement"))
    settings: dict[int, Setting] = {}
    mainland = np.zeros(len(texts), bool)
    named = has("place")
    for k in np.flatnonzero(transplant).tolist():
        settings[k] = record_setting(texts[k], facts[k], names=bool(named[k]))
        mainland[k] = settings[k].applies
    transplant = transplant & mainland

    def rogers(k: int, flag: Flag | None) -> None:
        f = _in_setting(flag, settings[k], facts[k].fulltext)
        if f is not None:
            out[k].append(f)
    # A mention is a plain reported statement unless a negation, a hedge or a heading (the
    # reference list, the introduction) could change its reading: only those records are read.
    special = has("statement_negated", "hedge", "section_heading")
    sections: dict[int, SectionMap] = {}

    def missing(k: int, req) -> Flag | None:
        text, folded, hits_k = ctx(k)
        if k not in sections:
            sections[k] = SectionMap(text)
        return missing_flag(req, read_statements(text, folded, hits_k, req.categories, sections[k]))

    for req in REQUIREMENTS:
        absent = Flag(req.rule, f"a transplant paper that does not report {req.what}")
        mentioned = has(*req.categories)
        for k in np.flatnonzero(transplant & mentioned & special).tolist():
            rogers(k, missing(k, req))
        for k in np.flatnonzero(transplant & ~mentioned).tolist():
            rogers(k, absent)
    period = has("study_period")
    for k in np.flatnonzero(transplant & period).tolist():
        rogers(k, pre_2015(*ctx(k)[:2], years[k]))
    by_year: dict[int, Flag | None] = {}
    for k in np.flatnonzero(transplant & ~period).tolist():
        year = years[k]
        if year not in by_year:
            by_year[year] = pre_2015("", "", year)
        rogers(k, by_year[year])
    run(has("wait_time"), lambda k: implausible_wait(*ctx(k)[:2]))
    return out


def _screen_builtin(texts: Sequence[str], years: Sequence[int | None],
                    facts: Sequence[Facts] | None = None) -> list[list[Flag]]:
    return screen_texts(texts, years, facts=facts)


# Registered in pyproject.toml under harvestwatch.screen_rules, as a plugin's rules are.
BUILTIN = RuleSet(rules=RULES, screen=_screen_builtin, version=VERSION, reads_facts=True)
