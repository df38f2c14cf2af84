"""What a number counts, decided from the counted noun and the predicate it is an argument of.

Both languages reduce a sentence to the same evidence: the *kind* of the counted noun
(person, donor, transplant, organ …) and the *cue classes* of the words that govern it
(donate, register, harm, execute, transplant, wait). ``decide`` turns that evidence into a
``what``; every word that took part is kept as a ``Cue`` so a reader can check the decision.
People are victims only when a harm cue says so; when nothing decides, the answer is "other".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harvestwatch.core.quantity import Cue

# Cue classes of predicates and governing words: English word forms (a stem and its
# inflections, anchored at both ends); the Chinese module maps its own words onto the classes.
_CUE_FORMS: dict[str, str] = {
    "execute": r"execut\w*",
    "harm": r"kill\w*|murder\w*|detain\w*|detention|imprison\w*|prisons?|jail\w*|arrest\w*|"
            r"tortur\w*|persecut\w*|harvest\w*|slaughter\w*|abduct\w*|disappear\w*|massacr\w*|"
            r"camps?|intern(?:ed|ment)|incarcerat\w*|deaths?|die[ds]?|dying|dead|victim\w*|"
            r"experiment\w*|remov\w*|extract\w*|atrocit\w*|genocid\w*|abus\w*|rap(?:e|ed)|"
            r"beat(?:en|ings?)?|held|hold|enslav\w*|forced",
    "register": r"regist\w*|enrol\w*|pledg\w*|sign(?:ed|s|ing)?",
    "intent": r"wish\w*|willing\w*|intend\w*|intent\w*|agree[ds]?|consent\w*|promis\w*",
    "donate": r"donat\w*|donors?|gave|give[ns]?|giving",
    "transplant": r"transplant\w*|implant\w*",
    "wait": r"wait\w*|await\w*|queu\w*|within",
}
VERB_CUES = {k: re.compile(r"^(?:" + v + r")$") for k, v in _CUE_FORMS.items()}

# Counted nouns by kind (singular, lower case; matched after ``singular``).
NOUN_KINDS: dict[str, tuple[str, ...]] = {
    "victim": ("victim", "casualty"),
    "group": ("practitioner", "prisoner", "detainee", "inmate", "adherent", "follower",
              "believer", "uyghur", "uighur", "tibetan", "christian", "kazakh", "muslim",
              "dissident", "captive", "innocent"),
    "person": ("people", "person", "citizen", "resident", "individual", "man", "men", "woman",
               "women", "child", "children", "villager", "civilian", "adult", "other",
               "volunteer", "human", "chinese", "mainlander", "national"),
    "patient": ("patient", "recipient"),
    "donor": ("donor", "donation"),
    "transplant": ("transplant", "transplantation", "surgery", "operation", "procedure"),
    "organ": ("organ", "kidney", "liver", "heart", "lung", "cornea", "pancreas", "graft"),
    "hospital": ("hospital", "centre", "center", "facility", "clinic", "institution"),
    "bed": ("bed",),
    "execution": ("execution",),
}
_NOUN_INDEX = {w: k for k, words in NOUN_KINDS.items() for w in words}
_KIND_WHAT = {"victim": "victims", "donor": "donors", "transplant": "transplants",
              "organ": "organs", "hospital": "hospitals", "bed": "beds",
              "execution": "executions"}
_KIND_UNIT = {"victim": "persons", "group": "persons", "person": "persons", "patient": "persons",
              "donor": "persons", "transplant": "transplants", "organ": "organs",
              "hospital": "hospitals", "bed": "beds", "execution": "executions"}


@dataclass
class Reading:
    """The decision for one number: ``what`` with its unit and the cues that decided it."""

    what: str
    unit: str
    cues: list[Cue] = field(default_factory=list)

    def because(self) -> tuple[Cue, ...]:
        return tuple(self.cues)


def singular(word: str) -> str:
    """A crude English singular: enough to look a plural noun up in ``NOUN_KINDS``."""
    w = word.lower().strip("’'")
    for suffix, repl in (("ies", "y"), ("ves", "f"), ("ches", "ch"), ("shes", "sh"),
                         ("sses", "ss"), ("xes", "x"), ("s", "")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2 and not w.endswith("ss"):
            return w[: -len(suffix)] + repl
    return w


def noun_kind(word: str) -> str | None:
    w = word.lower()
    return _NOUN_INDEX.get(w) or _NOUN_INDEX.get(singular(w))


def cue_class(word: str) -> str | None:
    """The cue class of one word ("detained" → harm), or None; "non-registered" is none."""
    w = word.lower().strip("’'")
    if w.startswith(("non-", "non", "un")) and "regist" in w:
        return None
    for kind, rx in VERB_CUES.items():
        if rx.match(w):
            return kind
    return None


def decide(kind: str | None, noun: Cue | None, cues: list[tuple[str, Cue]],
           fallback_unit: str = "") -> Reading:
    """``what`` from the counted noun's kind and the classes of the words governing it."""
    classes = {c for c, _ in cues}

    def pick(*wanted: str) -> list[Cue]:
        return [cue for c, cue in cues if c in wanted]

    counted = [noun] if noun else []
    if kind == "patient":  # patients are never victims unless the sentence harms them
        if "harm" in classes:
            return Reading("victims", "persons", counted + pick("harm"))
        return Reading("other", "persons", counted)
    if kind in ("person", "group", "victim"):
        if "execute" in classes:
            return Reading("executions", "persons", counted + pick("execute"))
        if kind == "victim" or "harm" in classes:
            return Reading("victims", "persons", counted + pick("harm"))
        if "register" in classes or "intent" in classes and "donate" in classes:
            return Reading("registered_donors", "persons", counted + pick("register", "intent", "donate"))
        if "donate" in classes:
            return Reading("donors", "persons", counted + pick("donate"))
        return Reading("other", "persons", counted)
    if kind == "donor":
        if "register" in classes:
            return Reading("registered_donors", "persons", counted + pick("register"))
        return Reading("donors", "persons", counted)
    if kind == "organ" and "transplant" in classes:
        return Reading("transplants", "organs", counted + pick("transplant"))
    if kind in _KIND_WHAT:
        return Reading(_KIND_WHAT[kind], _KIND_UNIT[kind], counted)
    return Reading("other", fallback_unit or (_KIND_UNIT.get(kind or "", "")), counted)
