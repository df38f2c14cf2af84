"""Screening rules: each flag names its rule, the evidence spans that fired and why.

dead_donor_rule reads each airway event in its clause, sentence and procurement passage (see
``dead_donor``), not single keywords. The *_missing rules apply to transplant papers only and
are lifted by any positive statement; a negated or hedged statement is reported as such.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from harvestwatch.core.folding import fold_for_search
from harvestwatch.screen.dead_donor import read_breathing_donor, read_dead_donor
from harvestwatch.screen.flags import Evidence, Flag
from harvestwatch.screen.lexicon import Hit, Matcher, load_terms
from harvestwatch.screen.records import Record
from harvestwatch.screen.rules import RuleSet
from harvestwatch.screen.sections import SectionMap
from harvestwatch.screen.statements import (
    REQUIREMENTS,
    missing_flag,
    read_statements,
)
from harvestwatch.screen.statements import SOURCES as STATEMENT_SOURCES

RULES = ("dead_donor_rule", "donor_source_missing", "consent_missing", "ethics_missing",
         "pre_2015", "implausible_wait")
VERSION = "screen/0.2"  # bump when a rule changes: records screened by older rules are re-screened

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
    """The bundled lexicon plus the rules' prefilter expressions, compiled once per process."""
    return Matcher(load_terms(), prefilters=_SOURCES)


def screen_record(record: Record, matcher: Matcher | None = None) -> list[Flag]:
    """Every rule that fires on one record (title + abstract + full text)."""
    return screen_records([record], matcher)[0]


def screen_records(records: Sequence[Record], matcher: Matcher | None = None) -> list[list[Flag]]:
    """Flags per record for a batch, in rule order (see ``screen_texts``)."""
    return screen_texts([r.text for r in records], [r.year for r in records], matcher)


def screen_texts(texts: Sequence[str], years: Sequence[int | None],
                 matcher: Matcher | None = None) -> list[list[Flag]]:
    """Flags per record text (``Record.text``) and publication year, in rule order.

    One Hyperscan call scans the batch; the category bitmask of each record then decides most
    rules outright (a transplant paper with no consent statement at all is flagged; one with
    a plain statement is not), and the positional rules run only on records whose bitmask
    shows they can fire.
    """
    matcher = matcher or default_matcher()
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
        run(transplant & mentioned & special, lambda k, r=req: missing(k, r))
        for k in np.flatnonzero(transplant & ~mentioned).tolist():
            out[k].append(absent)
    period = has("study_period")
    run(transplant & period, lambda k: pre_2015(*ctx(k)[:2], years[k]))
    by_year: dict[int, Flag | None] = {}
    for k in np.flatnonzero(transplant & ~period).tolist():
        year = years[k]
        if year not in by_year:
            by_year[year] = pre_2015("", "", year)
        if by_year[year] is not None:
            out[k].append(by_year[year])
    run(has("wait_time"), lambda k: implausible_wait(*ctx(k)[:2]))
    return out


def _screen_builtin(texts: Sequence[str], years: Sequence[int | None]) -> list[list[Flag]]:
    return screen_texts(texts, years)


# Registered in pyproject.toml under harvestwatch.screen_rules, as a plugin's rules are.
BUILTIN = RuleSet(rules=RULES, screen=_screen_builtin, version=VERSION)
