"""Stance of claim-bearing sentences: allegation, denial, condemnation, legal measure, call to action."""

from __future__ import annotations

import re

from harvestwatch.extract.lang.zh import DENIAL_ZH
from harvestwatch.extract.mentions import EntityMention, Stance

_OFFICIAL = re.compile(r"\b(?:Chinese|China's|Beijing|Communist|state|official|regime|government|"
                       r"authorities|embassy|ministry|spokes\w+|Politburo|CCP|officials)\b", re.I)
_CESSATION = re.compile(r"\b(?:stopped|ceased|ended|abolished|voluntary|volunteers?)\b", re.I)
_CALL_SUBJECT = re.compile(r"^\s*((?:[Tt]he\s+)?(?:[A-Z][\w.’'-]*\s+){0,4}?[\w.’'-]+)\s+(?:\w+ly\s+)?$")
RULES: list[tuple[str, re.Pattern]] = [
    ("denial", re.compile(
        r"\b(?:den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing)|"
        r"rebut(?:s|ted)?)\b[^.]{0,60}\b(?:allegations?|accusations?|claims?|reports?|charges?|it|this|them)\b"
        r"|\b(?:claim|claims|claimed|claiming|insist|insists|insisted|insisting|maintain|maintains|"
        r"say|says|said|saying)\b[^.]{0,40}\b(?:is|are|was|were|has|have)\s+(?:not|never|no longer)\b"
        r"|\b(?:that|which)\s+(?:they|it|officials|authorities|the government)\s+(?:claim|claims|say|says|insist|insists)\s+"
        r"(?:is|are|was|were)\s+(?:not|never)\b"
        r"|\b(?:claim|claims|claiming|insist\w*|maintain\w*|say\w*)\s+that\s+(?:all\s+)?(?:organ\s+)?donors?\s+"
        r"(?:are|were|is)\s+(?:all\s+)?(?:voluntary|volunteers?|citizens)"
        r"|\b(?:claim\w*|maintain\w*|insist\w*|say|says|said|assert\w*)\s+(?:that\s+)?[^.]{0,100}?"
        r"\b(?:stopped|ceased|ended|abolished|no longer|voluntary|volunteers?)\b"
        r"|\b(?:baseless|groundless|fabricat\w+|smears?|lies|rumou?rs|slander\w*)\b", re.I)),
    ("condemnation", re.compile(
        r"\b(?:condemn\w*|denounc\w*|censur\w*|deplor\w*|rebuk\w*)\b"
        r"|\bresolution\b[^.]{0,80}\b(?:adopted|passed|calling|condemning)\b", re.I)),
    ("legal_measure", re.compile(
        r"\b(?:laws?|legislation|bills?|acts?|statutes?|amendments?)\b[^.]{0,80}\b(?:prevent\w*|ban\w*|"
        r"prohibit\w*|criminali[sz]\w*|outlaw\w*|against|in place|passed|enacted|instated|adopted)\b"
        r"|\b(?:banned|outlawed|criminali[sz]ed|prohibited)\b[^.]{0,60}\b(?:organ|transplant)", re.I)),
    ("call_to_action", re.compile(
        r"\b(?:urg(?:e|es|ed|ing)|call(?:s|ed|ing)?\s+(?:on|upon|for)|appeal(?:s|ed)?\s+to|"
        r"help spread|take action|must act|should act|sign the petition|put pressure|to act\b)", re.I)),
    ("allegation", re.compile(
        r"\b(?:alleg\w*|accus\w*|reportedly|eyewitness\w*|testif\w+|evidence (?:of|that)|"
        r"harvest(?:ed|ing)?\b[^.]{0,40}\borgans?|organs?\b[^.]{0,30}\bharvest\w*|killed for (?:their )?organs|"
        r"mass killings?|forced organ harvesting|removing (?:their )?(?:vital )?organs|"
        r"implausible|cannot account)", re.I)),
]
_ZH_RULES = [
    ("denial", DENIAL_ZH),
    ("condemnation", re.compile(r"谴责|譴責|强烈批评|決議|决议")),
    ("legal_measure", re.compile(r"立法|法案|通过.{0,10}法|禁止.{0,10}器官|器官移植旅游.{0,6}(?:禁|法)")),
    ("call_to_action", re.compile(r"呼吁|呼籲|敦促|要求.{0,6}停止")),
    ("allegation", re.compile(r"活摘|强摘|強摘|摘取.{0,6}器官|指控|揭露|证据|證據|证人|證人")),
]


def split_sentences(text: str, doc=None) -> list[tuple[int, int]]:
    """Sentence spans: spaCy's for English when a parsed doc is given, punctuation rules otherwise."""
    if doc is not None:
        return [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]
    spans = []
    for m in re.finditer(r"[^。！？!?\n]+[。！？!?]?[”」]?", text):
        if m.group().strip():
            spans.append((m.start(), m.end()))
    return spans


def _actors(start: int, end: int, entities: list[EntityMention], labels: tuple[str, ...]) -> list[str]:
    """Named actors in the sentence: people and organisations before places (a dateline's
    "LONDON" or a country named as the subject matter rarely makes the claim)."""
    names: list[tuple[int, str]] = []
    for e in entities:
        if start <= e.start and e.end <= end and e.label in labels and e.canonical not in (n for _, n in names):
            names.append((1 if e.label == "place" else 0, e.canonical))
    return [n for _, n in sorted(names, key=lambda t: t[0])]


def _masked(text: str, entities: list[EntityMention], doc=None) -> str:
    """``text`` with names blanked out, so "Doctors Against Forced Organ Harvesting" is no allegation."""
    chars = list(text)
    spans = [(m.start, m.end) for m in entities if m.label in ("organization", "law", "hospital")]
    if doc is not None:
        spans += [(e.start_char, e.end_char) for e in doc.ents
                  if e.label_ in ("WORK_OF_ART", "EVENT", "ORG", "LAW")]
    for s, e in spans:
        for i in range(s, e):
            if not chars[i].isspace():
                chars[i] = "_"
    return "".join(chars)


def classify_sentences(text: str, entities: list[EntityMention], lang: str = "en", doc=None) -> list[Stance]:
    """One stance per claim-bearing sentence (the most specific rule wins)."""
    out = []
    rules = _ZH_RULES if lang == "zh" else RULES
    masked = _masked(text, entities, doc if lang != "zh" else None)
    for s, e in split_sentences(text, doc if lang != "zh" else None):
        sentence = masked[s:e]
        for kind, rx in rules:
            m = rx.search(sentence)
            if not m:
                continue
            if kind == "denial" and lang != "zh" and (m.group().lower().split()[0] in (
                    "baseless", "groundless", "fabricated", "smear", "smears", "lies", "rumors",
                    "rumours") or _CESSATION.search(m.group())) and not _OFFICIAL.search(sentence):
                continue  # an official body must be the one calling it false or over
            actors = _actors(s, e, entities, ("organization", "place", "person"))
            official = re.search(r"\b(?:the\s+)?(?:Chinese|Canadian|Australian|British|U\.S\.|American|"
                                 r"Japanese|Taiwanese|Israeli|Spanish)\s+(?:government|officials|"
                                 r"authorities|regime|embassy|foreign ministry|health ministry)\b", sentence, re.I)
            if official and kind == "denial":
                name = re.sub(r"^the\s+", "", official.group(), flags=re.I).strip()
                actors = [name[0].upper() + name[1:]] + actors
            actor = actors[0] if actors else None
            target = None
            if kind == "call_to_action":  # "X urged Y to ...": X asserts, Y is called upon
                cue_at = s + m.start()
                before = [a for a in _actors(s, cue_at, entities, ("organization", "place", "person"))]
                after = [a for a in _actors(cue_at, e, entities, ("organization", "place", "person"))]
                subject = _CALL_SUBJECT.match(text[s:cue_at])
                if subject and subject.group(1).lower() in ("we", "i", "you", "they", "he", "she", "it"):
                    subject = None
                actors = before or ([subject.group(1)] if subject else [])
                actor = actors[0] if actors else None
                target = after[0] if after else None
            if kind == "condemnation":
                by = re.search(r"\bby\b(.*)", text[s:e])  # the unmasked sentence names them
                if by:
                    actors = [a for a in actors if a in by.group(1)] + [
                        m2.group() for m2 in re.finditer(r"(?:the\s+)?(?:[A-Z][\w.]*\s+)+government", by.group(1))
                        if m2.group().replace("the ", "") not in actors]
                    actors = [a.replace("the ", "") for a in actors]
                    actor = actors[0] if actors else actor
            out.append(Stance(kind, s, e, text[s:e].strip(), actor, actors, m.group(), target))
            break
    return out
