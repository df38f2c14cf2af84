"""Alias resolution inside one document: surnames, titles, acronyms and typos to one canonical name."""

from __future__ import annotations

from harvestwatch.extract.gazetteer import Gazetteer
from harvestwatch.extract.mentions import EntityMention


def _edit1(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def resolve_aliases(mentions: list[EntityMention], gaz: Gazetteer) -> list[EntityMention]:
    """Give every mention the canonical name of the entity it refers to in this document."""
    # Gazetteer knowledge first: a statistical mention that is a known alias takes its entry.
    for m in mentions:
        entry = gaz.lookup(m.text)
        if entry is not None and m.source == "ner":
            m.canonical = entry.name
            m.aliases = list(entry.surface_forms)
            if entry.label in ("organization", "victim_group", "organ", "law", "hospital"):
                m.label = entry.label
    # Acronyms defined in this document ("Long Form (LF)").
    acronyms = {a: m.canonical for m in mentions if m.source == "acronym" for a in m.aliases
                if a.isupper()}
    for m in mentions:
        if m.label == "organization" and m.text.isupper() and m.text not in acronyms:
            near = [a for a in acronyms if _edit1(a, m.text)]
            if len(near) == 1:  # a misspelt acronym ("KAOT" for "KAEOT")
                m.canonical = acronyms[near[0]]
                m.aliases = [m.text, near[0]]
        elif m.label == "organization" and m.text in acronyms:
            m.canonical = acronyms[m.text]
        entry = gaz.lookup(m.canonical)
        if entry is not None and m.source == "acronym":
            m.canonical = entry.name
            m.aliases = sorted(set(m.aliases) | set(entry.surface_forms))
    # Persons: a one-word (sur)name joins the full name that contains it. spaCy often
    # labels a bare surname as an organisation or place ("Matas said"): relabel those.
    full_names = [m for m in mentions if m.label == "person" and len(m.canonical.split()) >= 2]
    surnames = {f.canonical.split()[-1] for f in full_names}
    for m in mentions:
        if m.source == "ner" and m.label in ("organization", "place") and m.text in surnames:
            m.label = "person"
    for m in mentions:
        if m.label != "person" or len(m.canonical.split()) != 1:
            continue
        matches = {f.canonical for f in full_names if m.canonical in f.canonical.split()}
        if len(matches) == 1:
            m.canonical = matches.pop()
            m.aliases = [m.text]
    # Organisations and places: one canonical per case-insensitive name.
    by_key: dict[tuple[str, str], str] = {}
    for m in mentions:
        key = (m.label, m.canonical.lower())
        m.canonical = by_key.setdefault(key, m.canonical)
    return mentions
