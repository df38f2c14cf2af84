"""Stance of claim-bearing sentences: allegation, denial, condemnation, legal measure, call to action."""

from __future__ import annotations

import re

from harvestwatch.extract.lang import en_stance
from harvestwatch.extract.lang.zh_stance import asserted_zh, claimant_zh, denial_zh
from harvestwatch.extract.mentions import EntityMention, Stance

_OFFICIAL = re.compile(r"\b(?:Chinese|China's|Beijing|Communist|state|official|regime|government|"
                       r"authorities|embassy|ministry|spokes\w+|Politburo|CCP|officials)\b", re.I)
_CESSATION = re.compile(r"\b(?:stopped|ceased|ended|abolished|voluntary|volunteers?)\b", re.I)
_CALL_SUBJECT = re.compile(r"^\s*((?:[Tt]he\s+)?(?:[A-Z][\w.’'-]*\s+){0,4}?[\w.’'-]+)\s+(?:\w+ly\s+)?$")
RULES: list[tuple[str, re.Pattern]] = [
    ("denial", re.compile(
        r"\b(?:den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing)|"
        r"rebut(?:s|ted)?)\b[^.]{0,60}\b(?:allegations?|accusations?|claims?|reports?|charges?|it|this|them)\b"
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
        r"forcibl[ey]|implausible|cannot account)", re.I)),
]
_ZH_RULES = [
    ("denial", None),  # read from the segmentation (lang/zh_stance.py)
    ("condemnation", re.compile(r"谴责|譴責|强烈批评|決議|决议")),
    ("legal_measure", re.compile(r"立法|法案|通过.{0,10}法|禁止.{0,10}器官|器官移植旅游.{0,6}(?:禁|法)")),
    ("call_to_action", re.compile(r"呼吁|呼籲|敦促|要求.{0,6}停止")),
    # 摘取 alone is the law's neutral word for procuring an organ: only forced or illegal taking alleges
    ("allegation", re.compile(r"活摘|强摘|強摘|(?:强行|強行|强制|強制|非法|被)摘(?:取|除)|指控|揭露|证据|證據|证人|證人")),
]


_FALSE_WORD = re.compile(r"(?i)(?:baseless|groundless|fabricat\w+|smears?|lies|rumou?rs|slander\w*)$")
_DENY_VERBS = {"deny", "denies", "denied", "denying", "reject", "rejects", "rejected", "rejecting", "dismiss",
               "dismisses", "dismissed", "dismissing", "refute", "refutes", "refuted", "refuting", "rebut",
               "rebuts", "rebutted", "rebutting", "repudiate", "repudiated", "repudiates", "disavow",
               "disavowed"}
# Words of the parse-based denial reading (the English model ships without a lemmatizer, so forms).
_DENY_NOUNS = {"denial", "denials"}
_FALSEHOOD_NOUNS = {"lie", "lies", "fabrication", "fabrications", "smear", "smears", "slander", "slanders",
                    "rumor", "rumors", "rumour", "rumours", "disinformation", "misinformation", "hoax",
                    "fiction", "nonsense", "fake news", "falsehood", "falsehoods"}
_FALSEHOOD_ADJS = {"baseless", "groundless", "unfounded", "untrue", "false", "fabricated", "fake",
                   "unsubstantiated", "fictitious", "absurd", "slanderous"}
_ALLEGATIONS = {"allegation", "allegations", "accusation", "accusations", "claim", "claims", "report",
                "reports", "charge", "charges", "story", "stories", "assertion", "assertions", "rumors",
                "rumours", "they", "it", "this", "these", "those", "that"}
_DENIED_THINGS = {"practice", "practices", "involvement", "wrongdoing", "existence", "evidence", "findings",
                  "testimony", "testimonies", "accounts", "account", "resolution", "them", "him", "her"}
_SPEECH = {"said", "says", "say", "saying", "insisted", "insists", "insist", "maintained", "maintains",
           "told", "stated", "states", "added", "claimed", "claims", "stressed", "noted", "declared"}
_OFFICIAL_SUBJECT = re.compile(r"\b(?:officials?|spokes\w+|ministry|minister|embassy|government|authorities|"
                               r"hospital|commission|Beijing|China|Chinese|state media|Xinhua|regime|"
                               r"consulate|mission)\b", re.I)
_MODAL = {"would", "will", "could", "can", "should", "might", "may", "must"}


def _official_possessor(noun) -> bool:
    """"China's claims", "claims of the government": the allegation is the official side's own."""
    for c in noun.children:
        if c.dep_ == "poss" and _OFFICIAL_SUBJECT.search(c.text):
            return True
        if c.dep_ == "prep" and c.lower_ in ("of", "by") and _OFFICIAL_SUBJECT.search(
                " ".join(t.text for t in c.subtree)):
            return True
    return False


def _hypothetical(tok) -> bool:
    """Inside a clause opened by if / unless / until / whether: "until China shows such claims to be false"."""
    t = tok
    while t.head.i != t.i:
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "until", "whether") for c in t.children):
            return True
        t = t.head
    return False


def _negated(tok) -> bool:
    """The verb, or the clause it serves ("did not provide evidence to rebut"), is negated."""
    t = tok
    for _ in range(3):
        if any(c.dep_ == "neg" for c in t.children):
            return True
        if t.dep_ not in ("xcomp", "advcl", "acl", "relcl", "dobj", "pobj", "prep") or t.head.i == t.i:
            return False
        t = t.head
    return False


def denial_en(sent) -> tuple[str, object] | None:
    """(why, the word that says so) when a parsed English sentence denies an allegation. Read from the parse, not
    phrases: a denial noun ("despite denials from Beijing"); a falsehood said of an allegation
    ("such claims are lies", "unfounded reports", "these lies", "X is a big lie"); "without
    factual basis"; a negated existence ("there has never been any such practice", "did not
    exist"); an official speaker whose reported statement is negated ("officials said the
    hospital did not have a basement")."""
    for tok in sent:
        low = tok.lower_
        if low in _DENY_NOUNS and tok.pos_ == "NOUN":
            return tok.text, tok
        if low in _DENY_VERBS and tok.pos_ == "VERB" and not _negated(tok) and not _hypothetical(tok):
            objects = [c for c in tok.children if c.dep_ in ("ccomp", "nsubjpass", "xcomp", "oprd")
                       or (c.dep_ == "dobj" and (c.lower_ in _ALLEGATIONS or c.lower_ in _DENIED_THINGS))]
            if objects or any(c.dep_ == "prep" and c.lower_ == "as" for c in tok.children):
                return " ".join(t.text for t in (tok, *objects[:1])), tok
        if (low in _FALSEHOOD_NOUNS or low in _FALSEHOOD_ADJS) and not _hypothetical(tok):
            head = tok.head
            if tok.dep_ == "attr" and low in _FALSEHOOD_NOUNS:
                return f"{head.text} … {tok.text}", tok  # "X is a big lie", "they were politically motivated lies"
            if tok.dep_ in ("acomp", "attr", "oprd"):
                subj = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
                if subj and subj[0].lower_ in _ALLEGATIONS and not _official_possessor(subj[0]):
                    return f"{subj[0].text} … {tok.text}", tok
            if tok.dep_ == "amod" and head.lower_ in _ALLEGATIONS and not _official_possessor(head):
                return f"{tok.text} {head.text}", tok  # "unfounded reports"
            if low in _FALSEHOOD_NOUNS and any(c.dep_ == "det" and c.lower_ in ("these", "such", "those")
                                               for c in tok.children):
                return f"these {tok.text}", tok
        if low == "basis" and tok.head.lower_ == "without":
            return "without … basis", tok
        if tok.dep_ == "expl" and tok.head.lower_ in ("is", "was", "are", "were", "been", "be", "has", "have"):
            verb = tok.head
            negated = any(c.dep_ == "neg" for c in verb.children) or any(
                c.lower_ in ("no", "never") for c in verb.subtree)
            if negated and any(c.lower_ in ("such", "any") for c in verb.subtree):
                return "there … never/no such", verb
        if low in ("exist", "exists", "existed") and any(c.dep_ == "neg" for c in tok.children):
            return f"not {tok.text}", tok
        if low in _SPEECH and tok.pos_ == "VERB":
            subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
            subj_text = " ".join(t.text for t in subj[0].subtree) if subj else ""
            if not subj or not _OFFICIAL_SUBJECT.search(subj_text) or re.search(r"\b(?:critics?|activists?|"
                                                                              r"researchers?|investigators?)\b",
                                                                              subj_text, re.I):
                continue
            for comp in (c for c in tok.children if c.dep_ in ("ccomp", "conj")):
                for t in comp.subtree:
                    if t.dep_ == "neg" and not any(a.lower_ in _MODAL for a in t.head.children):
                        return f"{tok.text} … {t.text}", tok
    return None


def _is_headline(text: str, start: int, end: int) -> bool:
    """A line of its own, short, without sentence punctuation at its end."""
    line = text[start:end].strip()
    own_line = (start == 0 or text[:start].rstrip(" \t").endswith("\n")) and \
        (end >= len(text) or text[end:].lstrip(" \t").startswith("\n") or not text[end:].strip())
    return own_line and len(line.split()) <= 15 and not line.endswith((".", "!", "?", "\"", "”", "’", ")", ":", ";"))


def split_sentences(text: str, doc=None) -> list[tuple[int, int]]:
    """Sentence spans: spaCy's for English when a parsed doc is given, punctuation rules otherwise."""
    if doc is not None:  # a blank line ends a sentence even where the parser ran on
        spans = []
        for sent in doc.sents:
            for m in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text[sent.start_char:sent.end_char]):
                if m.group().strip():
                    spans.append((sent.start_char + m.start(), sent.start_char + m.end()))
        return spans
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


def _allegation_en(sentence: str, s: int, piece, rx: re.Pattern):
    """The first cue of ``rx`` in the masked sentence that the sentence asserts, with its word."""
    for m in rx.finditer(sentence):
        tok = en_stance.cue_token(piece, s + m.start(), s + m.end()) if piece is not None else None
        if tok is None or en_stance.asserted(tok):
            return m, tok
    return None, None


def _allegation_zh(text: str, sentence: str, s: int, rx: re.Pattern):
    for m in rx.finditer(sentence):
        if asserted_zh(text, s, s + m.start()):
            return m
    return None


def _claimant(text: str, s: int, e: int, at: int, tok, piece, entities: list[EntityMention],
              lang: str) -> str | None:
    """Who makes the allegation or denial whose cue is at ``at`` (its word ``tok`` in a parse)."""
    if lang == "zh":
        return claimant_zh(text, s, e, at, entities)
    if tok is None:
        return None
    return (en_stance.claimant(tok, entities) or en_stance.according_to(piece, entities)
            or en_stance.label_speaker(text, s, at, entities))


def classify_sentences(text: str, entities: list[EntityMention], lang: str = "en", doc=None) -> list[Stance]:
    """One stance per claim-bearing sentence (the most specific rule wins). An allegation's or a
    denial's actor is who the sentence says makes it (``_claimant``), else None: the claim then
    counts under its document's origin."""
    out = []
    rules = _ZH_RULES if lang == "zh" else RULES
    masked = _masked(text, entities, doc if lang != "zh" else None)
    english = doc is not None and lang != "zh"
    for s, e in split_sentences(text, doc if english else None):
        sentence = masked[s:e]
        piece = doc.char_span(s, e, alignment_mode="expand") if english else None
        found = denial_en(piece) if piece is not None else None
        cue, cue_tok = found if found else (None, None)
        cue_at = cue_tok.idx if cue_tok is not None else s
        headline = english and _is_headline(text, s, e)
        for kind, rx in rules:
            m = rx.search(sentence) if rx is not None else None
            tok = None
            if kind == "denial" and m and lang != "zh" and (m.group().lower().split()[0] in (
                    "baseless", "groundless", "fabricated", "smear", "smears", "lies", "rumors",
                    "rumours") or _CESSATION.search(m.group())) and not _OFFICIAL.search(sentence):
                m = None  # an official body must be the one calling it false or over (or the parse says so)
            if kind == "denial" and lang == "zh":
                found_zh = denial_zh(text, s, e)
                cue, cue_at = found_zh if found_zh else (None, s)
                m = None
            if kind == "denial" and m and piece is not None and (
                    m.group().lower().split()[0] in _DENY_VERBS or _FALSE_WORD.match(m.group())):
                m = None  # deny verbs and falsehood words are read from the parse (negation, hypotheticals)
            if kind in ("denial", "allegation") and headline:
                continue  # a headline announces; the claim is in the running text
            if kind == "denial" and not m and cue:
                actor = _claimant(text, s, e, cue_at, cue_tok, piece, entities, lang)
                out.append(Stance(kind, s, e, text[s:e].strip(), actor, [actor] if actor else [], cue))
                break
            if kind == "allegation" and rx is not None:
                if english:
                    m, tok = _allegation_en(sentence, s, piece, rx)
                elif lang == "zh":
                    m = _allegation_zh(text, sentence, s, rx)
            if not m:
                continue
            if kind in ("denial", "allegation"):
                if kind == "denial" and piece is not None:
                    tok = en_stance.cue_token(piece, s + m.start(), s + m.end())
                actor = _claimant(text, s, e, s + m.start(), tok, piece, entities, lang)
                out.append(Stance(kind, s, e, text[s:e].strip(), actor, [actor] if actor else [], m.group()))
                break
            actors = _actors(s, e, entities, ("organization", "place", "person"))
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
