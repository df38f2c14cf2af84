"""Who makes an English allegation or denial, and whether the sentence makes it at all, read from
the dependency parse.

The claimant is the subject of the reporting verb (said, concluded, expressed, found, accused,
denied …) that governs the cue; a participle without its own subject ("…, concluding that …",
"a judgment stating that …") takes the subject of the clause it hangs from. Nothing else
names a claimant: not the first name in the sentence, not the subject of the reported event
("China implemented regulations that permitted …"), not a pronoun. A cue that only names an
allegation as a topic ("a resolution on organ harvesting", "about the allegations of …"), as
what a measure fights ("to combat forced organ harvesting"), under "alleged"/"so-called", or
inside a refused, negated or hypothetical clause asserts nothing.
"""

from __future__ import annotations

import re

from harvestwatch.extract.mentions import EntityMention

# Verb forms (the English model ships without a lemmatizer) that report what someone claims.
REPORTING = {
    f"{stem}{end}" for stem, ends in (
        ("say", ("", "s", "ing")), ("said", ("",)), ("state", ("", "s", "d")), ("stating", ("",)),
        ("conclude", ("", "s", "d")), ("concluding", ("",)), ("find", ("", "s", "ing")), ("found", ("",)),
        ("express", ("", "es", "ed", "ing")), ("report", ("", "s", "ed", "ing")),
        ("accuse", ("", "s", "d")), ("accusing", ("",)), ("allege", ("", "s", "d")), ("alleging", ("",)),
        ("claim", ("", "s", "ed", "ing")), ("assert", ("", "s", "ed", "ing")), ("insist", ("", "s", "ed", "ing")),
        ("maintain", ("", "s", "ed", "ing")), ("declare", ("", "s", "d")), ("declaring", ("",)),
        ("announce", ("", "s", "d")), ("announcing", ("",)), ("tell", ("", "s", "ing")), ("told", ("",)),
        ("testify", ("",)), ("testifies", ("",)), ("testified", ("",)), ("testifying", ("",)),
        ("describe", ("", "s", "d")), ("describing", ("",)), ("write", ("", "s")), ("wrote", ("",)),
        ("note", ("", "s", "d")), ("noting", ("",)), ("add", ("", "s", "ed", "ing")),
        ("warn", ("", "s", "ed", "ing")), ("point", ("", "s", "ed", "ing")), ("confirm", ("", "s", "ed", "ing")),
        ("argue", ("", "s", "d")), ("arguing", ("",)), ("estimate", ("", "s", "d")), ("estimating", ("",)),
        ("believe", ("", "s", "d")), ("consider", ("", "s", "ed", "ing")), ("judge", ("", "s", "d")),
        ("rule", ("", "s", "d")), ("ruling", ("",)), ("deny", ("",)), ("denies", ("",)), ("denied", ("",)),
        ("denying", ("",)), ("reject", ("", "s", "ed", "ing")), ("dismiss", ("", "es", "ed", "ing")),
        ("refute", ("", "s", "d")), ("refuting", ("",)), ("rebut", ("", "s", "ted", "ting")),
        ("voice", ("", "s", "d")), ("raise", ("", "s", "d")), ("document", ("", "s", "ed", "ing")),
        ("reveal", ("", "s", "ed", "ing")), ("show", ("", "s", "ed", "n", "ing")), ("condemn", ("", "s", "ed", "ing")),
    ) for end in ends}
PRONOUNS = {"i", "we", "you", "he", "she", "it", "they", "this", "that", "these", "those", "which", "who",
            "one", "some", "many", "others", "all", "both"}
# Head nouns that can speak for themselves when no name is given ("the experts said", "an official said").
SPEAKER_NOUNS = re.compile(
    r"^(?:officials?|spokes(?:man|men|woman|women|person|persons|people)|minist(?:er|ers|ry|ries)|"
    r"government|authorities|embassy|consulate|mission|regime|experts?|researchers?|investigators?|"
    r"doctors?|surgeons?|witnesses|witness|survivors?|tribunal|court|parliament|congress|senate|"
    r"committee|commission|council|delegation|agency|department|rapporteurs?|lawyers?|journalists?|"
    r"activists?|critics?|scholars?|scientists?|analysts?|diplomats?|police|party|union)$", re.I)
TOPIC_PREPS = {"on", "about", "concerning", "regarding", "over", "into"}
COUNTER_VERBS = {f"{s}{e}" for s, ends in (
    ("combat", ("", "s", "ed", "ing", "ting")), ("prevent", ("", "s", "ed", "ing")), ("stop", ("", "s", "ped", "ping")),
    ("end", ("", "s", "ed", "ing")), ("ban", ("", "s", "ned", "ning")), ("prohibit", ("", "s", "ed", "ing")),
    ("outlaw", ("", "s", "ed", "ing")), ("criminalize", ("", "s", "d")), ("criminalise", ("", "s", "d")),
    ("tackle", ("", "s", "d")), ("fight", ("", "s", "ing")), ("deter", ("", "s", "red", "ring")),
    ("investigate", ("", "s", "d")), ("investigating", ("",)), ("address", ("", "es", "ed", "ing")),
) for e in ends}
SEARCHING = {f"{s}{e}" for s in ("test", "search", "look", "check", "screen", "examin", "scan")
             for e in ("", "s", "ed", "ing", "e", "es")}
REFUSING = {"refuse", "refuses", "refused", "refusing", "decline", "declines", "declined", "declining",
            "fail", "fails", "failed", "failing"}
CLAIM_NOUNS = {"denial", "denials", "allegation", "allegations", "accusation", "accusations", "claim", "claims",
               "charge", "charges"}
NOT_ASSERTING_MODIFIERS = {"alleged", "so-called", "purported", "supposed", "claimed"}
_DROP = {"det", "predet", "punct", "cc", "conj", "relcl", "acl", "appos", "advcl", "prep"}


def cue_token(span, start: int, end: int):
    """The head word of the cue text[start:end] inside the parsed sentence ``span``."""
    inside = [t for t in span if start <= t.idx < end]
    for t in inside:
        if not (start <= t.head.idx < end) or t.head.i == t.i:
            return t
    return inside[0] if inside else None


def _phrase(subj) -> str:
    """The subject's words without determiners or clauses: "the China tribunal" → "China tribunal";
    "the Government of the People's Republic of China" keeps its "of" tail."""
    keep = [subj]
    for c in subj.children:
        if c.dep_ in ("compound", "amod", "nmod", "poss", "case") or (c.dep_ == "prep" and c.lower_ == "of"):
            keep.extend(c.subtree)
    cut = {t.i for c in subj.subtree if c.dep_ in ("conj", "cc", "appos", "relcl", "acl") and c is not subj
           for t in c.subtree}  # "X and Y", "X, which …": X alone
    words = sorted({t.i: t for t in keep if t.i not in cut and t.dep_ != "punct" and not (
        t.dep_ in ("det", "predet") and t.head is subj)}.values(), key=lambda t: t.i)
    return " ".join(t.text for t in words).replace(" 's", "'s").strip()


def speaker_name(subj, entities: list[EntityMention]) -> str | None:
    """A name for a subject token: the entity covering its head, else a proper or speaker noun phrase."""
    if subj.lower_ in PRONOUNS or subj.pos_ == "PRON":
        return None
    for e in entities:
        if e.label in ("person", "organization", "place") and e.start <= subj.idx < e.end:
            return e.canonical
    name = _phrase(subj)
    if subj.pos_ == "PROPN" or (SPEAKER_NOUNS.match(subj.text) and name != subj.text):
        return name  # a bare "the experts" / "officials" names nobody in particular
    return None


def _subject(verb):
    """The active subject of a verb, or the agent of a passive one (None when it has neither):
    "China has stood accused" names the accused, not the accuser."""
    passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)
    for c in verb.children:
        if c.dep_ == "nsubj" and not passive:
            return c
    for c in verb.children:
        if c.dep_ == "agent":
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if objs:
                return objs[0]
    return None


def claimant(tok, entities: list[EntityMention]) -> str | None:
    """Who makes the claim whose cue is ``tok``: the subject of the nearest reporting verb at or
    above it (a subjectless participle or infinitive takes its clause's subject); None when no
    reporting verb governs it or its subject is a pronoun or no speaker."""
    if tok.pos_ in ("NOUN", "PROPN") and tok.lower_ in CLAIM_NOUNS:  # "denials from Beijing", "China's claims"
        for c in tok.children:
            if c.dep_ == "poss":
                return speaker_name(c, entities)
            if c.dep_ == "prep" and c.lower_ in ("by", "from"):
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    return speaker_name(objs[0], entities)
    t = tok
    reporter = None
    while True:
        if reporter is None and t.pos_ in ("VERB", "AUX") and t.lower_ in REPORTING:
            reporter = t
        if reporter is not None and t.pos_ in ("VERB", "AUX"):
            subj = _subject(t)
            if subj is not None and not (t is not reporter and subj.lower_ in ("which", "that", "who")):
                return speaker_name(subj, entities)
            if t is reporter and t.tag_ == "VBN":
                return None  # a passive "accused"/"alleged" without an agent: the accuser is unnamed
            if t is not reporter and t.dep_ not in ("advcl", "xcomp", "conj", "acl", "pcomp", "ccomp"):
                return None
        if t.head.i == t.i:
            return None
        t = t.head


def according_to(span, entities: list[EntityMention]) -> str | None:
    """"according to X" anywhere in the sentence names X."""
    for t in span:
        if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "to":
            objs = [g for g in t.doc[t.i + 1].children if g.dep_ == "pobj"]
            if objs:
                return speaker_name(objs[0], entities)
    return None


def _reports(t) -> bool:
    """A reporting verb, or the object of one ("expressed concern", "raised alarm")."""
    return any(w.pos_ in ("VERB", "AUX") and w.lower_ in REPORTING
               for w in (t, *([t.head] if t.dep_ in ("dobj", "attr", "oprd") else [])))


def label_speaker(text: str, start: int, at: int, entities: list[EntityMention]) -> str | None:
    """A transcript label before the cue names its speaker: "Spokesperson of the X Mission: …" or
    "Jane Roe: …" (a person, or a speaker noun with a body); "Q:", "A:" or "WARNING:" name nobody."""
    colon = text.find(":", start, at)
    if colon < 0 or len(text[start:colon].split()) > 12:
        return None
    label = text[start:colon]
    names = [e for e in entities if start <= e.start and e.end <= colon and e.label in ("person", "organization")]
    people = [e for e in names if e.label == "person"]
    if people and len(people) == 1 and len(label.split()) <= len(people[0].text.split()) + 4:
        return people[0].canonical
    if names and any(SPEAKER_NOUNS.match(w) for w in re.findall(r"[\w-]+", label)):
        return names[-1].canonical
    return None


def asserted(tok) -> bool:
    """Whether the sentence asserts the allegation whose cue is ``tok`` (see the module doc)."""
    if tok.dep_ == "amod" and tok.lower_ in NOT_ASSERTING_MODIFIERS:
        return False
    t = tok
    while t.head.i != t.i:
        head = t.head
        if any(c.dep_ == "neg" for c in t.children) and t.pos_ in ("VERB", "AUX"):
            return False
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "until", "whether") for c in t.children):
            return False
        if head.lower_ in TOPIC_PREPS and head.dep_ == "prep" and t.dep_ == "pobj" and not _reports(head.head):
            return False  # "a resolution on …", "looking into the allegations"; not "expressed concern about …"
        if head.lower_ in COUNTER_VERBS and t.dep_ in ("dobj", "pobj", "nsubjpass"):
            return False
        if head.lower_ == "for" and head.head.lower_ in SEARCHING:  # "tested for evidence of …"
            return False
        if head.lower_ in REFUSING and t.dep_ == "xcomp":
            return False
        t = head
    return not any(c.dep_ == "neg" for c in t.children)
