"""What a number counts: head nouns and their quantity kind, kept as one table."""

from __future__ import annotations

# head noun (lemma, lower case) → (what, unit)
HEAD_NOUNS: dict[str, tuple[str, str]] = {}


def _add(words: str, what: str, unit: str) -> None:
    for w in words.split():
        HEAD_NOUNS[w] = (what, unit)


_add("victim casualty prisoner detainee inmate practitioner adherent follower believer prisoner "
     "uyghur uighur tibetan christian kazakh muslim dissident captive", "victims", "persons")
_add("person people individual citizen man woman child", "victims", "persons")
_add("patient recipient", "other", "persons")
_add("transplant transplantation operation surgery procedure", "transplants", "transplants")
_add("organ kidney liver heart lung cornea pancreas", "organs", "organs")
_add("donor donation", "donors", "donors")
_add("hospital centre center facility institution clinic", "hospitals", "hospitals")
_add("bed", "beds", "beds")
_add("execution", "executions", "executions")
_add("dollar usd yuan rmb euro pound", "money", "")
_add("day week month year decade century hour", "duration", "")
_add("organization organisation ngo group country nation government association",
     "other", "organizations")
_add("speaker panelist panellist doctor surgeon physician nurse researcher expert participant "
     "attendee delegate member witness journalist reporter lawyer official student", "other", "persons")

TIME_UNITS = {"hour": "hours", "day": "days", "week": "weeks", "month": "months", "year": "years",
              "decade": "years", "century": "years"}
TIME_FACTOR = {"decade": 10, "century": 100}
CURRENCY = {"dollar": "USD", "usd": "USD", "$": "USD", "us$": "USD", "yuan": "CNY", "rmb": "CNY",
            "euro": "EUR", "€": "EUR", "pound": "GBP", "£": "GBP"}

HARM_WORDS = ("harvest", "extract", "remov", "kill", "alive", "execut", "tortur", "persecut",
              "murder", "victim", "bloody", "detain", "imprison", "slaughter", "atrocit", "camp",
              "intern", "arrest", "jail", "incarcerat", "abduct", "disappear")
WAIT_WORDS = ("wait", "within", "matching", "match", "find an organ", "found in", "等待", "等候")
