"""English: what a number counts, read from spaCy's dependency parse of its sentence.

The counted noun is the number's head (``nummod``) or the object of its "of" ("thousands of
followers"); the predicate is the first verb above it. Cues come from three places, each with
its own reach, so that a word about *someone else* in the sentence does not decide:

* the counted noun's own modifiers and relative clauses ("registered people", "people who
  donated", "prisoners in camps");
* the predicate, with the counted noun's role in it: harm counts only when the noun is what
  the harm is done to (passive subject, object, "deaths of …"), never its agent;
* the predicate's other arguments, for donating and registering ("expressed a wish for organ
  donation in a donor registry"), never its subject.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from harvestwatch.extract.quantity_reading import (
    Cue,
    Reading,
    cue_class,
    decide,
    noun_kind,
    singular,
)

_ATTACH = {"nummod", "quantmod", "amod", "compound", "nmod", "det", "advmod"}
_CLIMB = {"pobj", "prep", "conj", "appos", "pcomp", "cc", "npadvmod", "nmod", "compound"}
_ARGS = {"dobj", "prep", "agent", "attr", "oprd", "xcomp", "advcl", "acomp", "dative", "ccomp"}
_RATE_NOUNS = {"number", "total", "figure", "count", "tally", "amount", "rate"}
_DIE = {"die", "died", "dies", "dying", "dead", "disappeared", "perished"}
_TAKE = {"take", "took", "taken", "taking", "takes", "seized", "stole", "stolen", "cut", "sold"}
_PLACE_LABELS = {"GPE", "ORG", "FAC", "LOC", "NORP"}


@dataclass
class EnReading:
    reading: Reading
    noun_end: int | None  # end offset of the counted noun when it follows the number
    bare: str | None  # the number's own role when no noun is counted ("nsubj", "dobj" …)
    subject: str | None  # the place or body the figure is about, when the sentence names it


def _top(tokens) -> object:
    inside = {t.i for t in tokens}
    nums = [t for t in tokens if t.like_num or t.pos_ == "NUM"]
    for t in nums + tokens:
        if t.head.i not in inside or t.head.i == t.i:
            return t
    return tokens[-1]


def _of_object(tokens):
    for t in tokens:
        for c in t.children:
            if c.dep_ == "prep" and c.lower_ in ("of", "among") and c.i > t.i:
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    return objs[0]
    return None


def _predicate(anchor):
    """(verb or None, governors on the way, the role of the last hop below the verb)."""
    a, govs = anchor, []
    for _ in range(6):
        if a.head.i == a.i:
            return (a if a.pos_ in ("VERB", "AUX") else None), govs, a.dep_
        if a.head.pos_ in ("VERB", "AUX"):
            return a.head, govs, a.dep_
        if a.dep_ not in _CLIMB and a.dep_ not in ("nsubj", "dobj", "attr", "nsubjpass", "pobj"):
            return None, govs, a.dep_
        a = a.head
        if a.pos_ in ("NOUN", "PROPN"):
            govs.append(a)
    return None, govs, a.dep_


def _token_cue(t) -> str | None:
    """The cue class of a token, unless it is negated ("non-registered", "not registered",
    "cannot have been registered")."""
    c = cue_class(t.text)
    if c is None:
        return None
    if t.i >= 2 and t.nbor(-1).text == "-" and t.nbor(-2).lower_ in ("non", "un", "not"):
        return None
    if any(ch.dep_ == "neg" for ch in t.children):
        return None
    if c == "harm" and t.lower_ in ("death", "deaths", "dead") and t.dep_ == "pobj" and \
            t.head.lower_ in ("after", "upon", "following", "on"):
        return None  # "donate after death"
    return c


def _cue(t, role: str) -> Cue:
    return Cue(t.text, t.idx, t.idx + len(t), role)


def _subtree_cues(root, exclude: set[int], role: str, depth: int = 4) -> list[tuple[str, Cue]]:
    out, stack = [], [(root, 0)]
    while stack:
        t, d = stack.pop()
        if t.i in exclude:
            continue
        c = _token_cue(t)
        if c:
            out.append((c, _cue(t, role)))
        if d < depth:
            stack.extend((ch, d + 1) for ch in t.children
                         if ch.dep_ not in ("relcl", "ccomp", "nsubj", "nsubjpass", "punct"))
    return out


_CONTAINERS = {"case", "cases", "number", "total", "batch", "batches", "instance", "instances"}


def _kind(noun) -> str | None:
    if noun.lower_ in _CONTAINERS:  # "21,000 cases of organ donation": what the cases are of
        obj = _of_object([noun])
        if obj is not None and obj.i != noun.i:
            return _kind(obj)
    kind = noun_kind(noun.text)
    if kind is None:
        for c in noun.children:
            if c.dep_ == "compound" and c.i < noun.i and noun_kind(c.text) in ("transplant", "donor"):
                return noun_kind(c.text)
    return kind


_TOKEN_ENDS = "harvestwatch.token_ends"  # doc.user_data: each token's end offset, in order


def _overlapping(doc, start: int, end: int) -> list:
    """The tokens that overlap ``doc.text[start:end]``, found by bisection: tokens are in text
    order and never overlap, so their ends ascend (the parse is read for many numbers)."""
    ends = doc.user_data.get(_TOKEN_ENDS)
    if ends is None:
        ends = doc.user_data[_TOKEN_ENDS] = [t.idx + len(t) for t in doc]
    first = bisect.bisect_right(ends, start)  # the first token ending after ``start``
    tokens = []
    for i in range(first, len(ends)):
        token = doc[i]
        if token.idx >= end:
            break
        tokens.append(token)
    return tokens


def read_en(doc, start: int, end: int) -> EnReading | None:
    """The parse's reading of the number written at ``doc.text[start:end]``."""
    tokens = _overlapping(doc, start, end)
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    num = _top(tokens)
    noun = None
    if num.dep_ in _ATTACH and num.head.i not in inside and num.head.pos_ in ("NOUN", "PROPN") \
            and num.head.i > num.i:
        noun = num.head
    if noun is None:
        noun = _of_object(tokens)
    if noun is not None and noun.pos_ not in ("NOUN", "PROPN", "PRON"):
        noun = None
    anchor = noun if noun is not None else num
    verb, govs, role = _predicate(anchor)
    cues: list[tuple[str, Cue]] = []
    counted = _cue(noun, "counted") if noun is not None and noun.pos_ != "PRON" else None
    kind = _kind(noun) if counted else None
    skip = inside | ({noun.i} if noun is not None else set())
    if noun is not None:  # the noun's own modifiers, relative clauses, "on the register"
        for ch in noun.children:
            if ch.i in skip or ch.dep_ in ("punct", "det", "nummod"):
                continue
            cues += _subtree_cues(ch, skip, "modifier", 3)
            if ch.dep_ in ("relcl", "acl"):
                cues += [(c, _cue(g, "modifier")) for g in ch.subtree
                         if g.dep_ in ("dobj", "prep", "pobj", "xcomp") and (c := _token_cue(g))]
    for g in govs:  # "the deaths of tens of millions", "the killing of thousands"
        c = _token_cue(g)
        if c and g.i not in inside:
            cues.append((c, _cue(g, "governor")))
    subject = None
    if any(g.i not in inside and _kind(g) != "organ" for g in govs):
        verb = None  # the noun sits inside another's phrase ("a survey of 10,000 people"): the
        # predicate is about that phrase, not about the counted people
    if verb is not None:
        # "persecuted by the millions": the idiom counts those the verb is done to
        manner = role == "agent" and num.lower_ in ("hundreds", "thousands", "millions") and \
            num.i > 0 and doc[num.i - 1].lower_ == "the"
        # a participle without "have" ("practitioners killed") is passive: its subject is the patient
        participle = verb.tag_ == "VBN" and not any(c.dep_ == "aux" and c.lower_ in
                                                    ("have", "has", "had", "having") for c in verb.children)
        agent = role == "nsubj" and not participle or role == "agent" and not manner
        vc = _token_cue(verb)
        if vc is None and verb.lower_ in _TAKE and any(_kind(g) == "organ" for g in govs):
            vc = "harm"  # "took the corneas of 2,000 patients"
        if vc and not (vc == "harm" and agent and verb.lower_ not in _DIE):
            if not (vc == "harm" and verb.lower_ in ("held", "hold") and agent):
                cues.append((vc, _cue(verb, "predicate")))
        anchor_tree = {t.i for t in anchor.subtree}
        for ch in verb.children:
            if ch.i in anchor_tree or ch.dep_ not in _ARGS:
                continue
            for c, cue in _subtree_cues(ch, anchor_tree, "predicate"):
                if c != "harm":
                    cues.append((c, cue))
            if not agent:  # harm done to the counted: "removing their organs", "held in camps"
                near = [ch] if ch.dep_ in ("advcl", "xcomp", "conj") else \
                    [g for g in ch.children if g.dep_ == "pobj"] if ch.dep_ == "prep" and \
                    ch.lower_ in ("in", "into", "at", "inside", "to") else []
                cues += [("harm", _cue(g, "predicate")) for g in near if _token_cue(g) == "harm"]
        subject = _subject(verb, noun)
    if verb is not None and kind is None and noun is None:
        named = _bare_noun(verb)
        if named is not None:
            kind, counted = _kind(named), _cue(named, "counted")
        elif (role == "dobj" or manner) and any(c in ("harm", "execute") and cue.role == "predicate"
                                    for c, cue in cues):
            kind = "person"  # "killed thousands": what is killed are people
    unit = ""
    if noun is not None and kind is None:
        unit = "persons" if noun.pos_ == "PRON" and noun.lower_ in ("them", "us") else \
            (noun.lower_ if noun.tag_ == "NNS" else singular(noun.text) + "s")
    reading = decide(kind, counted, cues, unit)
    noun_end = noun.idx + len(noun) if noun is not None and noun.i > num.i and noun.pos_ != "PRON" \
        and noun.i - num.i <= 6 else None
    bare = None if noun is not None else num.dep_
    if subject is None and noun is not None:
        subject = _subject_in(noun)
    return EnReading(reading, noun_end, bare, subject)


def _bare_noun(verb):
    """A number without a noun takes the kind of "the number of X" that is the verb's subject
    ("the number of transplant surgeries is expected to surpass 16,000")."""
    v = verb
    for _ in range(3):
        subj = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subj:
            s = subj[0]
            if s.lower_ in _RATE_NOUNS:
                obj = _of_object([s])
                return obj if obj is not None and _kind(obj) else None
            return None
        if v.dep_ in ("xcomp", "conj", "ccomp") and v.head.i != v.i:
            v = v.head
        else:
            break
    return None


def _subject(verb, noun) -> str | None:
    for ch in verb.children:
        if ch.dep_ in ("nsubj", "nsubjpass") and (noun is None or ch.i != noun.i) and \
                ch.ent_type_ in _PLACE_LABELS:
            return _entity_text(ch)
    for ch in verb.children:
        if ch.dep_ == "prep" and ch.lower_ in ("in", "across", "throughout"):
            for g in ch.children:
                if g.dep_ == "pobj" and g.ent_type_ in ("GPE", "LOC", "ORG", "FAC"):
                    return _entity_text(g)
    return None


def _subject_in(noun) -> str | None:
    for ch in noun.children:
        if ch.dep_ == "prep" and ch.lower_ in ("in", "across", "from"):
            for g in ch.children:
                if g.dep_ == "pobj" and g.ent_type_ in ("GPE", "LOC"):
                    return _entity_text(g)
    return None


def _entity_text(tok) -> str:
    for ent in tok.doc.ents:
        if ent.start <= tok.i < ent.end:
            return ent.text
    return tok.text
