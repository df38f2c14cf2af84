"""Statements a transplant paper should make (Rogers et al., BMJ Open 2019): where the organs
came from, donor consent, ethics approval — read on the whole text, section by section.

Each mention of a statement is read in its section and its clause: *reported* (lifts the
flag), *negated* ("no consent was obtained", 未经伦理委员会批准; Chinese cues are words from
segmentation, so 无 inside 无菌 is no negation), *hedged* ("may have been obtained"),
*general* (only in the introduction or background, about other work) or *cited* (only in the
reference list). A paper is a transplant paper by its procedure words (移植, 供体, 受者, graft,
recipient, procurement …), not only by the word "transplant".
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from harvestwatch.screen.clauses import words_zh
from harvestwatch.screen.flags import Evidence, Flag
from harvestwatch.screen.lexicon import Hit
from harvestwatch.screen.sections import SectionMap

# Prefilter sources (compiled by Python here and, widened, into the Hyperscan database): a
# rule's Python reading only ever finds what these expressions match.
SOURCES = {
    "statement_negated": (
        r"\b(?:no|not|without|never|neither|nor)\b[^.;\n]{0,40}(?:consent|ethic|review board|irb|approv|"
        r"donor|donation|helsinki|istanbul)"
        r"|(?:consent|ethic|approv|review board|irb|donor|donation)[^.;\n]{0,30}\s(?:not|waived)\b",
        r"(?:未|无|無|没有|沒有|不)[^。；;，,\n]{0,12}(?:知情同意|同意|伦理|批准|审查|供体|供者|捐献|来源|尸体|活体|死刑|死囚)",
    ),
    "hedge": (r"\b(?:may|might|possibly|presumably|probably|likely|unclear|assumed)\b|可能|或许|或許|估计",),
    "section_heading": (r"references?|bibliography|literature cited|参考文献|參考文獻|introduction|background"
                        r"|引\s*言|前\s*言|背景",
                        _HEADING_PHRASES := r"consent to participate|consent for publication"
                                            r"|ethic(?:s|al) (?:approval|statement|declaration)|伦理(?:声明|审批|批准)"),
}
# A heading naming a statement ("Ethics approval and consent to participate") states nothing.
_HEADING_PHRASE = re.compile(_HEADING_PHRASES)
_NEGATED = tuple(re.compile(p) for p in SOURCES["statement_negated"])
_HEDGE = re.compile(SOURCES["hedge"][0])
_NEG_WORDS_ZH = frozenset({"未", "无", "無", "没有", "沒有", "不", "未经", "未經", "未能", "未曾", "无需", "无须",
                           "不需", "不必", "未予"})

_STRONG = frozenset({"transplant"})
_WEAK_WITH_DONOR = frozenset({"recipient", "graft", "procurement"})


def is_transplant_paper(categories: Collection[str]) -> bool:
    """A transplant word, or a donor together with a recipient, a graft or a procurement."""
    cats = set(categories)
    return bool(cats & _STRONG) or ("donor" in cats and bool(cats & _WEAK_WITH_DONOR))


@dataclass(frozen=True)
class Statement:
    kind: str  # the lexicon category: donor_source | consent | ethics
    evidence: Evidence
    section: str  # front | abstract | methods | ethics | acknowledgements | references | …
    status: str  # reported | negated | hedged | general | cited


@dataclass(frozen=True)
class Requirement:
    rule: str
    what: str
    categories: tuple[str, ...]


REQUIREMENTS = (Requirement("donor_source_missing", "where the organs came from", ("donor_source",)),
                Requirement("consent_missing", "donor consent", ("consent",)),
                Requirement("ethics_missing", "ethics committee approval", ("ethics",)))


def read_statements(text: str, folded: str, hits: list[Hit], categories: tuple[str, ...],
                    section_map: SectionMap | None = None) -> list[Statement]:
    """Every mention of a statement of ``categories``, with its section and status."""
    found = _longest([h for h in hits if h.category in categories])
    if not found:
        return []
    smap = section_map or SectionMap(text)
    out = []
    for h in found:
        sec = smap.at(h.start)
        if h.start < sec.body and _HEADING_PHRASE.search(folded, sec.start, sec.body):
            continue
        if sec.kind == "references":
            status = "cited"
        elif _negated(folded, h):
            status = "negated"
        elif _HEDGE.search(folded, max(0, h.start - 40), h.end + 20):
            status = "hedged"
        elif sec.kind == "introduction":
            status = "general"
        else:
            status = "reported"
        out.append(Statement(h.category, Evidence.of(text, h.start, h.end, "statement"), sec.kind, status))
    return out


def missing_flag(req: Requirement, statements: list[Statement]) -> Flag | None:
    """The flag for one requirement given its statements; None when one is reported plainly."""
    by = {s: [x for x in statements if x.status == s] for s in ("negated", "reported", "hedged", "general", "cited")}
    if by["negated"]:
        return Flag(req.rule, f"the paper states that {req.what} was not obtained or not needed "
                    f"({_where(by['negated'])})", [x.evidence for x in by["negated"]],
                    reading=tuple(statements))
    if by["reported"]:
        return None
    if by["hedged"] or by["general"]:
        shown = by["hedged"] + by["general"]
        how = "in hedged terms" if by["hedged"] else "only in the introduction or background (other work)"
        return Flag(req.rule, f"{req.what} is mentioned {how} ({_where(shown)})",
                    [x.evidence for x in shown], "hedged", tuple(statements))
    if by["cited"]:
        return Flag(req.rule, f"a transplant paper that does not report {req.what} (mentioned only in "
                    "the reference list)", [x.evidence for x in by["cited"][:3]], reading=tuple(statements))
    return Flag(req.rule, f"a transplant paper that does not report {req.what}")


def _where(statements: list[Statement]) -> str:
    return ", ".join(dict.fromkeys(f"«{s.evidence.text}» in {s.section}" for s in statements))


def _negated(folded: str, h: Hit) -> bool:
    """A negation cue next to the statement (see SOURCES), as a word in Chinese."""
    lo, hi = max(0, h.start - 60), min(len(folded), h.end + 40)
    for rx in _NEGATED:
        for m in rx.finditer(folded, lo, hi):
            if not (m.start() <= h.start < m.end() or m.start() < h.end <= m.end()):
                continue
            cue = m.group()[:2]
            if cue[0] not in "未无無没沒不":
                return True
            words = words_zh(folded, m.start(), m.end())
            if words and words[0][2] in _NEG_WORDS_ZH:
                return True
    return False


def _longest(hits: list[Hit]) -> list[Hit]:
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if out and h.start < out[-1].end:
            continue
        out.append(h)
    return out
