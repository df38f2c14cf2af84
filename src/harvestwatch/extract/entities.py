"""Named entities: spaCy NER (English) or jieba tags (Chinese), gazetteers and rules, merged."""

from __future__ import annotations

import functools
import re

from harvestwatch.core.folding import fold_chinese
from harvestwatch.extract.gazetteer import Gazetteer, load_gazetteer
from harvestwatch.extract.mentions import EntityMention

_TITLE_WORDS = ("Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Professor", "Mr", "Mrs", "Ms", "Dr", "Sir",
                "Dame", "Lord", "Lady", "Rep.", "Sen.", "Gov.", "Amb.", "Rep", "Sen")
_LEAD_CONJUNCTIONS = ("But ", "And ", "Or ", "So ", "Yet ", "However ", "Meanwhile ")
_POST_NOMINALS = (" QC", " KC", " MP", " PhD", " MD", " Jr.", " Jr", " Sr.", " OBE", " CBE", " MBE")
_NOT_PERSON_AFTER = re.compile(r"^\s+(?:Award|Prize|Foundation|Hospital|University|Institute|"
                               r"Center|Centre|Medal|Fund|Lecture|Act|Law)\b")
# Words of a report's own structure: "Key Findings" or "Executive Summary" are not people.
_STRUCTURE_WORDS = {"key", "findings", "finding", "summary", "executive", "introduction", "conclusion",
                    "conclusions", "recommendations", "background", "methods", "results", "abstract",
                    "overview", "appendix", "chapter", "section", "table", "figure", "notes", "sources",
                    "references", "contents", "acknowledgements", "foreword", "preface", "annex",
                    "objectives", "citations", "judgement", "judgment", "report", "debates", "extracts"}
_NOT_A_BODY = re.compile(r"\b(?:1[89]|20)\d\d\b|\b\d{1,2}\s+(?:January|February|March|April|May|June|July|"
                         r"August|September|October|November|December)\b|\b(?!Mc|Mac)[A-Z]?[a-z]{2,}[A-Z][a-z]")
_WORK_BEFORE = re.compile(r"(?:entitled|titled|called|named|film|documentary|book)\s+[\"“']?$", re.I)
_EVENT_WORDS = re.compile(r"\b(?:Summit|Conference|Forum|Symposium|Hearing|Congress on|Olympics|"
                          r"Award|Prize|Status|Day|Week)\b")
_GOVERNMENT = re.compile(r"(?i)(?:the\s+)?(?:[A-Z][\w’']*\s+)?(?:government|authorities|regime)(?:\s+of\s+(?:the\s+)?[\w’' ]+)?")
_NOT_PLACES = {"earth", "west", "the west", "east", "the east", "world", "planet", "north", "south",
               "europe"} - {"europe"}
_LAW_RE = re.compile(
    r"(?:(?<=['‘\"“])|\b)((?:\d{4}[ \t\xa0]+)?(?:[A-Z][\w’'-]*[ \t\xa0]+|(?:of|on|and|for|the|in|against|to)[ \t\xa0]+){0,10}?"
    r"(?:[A-Z][\w’'-]*[ \t\xa0]+)?(?:Act|Law|Provisions?|Regulations?|Bill|Convention|Covenant|Charter|Declaration|Resolution|Ordinance)"
    r"(?:[ \t\xa0]+(?:on|of|for|concerning|against|regarding|governing)(?:[ \t\xa0]+(?:the|of|and|or|on|in|for|to|"
    r"(?!(?:Act|Law|Bill|Convention|Covenant|Charter|Declaration|Resolution)\b)[A-Z][\w’'-]*(?:,(?=[ \t\xa0]+[A-Z]))?))*"
    r"[ \t\xa0]+(?!(?:Act|Law|Bill|Convention|Covenant|Charter|Declaration|Resolution)\b)[A-Z][\w’'-]*"
    r"(?=[\s,.;:)\"”’']|$)(?![ \t\xa0]+[A-Z]))?"
    r"(?:[ \t\xa0]+(?:of|on)[ \t\xa0]+\d{4})?)\b")
_ACRONYM_DEF = re.compile(r"\(([A-Z][A-Za-z&]{1,9})(?:\s+[^)]*)?\)")
_FUNCTION = {"of", "for", "the", "and", "des", "et", "pour", "la", "le", "de", "du", "in", "on",
             "against", "to", "a", "an", "les", "der", "die", "und"}


@functools.cache
def _gazetteer_regex(gaz_id: int, gaz: Gazetteer) -> tuple[re.Pattern, re.Pattern, dict]:
    ci_forms, cs_forms, index = [], [], {}
    for entry in gaz.entries:
        for form in entry.surface_forms:
            if not form:
                continue
            form = fold_chinese(form)  # matched against folded text: either script finds it
            index.setdefault(form.lower(), entry)
            (cs_forms if (form.isupper() or len(form) <= 3) else ci_forms).append(form)

    def build(forms: list[str], flags: int) -> re.Pattern:
        # Forms that start with a Chinese character match anywhere; the others only between
        # word boundaries, checked once per position outside their alternation (inside it,
        # the look-behind was tried for every form at every position: ten times slower).
        # No position can start forms of both kinds, so the matches are the same.
        bounded, bare = [], []
        for f in sorted(set(forms), key=len, reverse=True):
            esc = re.escape(f).replace(r"\ ", r"\s+")
            (bare if re.match(r"[\u4e00-\u9fff]", f) else bounded).append(esc)
        parts = [r"(?<![\w-])(?:" + "|".join(bounded) + r")(?![\w-])"] if bounded else []
        return re.compile("|".join(parts + bare) or r"(?!x)x", flags)

    return build(ci_forms, re.I), build(cs_forms, 0), index


_ORG_TAIL = re.compile(r"^\s+(?:of\s+[A-Z]\w+\s+)?(?:Association|Information|Society|Foundation|"
                       r"Institute|Organi[sz]ation|Council|Coalition|Alliance|Network|Centre|Center|"
                       r"Committee|Federation|Union|Club|Media|News)\b")


def gazetteer_mentions(text: str, gaz: Gazetteer) -> list[EntityMention]:
    ci, cs, index = _gazetteer_regex(id(gaz), gaz)
    folded = fold_chinese(text)
    out = []
    for rx in (ci, cs):
        for m in rx.finditer(folded):
            entry = index[re.sub(r"\s+", " ", m.group()).lower()]
            if entry.label in ("victim_group", "organ") and _ORG_TAIL.match(text[m.end():m.end() + 40]):
                continue  # "Falun Dafa Association": part of an organisation's name
            if entry.label == "hospital" or entry.label not in (
                    "person", "organization", "place", "victim_group", "organ", "law"):
                label = "hospital" if entry.label == "hospital" else entry.label
            else:
                label = entry.label
            out.append(EntityMention(label, m.start(), m.end(), text[m.start():m.end()], entry.name,
                                     "gazetteer", list(entry.surface_forms)))
    return _drop_overlaps(out)


def _drop_overlaps(mentions: list[EntityMention]) -> list[EntityMention]:
    """Longest first; a mention overlapping one already kept is dropped."""
    kept: list[EntityMention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(m.start < k.end and k.start < m.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def acronym_mentions(text: str) -> list[EntityMention]:
    """'Long Form Name (LFN)' definitions, and every later use of LFN."""
    out: list[EntityMention] = []
    for m in _ACRONYM_DEF.finditer(text):
        acr = m.group(1)
        letters = [c for c in acr if c.isupper()]
        if len(letters) < 2:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        words = list(re.finditer(r"[\w’'-]+", text[line_start:m.start()]))
        # walk back over capitalised and function words
        run = []
        for w in reversed(words):
            gap = text[line_start + w.end():line_start + (run[-1].start() if run else w.end())]
            if gap.strip():
                break  # the long form never crosses punctuation: "(VOC), and China Aid Association (CA)"
            if w.group()[0].isupper() or w.group().lower() in _FUNCTION:
                run.append(w)
            else:
                break
        run.reverse()
        while run and run[0].group().lower() in _FUNCTION:
            run.pop(0)
        initials = [w.group()[0] for w in run if w.group()[0].isupper()]
        # the long form starts at the earliest word from which the letters are a subsequence
        chosen = None
        starts = range(len(run) - 1, -1, -1) if all(w.group().isupper() for w in run) else range(len(run))
        for i in starts:  # in capitals every word looks like a name: take the shortest long form
            w = run[i]
            if w.group()[0] != letters[0]:
                continue
            tail = [x.group()[0] for x in run[i:] if x.group()[0].isupper()]
            if _subsequence(letters, tail):
                chosen = i
                break
        if chosen is None or not initials:
            continue
        start = line_start + run[chosen].start()
        end = line_start + run[-1].end()
        long_form = text[start:end]
        if len(long_form.split()) < 2:
            continue
        out.append(EntityMention("organization", start, end, long_form, long_form, "acronym", [acr]))
        for use in re.finditer(r"(?<![\w-])" + re.escape(acr) + r"(?![\w-])", text):
            out.append(EntityMention("organization", use.start(), use.end(), acr, long_form,
                                     "acronym", [acr, long_form]))
    return out


def _subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(c == h for h in it) for c in needle)


_LAW_HEAD = re.compile(r"\b(?:Act|Law|Provisions?|Regulations?|Bill|Convention|Covenant|Charter|Declaration|"
                       r"Resolution|Ordinance)\b")


def _verb_cut(doc, start: int, end: int) -> int:
    """Where a name starts once a verb inside it is cut off ("EU Passes Resolution …" → "Resolution …")."""
    span = doc.char_span(start, end, alignment_mode="expand") if doc is not None else None
    verbs = [t for t in span if t.pos_ in ("VERB", "AUX") and t.idx > start] if span is not None else []
    if span is not None and span[0].pos_ == "VERB":
        verbs = [span[0], *verbs]
    return verbs[-1].idx + len(verbs[-1]) + 1 if verbs else start


def law_mentions(text: str, doc=None) -> list[EntityMention]:
    out = []
    for m in _LAW_RE.finditer(text):
        name = re.sub(r"^(?:(?:of|on|and|for|the|in|against|to|Under|In|By|With|From|After|Before|"
                      r"Since|Through)\s+)+(?=\S+\s)", "", m.group(1).strip())
        if len(name.split()) < 2 or name.split()[0] in ("The", "A", "This", "That", "the", "a"):
            name = name.split(" ", 1)[1] if name.split()[0] in ("The", "A", "the", "a") else name
        if len(name.split()) < 2 or "\n" in name:
            continue
        start = m.start(1) + m.group(1).find(name)
        head = _LAW_HEAD.search(name)
        lead = list(re.finditer(r"[ \xa0](?:to|by|from|at|with)[ \xa0]", name[:head.start()])) if head else []
        if lead:  # "Response of the Spokesperson … to European Parliament Resolution on …"
            start += lead[-1].end()
            name = name[lead[-1].end():]
        owner = re.match(r"[A-Z][\w.]*[’']s[ \xa0]+(?=[A-Z])", name)  # "China's Regulations on …"
        if owner:
            start += owner.end()
            name = name[owner.end():]
        end = start + len(name)
        cut = _verb_cut(doc, start, end)
        if start < cut < end and _LAW_HEAD.search(text[cut:end]):
            name, start = text[cut:end], cut
        if len(name.split()) < 2:
            continue
        dated = re.match(r"(.+?)[ \xa0]+of[ \xa0]+\d{4}$", name)  # "… Human Rights of 1948" is also written without
        out.append(EntityMention("law", start, end, name, name, "pattern", [dated.group(1)] if dated else []))
    # numbered instruments: "Directive 2010/53/EU", "Regulation (EU) 2016/679", bills "S. 761", "H.R. 1154"
    for m in re.finditer(r"\b(?:(?:Directive|Regulation)[ \xa0]+(?:\((?:EU|EC)\)[ \xa0]+)?\d{2,4}/\d+(?:/(?:EU|EC|EEC))?"
                         r"|(?<![\w.])(?:S|H\.[ ]?R)\.[ \xa0]?\d{1,5})\b", text):
        named = next((x for x in out if x.source == "pattern" and (
            re.fullmatch(r",?[ \xa0]+or[ \xa0]+(?:the[ \xa0]+)?", text[m.end():x.start])
            or re.fullmatch(r"[ \xa0]*\(", text[x.end:m.start()]))), None)
        if named is not None:  # "H.R. 1154, or the Stop … Act", "the … Act (S. 761)": one law
            named.aliases.append(m.group())
            continue
        out.append(EntityMention("law", m.start(), m.end(), m.group(), m.group(), "pattern"))
    for m in re.finditer(r"《([^》]{2,40}(?:条例|條例|法|规定|規定|办法|辦法|决定|決定|公约|公約|宣言|决议|決議))》", text):
        out.append(EntityMention("law", m.start(1), m.end(1), m.group(1), m.group(1), "pattern"))
    return out


def hospital_mentions_en(text: str, gaz: Gazetteer) -> list[EntityMention]:
    suffixes = "|".join(re.escape(s) for s in sorted(gaz.hospital_suffixes_en, key=len, reverse=True))
    if not suffixes:
        return []
    rx = re.compile(r"((?:[A-Z][\w’'.-]*\s+(?:(?:of|and|for|the)\s+)?){1,8}(?:" + suffixes + r"))\b")
    out = []
    for m in rx.finditer(text):
        name = re.sub(r"^(?:The|A|At|In|From|To|By)\s+", "", m.group(1))
        start = m.end(1) - len(name)
        if len(name.split()) < 2 or "\n" in name:
            continue
        # "X Hospital and Y Hospital" are two hospitals
        parts = re.split(r"\s+and\s+(?=[A-Z])", name)
        if len(parts) > 1 and all(re.search(r"\b(?:Hospital|Cent(?:er|re)|Clinic|Infirmary)\b", p)
                                  for p in parts):
            pos = start
            for p in parts:
                p_start = text.index(p, pos)
                out.append(EntityMention("hospital", p_start, p_start + len(p), p, p, "pattern"))
                pos = p_start + len(p)
            continue
        out.append(EntityMention("hospital", start, m.end(1), name, name, "pattern"))
    return out


def victim_group_mentions_en(doc, gaz: Gazetteer) -> list[EntityMention]:
    """Groups named by a victim noun and a classifying modifier, read from the parse:
    "executed prisoners", "Chinese dissidents", "political and religious prisoners"."""
    heads = {h.lower() for h in gaz.victim_heads_en}
    modifiers = {m.lower() for m in gaz.victim_modifiers_en}
    out = []
    for tok in doc:
        if tok.lower_ not in heads:
            continue
        if any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children):
            continue  # "prisoners of war", "prisoners of conscience": another group (or the gazetteer's)
        mods = []
        for child in tok.lefts:
            if child.dep_ not in ("amod", "compound", "nmod"):
                continue
            for m in (child, *[c for c in child.children if c.dep_ == "conj"]):
                if m.lower_ in modifiers or m.tag_ == "VBN" or m.ent_type_ == "NORP":
                    mods.append(m)
        for m in mods:
            # a hyphenated modifier ("death-row") keeps its hyphen; "political and religious" gives two
            start = m.idx if m.i + 1 == tok.i or m.nbor(1).text == "-" else None
            name = f"{m.text if m.ent_type_ == 'NORP' else m.lower_} {tok.lower_}"
            if start is not None and doc.text[start:tok.idx + len(tok)].lower().replace("-", " ") == name.replace("-", " "):
                out.append(EntityMention("victim_group", start, tok.idx + len(tok), doc.text[start:tok.idx + len(tok)],
                                         name, "pattern"))
            else:
                out.append(EntityMention("victim_group", m.idx, m.idx + len(m), m.text, name, "pattern"))
    return out


_PEER = re.compile(r"\b(?:Lord|Baroness|Lady|Viscount|Viscountess|Earl|Countess|Bishop)\s+[A-Z][\w’'-]+\s+of\s+"
                   r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_ORG_HEADS = (r"Committee|Commission|Ministry|Mission|Embassy|Consulate|Council|Coalition|Directorate-General|"
              r"Agency|Bureau|Department|Tribunal|Court|Parliamentary Group|Office|Administration|Assembly")
_ORG_PATTERN = re.compile(
    r"(?<![\w-])((?:(?:[A-Z][\w’'-]*|All-Party)\s+(?:(?:and|for|of)\s+(?=[A-Z]))?){0,7}(?:" + _ORG_HEADS + r")"
    r"(?:\s+(?:of|for|on|to|against)\s+(?:the\s+)?(?:[A-Z][\w’'/-]*|End|Investigate)"
    r"(?:\s+(?:(?:in|of|and|on|for|the|to|from)\s+)?[A-Z][\w’'/-]*)*)?)")


def pattern_mentions_en(text: str, doc=None) -> list[EntityMention]:
    """British peers by their territorial title ("Lord Alton of Liverpool") and organisations named by
    a head word with its complement ("All-Party Parliamentary Group on Uighurs", "Chinese Mission
    to the EU", "National Human Organ Donation and Transplant Committee")."""
    out = []
    for m in _PEER.finditer(text):
        start, end = m.start(), m.end() - (2 if m.group().endswith(("'s", "’s")) else 0)  # the title stays
        out.append(EntityMention("person", start, end, text[start:end], text[start:end], "pattern"))
    for m in _ORG_PATTERN.finditer(text):
        start, end = _clean(text, m.start(1), m.end(1))
        if doc is not None:  # a headline's capitalised verb ends the name: "… Mission to the EU Speaks"
            span = doc.char_span(start, end, alignment_mode="expand")
            while span is not None and len(span) > 1 and span[-1].pos_ in ("VERB", "AUX"):
                span = span[:-1]
            if span is not None:
                end = min(end, span.end_char)
        name = text[start:end]
        words = name.split()
        if len(words) < 2 or "\n" in name or words[0] in ("The", "A", "An", "In", "On", "At", "By", "For"):
            continue
        out.append(EntityMention("organization", start, end, name, name, "pattern"))
    return out


_LIST_ITEM = re.compile(r"[A-Z][\w’'-]+(?:[ \xa0]+(?:[A-Z]\.|[A-Z][\w’'-]+)){1,3}")


def author_list_mentions(text: str, persons: list[EntityMention]) -> list[EntityMention]:
    """A line of comma-separated names, most of them recognised as people ("Wendy Rogers*,
    Matthew P. Robertson, Brette Blakely, …"): every item is a person (an author list)."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        items = [m for m in re.finditer(r"[^,;]+", line.group())]
        if len(items) < 3:
            continue
        spans = []
        for it in items:
            raw = it.group()
            core = raw.strip().rstrip("*†‡0-9 ").strip()
            if not _LIST_ITEM.fullmatch(core):
                break
            s0 = line.start() + it.start() + raw.index(core)
            spans.append((s0, s0 + len(core)))
        else:
            known = sum(any(p.start < e and s0 < p.end for p in persons) for s0, e in spans)
            if known * 2 >= len(spans):
                out += [EntityMention("person", a, b, text[a:b], text[a:b], "pattern") for a, b in spans]
    return out


def _clean(text: str, start: int, end: int) -> tuple[int, int]:
    span = text[start:end]
    for lead in _LEAD_CONJUNCTIONS:  # "But Chinese Embassy"
        if span.startswith(lead):
            start += len(lead)
            span = span[len(lead):]
    for lead in ("the ", "The ", "the\xa0", "The\xa0"):
        if span.startswith(lead):
            start += len(lead)
            span = span[len(lead):]
    for t in _TITLE_WORDS:
        if span.startswith(t + " "):
            start += len(t) + 1
            span = span[len(t) + 1:]
    if span.endswith(("'s", "’s")):
        end -= 2
        span = span[:-2]
    for post in _POST_NOMINALS:
        if span.endswith(post):
            end -= len(post)
            span = span[: -len(post)]
    return start, end


def ner_mentions_en(doc, text: str) -> list[EntityMention]:
    """spaCy entities mapped to our labels, with filters for this genre's usual NER mistakes."""
    out = []
    for ent in doc.ents:
        label = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place",
                 "FAC": "hospital"}.get(ent.label_)
        if label is None:
            continue
        start, end = _clean(text, ent.start_char, ent.end_char)
        span = text[start:end]
        if "\n" in span or len(span) < 2 or not any(c.isupper() for c in span):
            continue
        if label == "person":
            if _NOT_PERSON_AFTER.match(text[end:end + 20]) or _WORK_BEFORE.search(text[max(0, start - 25):start]):
                continue
            if any(ch.isdigit() for ch in span) or span.isupper():
                continue
            if any(w.lower() in _STRUCTURE_WORDS for w in span.split()):
                continue
        if label == "organization" and (_EVENT_WORDS.search(span) or _GOVERNMENT.fullmatch(span)):
            continue  # "Government of China" is no named body (annotation conventions)
        if label == "organization" and _NOT_A_BODY.search(span) or span.count("(") != span.count(")"):
            continue  # a date, a document's part, glued page furniture ("Lords ChamberMy Lords")
        if label == "organization" and any(w.lower() in _STRUCTURE_WORDS for w in re.findall(r"[A-Za-z]+", span)):
            continue
        if label == "place" and span.lower() in _NOT_PLACES:
            continue
        if label == "hospital" and not re.search(r"Hospital|Cent(?:er|re)|Clinic", span):
            continue
        out.append(EntityMention(label, start, end, span, span, "ner"))
    return out


def extract_entities(text: str, lang: str, doc=None, gaz: Gazetteer | None = None) -> list[EntityMention]:
    """Every entity mention in ``text``; rule and gazetteer mentions win over statistical ones."""
    from harvestwatch.extract.aliases import resolve_aliases

    gaz = gaz or load_gazetteer()
    ruled = gazetteer_mentions(text, gaz) + law_mentions(text, doc)
    if lang == "zh":
        from harvestwatch.extract.lang.zh_entities import ner_mentions_zh

        found = ner_mentions_zh(text)
        ruled += [m for m in found if m.source == "pattern"]
        statistical = [m for m in found if m.source != "pattern"]
    else:
        ruled += acronym_mentions(text) + hospital_mentions_en(text, gaz) + pattern_mentions_en(text, doc)
        if doc is not None:
            ruled += victim_group_mentions_en(doc, gaz)
        statistical = ner_mentions_en(doc, text) if doc is not None else []
        ruled += author_list_mentions(text, [m for m in statistical if m.label == "person"])
    extra_aliases: dict[tuple[int, int], list[str]] = {}
    for m in ruled:  # a bill number found beside a law stays its alias whichever mention is kept
        extra_aliases.setdefault((m.start, m.end), []).extend(a for a in m.aliases if a != m.text)
    ruled = _drop_overlaps(ruled)
    for m in ruled:
        m.aliases = list(dict.fromkeys([*m.aliases, *extra_aliases.get((m.start, m.end), [])]))
    if lang == "zh":  # a place inside a work's title (《中国人体器官捐献志愿书》) is part of that title
        titles = [(t.start(), t.end()) for t in re.finditer(r"《[^》\n]{1,60}》", text)]
        ruled = [m for m in ruled if m.label != "place" or not any(a < m.start < b for a, b in titles)]
    # a known place inside a recognised body's name ("U.S. House of Representatives") is that name's part
    ruled = [r for r in ruled if not (r.label == "place" and any(
        st.label in ("organization", "hospital") and st.start <= r.start and r.end <= st.end
        and st.end - st.start > r.end - r.start for st in statistical))]
    kept = [m for m in statistical if not any(m.start < r.end and r.start < m.end for r in ruled)]
    return resolve_aliases(sorted(ruled + kept, key=lambda m: m.start), gaz)
