"""Testimonies: quoted statements with their speaker, the speaker's role and the attribution verb."""

from __future__ import annotations

import re

from harvestwatch.extract.mentions import EntityMention, Testimony

SPEECH_VERBS = (r"said|says|say|told|tells|tell|added|adds|wrote|writes|write|explained|explains|"
                r"stated|states|noted|notes|recalled|recalls|claimed|claims|claiming|claim|asked|asks|"
                r"reported|reports|report|insisted|insists|insisting|argued|argues|arguing|warned|"
                r"warns|testified|testifies|alleged|alleges|alleging|saying|declared|declares|"
                r"remembered|remembers|continued|continues|described|describes|according to|"
                r"admitted|admits|denied|denies|acknowledged|acknowledges|concluded|concludes")
_VERB = re.compile(r"\b(" + SPEECH_VERBS + r")\b", re.I)
ROLES = ("spokeswoman", "spokesman", "spokesperson", "police officer", "officer", "doctor's wife",
         "wife", "husband", "doctor", "surgeon", "physician", "nurse", "practitioner", "lawyer",
         "researcher", "official", "director", "witness", "survivor", "detainee", "prisoner",
         "journalist", "filmmaker", "minister", "professor", "investigator", "chairman", "president",
         "founder", "member of parliament", "senator", "MP")
_ROLE = re.compile(r"\b(" + "|".join(re.escape(r) for r in sorted(ROLES, key=len, reverse=True)) + r")\b", re.I)
_PRONOUN = re.compile(r"\b(he|she|they|He|She|They)\b")
_PROPER = re.compile(r"\b(?:the\s+|The\s+)?(?:[A-Z][\w.’'-]*)(?:\s+[A-Z][\w.’'-]*){0,4}")
_GENERIC = {"the report", "report", "it", "the article", "the study", "researchers", "experts",
            "the paper", "the statement", "officials", "sources", "the", "a", "in", "but", "and",
            "mr", "mrs", "ms", "dr", "one", "this", "that", "many", "some",
            "he", "she", "they", "we", "i", "you", "his", "her", "their", "rep", "sen", "gov", "amb"}
_OFFICIAL = re.compile(r"\b(?:the\s+)?(?:Chinese|China's|Beijing's|Communist)?\s*(?:government|authorities|"
                       r"officials?|Foreign Ministry|Ministry of Foreign Affairs|embassy|regime|state media)\b", re.I)
_QUOTE_PAIRS = (("“", "”"), ("\"", "\""), ("「", "」"), ("『", "』"))


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Inner spans of double-quoted passages (curly, straight and CJK marks), outermost only."""
    spans = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        for open_, close in _QUOTE_PAIRS:
            if ch == open_:
                j = text.find(close, i + 1)
                para_end = text.find("\n\n", i + 1)
                if j != -1 and (para_end == -1 or j < para_end):
                    spans.append((i + 1, j))
                    i = j
                break
        i += 1
    return spans


# Single-quoted statements (British style): the opening mark starts a word with a capital and the
# closing mark follows sentence punctuation, so apostrophes ("didn't", "patients'") never pair up.
_SINGLE = re.compile(r"(?:^|(?<=[\s(—–]))['‘](?=[A-Z])((?:[^\n'‘’]|['’](?=\w))+?[,.!?…])['’](?!\w)")


def _single_quotes(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for m in _SINGLE.finditer(text):
        if not any(s - 1 <= m.start() < e + 1 for s, e in taken):
            out.append((m.start(1), m.end(1)))
    return out


_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Col|Lt|Sgt|Rev|No|vs|etc|Rep|Reps|Sen|Gov|Amb|Hon|"
                     r"Rt|Sec|Adm|Capt|Maj|Insp|Supt)|\b[A-Z]|\.[A-Z])$")


def _is_stop(text: str, k: int) -> bool:
    """True when the character at ``k`` ends a sentence (a period after 'Mr' or 'U.S' does not)."""
    ch = text[k]
    if ch == ".":
        return not _ABBREV.search(text[max(0, k - 5):k])
    return ch in "\n?!。"


def _sentence_start(text: str, pos: int) -> int:
    k = pos - 1
    while k >= 0:
        if _is_stop(text, k) and (k + 1 >= len(text) or text[k] in "\n。" or text[k + 1] in " \n\"”"):
            return k + 1
        k -= 1
    return 0


def _clause_after(text: str, pos: int) -> tuple[int, int]:
    """From after a closing quote to the end of its sentence or the next opening quote."""
    k = pos
    while k < len(text):
        if text[k] in "“\"「" or _is_stop(text, k):
            return pos, k
        k += 1
    return pos, len(text)


def _named(text: str, lo: int, hi: int, entities: list[EntityMention], nearest_to: int) -> tuple[str, tuple[int, int]] | None:
    """The named actor in text[lo:hi] closest to ``nearest_to``: an entity, else a proper noun phrase."""
    named = [e for e in entities if lo <= e.start and e.end <= hi
             and e.label in ("person", "organization", "place", "hospital")]
    # "Dr. X, executive director of DAFOH, said": the person speaks, the body is an apposition
    named = [e for e in named if e.label == "person"] or named
    cands = [(abs(((e.start + e.end) // 2) - nearest_to), e.canonical, (e.start, e.end))
             for e in named]
    official = [(abs(lo + m.start() - nearest_to), _official_name(m.group()),
                 (lo + m.start(), lo + m.end())) for m in _OFFICIAL.finditer(text[lo:hi])]
    if not cands:
        for m in _PROPER.finditer(text, lo, hi):
            if any(o[2][0] <= m.start() < o[2][1] for o in official):
                continue
            name = m.group().strip()
            words = name.split()
            if words and words[0].lower() in ("the",) and len(words) == 1:
                continue
            if name.lower() in _GENERIC or len(name) < 2 or _VERB.fullmatch(name.split()[-1]):
                continue
            first = words[0].lower()
            if first in _GENERIC and len(words) == 1:
                continue
            cands.append((abs(m.start() - nearest_to), re.sub(r"^(?:the|The)\s+", "The ", name),
                          (m.start(), m.end())))
    cands += official
    if not cands:
        return None
    cands.sort()
    return cands[0][1], cands[0][2]


def _official_name(phrase: str) -> str:
    p = re.sub(r"^the\s+", "", phrase.strip(), flags=re.I)
    if re.match(r"(?i)government|authorities|regime", p):
        return "Chinese government"
    return p[0].upper() + p[1:]


_UNNAMED = re.compile(r"\b(?:a|an|one)\s+(?:former\s+|senior\s+|young\s+)?("
                      + "|".join(re.escape(r) for r in sorted(ROLES, key=len, reverse=True))
                      + r")\b(?:\s+(?:at|from|of|in)\s+(?:the\s+)?((?-i:[A-Z][\w’'.-]*(?:\s[A-Z][\w’'.-]*)*)))?",
                      re.I)


def _is_person(name: str, entities: list[EntityMention]) -> bool:
    return any(e.label == "person" and e.canonical == name for e in entities)


def _full_name(name: str, entities: list[EntityMention]) -> str:
    """A bare surname ("Nice said") becomes the one full name in the text that ends with it."""
    if len(name.split()) != 1:
        return name
    full = {e.canonical for e in entities if e.label == "person" and len(e.canonical.split()) > 1
            and e.canonical.split()[-1] == name}
    return full.pop() if len(full) == 1 else name


def _resolve_pronoun(pos: int, entities: list[EntityMention]) -> str | None:
    persons = [e for e in entities if e.label == "person" and e.end <= pos]
    return persons[-1].canonical if persons else None


_NOT_SPEAKERS = {"report", "study", "article", "paper", "statement", "document", "letter", "website",
                 "survey", "book", "film", "documentary", "headline", "title", "it", "this", "that"}


def _parsed_speaker(doc, verb_start: int, verb_end: int, quote_start: int,
                    entities: list[EntityMention]) -> tuple[str, tuple[int, int] | None] | None:
    """The grammatical subject of the speech verb: a pronoun resolved to the last person named,
    a named person or body, or a role described by its noun phrase ("China's top expert … said")."""
    span = doc.char_span(verb_start, verb_end, alignment_mode="expand")
    if span is None:
        return None
    verb = span.root
    for _ in range(2):
        subj = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subj or verb.dep_ not in ("conj", "advcl", "xcomp", "ccomp") or verb.head.i == verb.i:
            break
        verb = verb.head
    if not subj:
        return None
    head = subj[0]
    if head.pos_ == "PRON":
        if head.lower_ in ("he", "she"):
            found = _resolve_pronoun(quote_start, entities)
            return (found, None) if found else None
        return None
    lo, hi = head.left_edge.idx, head.right_edge.idx + len(head.right_edge)
    named = [e for e in entities if e.start < hi and lo < e.end
             and e.label in ("person", "organization", "hospital")]
    named = [e for e in named if e.label == "person"] or named
    if named:
        e = min(named, key=lambda e: abs(e.start - head.idx))
        return e.canonical, (e.start, e.end)
    if head.pos_ in ("NOUN",) and head.lemma_.lower() not in _NOT_SPEAKERS and head.lower_ not in _NOT_SPEAKERS:
        if head.left_edge.lower_ == "the" and head.left_edge.i == head.i - 1:
            # "the agency said": the body named before whose name ends with that noun
            earlier = [e for e in entities if e.end <= head.idx and e.label in ("organization", "hospital", "person")
                       and e.canonical.lower().split()[-1:] == [head.lower_]]
            if earlier:
                return earlier[-1].canonical, (earlier[-1].start, earlier[-1].end)
        words = [t for t in doc[head.left_edge.i:head.right_edge.i + 1]]
        while words and words[0].dep_ in ("det", "punct"):
            words.pop(0)
        if words and len(words) <= 10:
            start, end = words[0].idx, words[-1].idx + len(words[-1])
            return doc.text[start:end], (start, end)
    return None


def extract_testimonies(text: str, entities: list[EntityMention], doc=None) -> list[Testimony]:
    """Quoted statements with an identifiable speaker; continuations of one speaker are one testimony.
    With spaCy's parse (``doc``) the speaker is the speech verb's subject."""
    out: list[Testimony] = []
    quotes = find_quotes(text)
    quotes = sorted(quotes + _single_quotes(text, quotes))
    consumed_until = -1
    last_end = -1  # where the sentence of the last attributed quote ends
    for qs, qe in quotes:
        inner = text[qs:qe].strip()
        if qs - 1 <= consumed_until:
            continue  # continues the previous speaker's testimony: "“A,” he told “B.”"
        words = inner.split()
        s_lo = _sentence_start(text, qs - 1)
        prev_line = text[:s_lo].rstrip(" \t")
        if s_lo == qs - 1 and prev_line.endswith("\n") and prev_line[:-1].rstrip()[-1:].isalnum():
            # a quote set on its own line continues the sentence above ("The Tribunal said that it was\n“…”")
            s_lo = _sentence_start(text, len(prev_line) - 1)
        lead = text[s_lo:qs - 1]
        lead_verb = list(_VERB.finditer(lead))
        lead_frame = bool(lead_verb) and re.search(r"(?:\b(?:that|:)|,)\s*$", lead) is not None or \
            bool(re.search(r"(?:" + SPEECH_VERBS + r")\s*[:,]?\s*$", lead, re.I)) or \
            (bool(lead_verb) and lead.endswith("\n") and re.search(  # "said that it was\n“…”", "ordered to\n“…”"
                r"\b(?:" + SPEECH_VERBS + r")\b[^.!?]*\b(?:that|to|was|were|is|are|as)\s*$", lead, re.I) is not None)
        a_lo, a_hi = _clause_after(text, qe + 1)
        trail = text[a_lo:a_hi]
        trail_verb = _VERB.search(trail)
        attributed_after = bool(trail_verb) and trail_verb.start() < 80 and \
            not re.match(r"\s+that\b", trail[trail_verb.end():]) and \
            re.match(r"^\s*[,—-]?\s*\S", trail) is not None and inner.rstrip()[-1:] in ",.?!…—"
        statement = len(words) >= 4 and (inner[:1].isupper() or inner[:1].isdigit() or lead_frame
                                         or attributed_after)
        if not statement:
            continue
        speaker = None
        speaker_span = None
        verb = None
        role_text = ""
        if lead_frame and lead_verb:
            v = lead_verb[-1]
            verb = v.group(1).lower()
            parsed = None if doc is None or verb == "according to" else \
                _parsed_speaker(doc, s_lo + v.start(), s_lo + v.end(), qs, entities)
            if parsed is not None:
                found = parsed
            elif verb == "according to":  # the source follows the verb
                found = _named(text, s_lo + v.end(), qs - 1, entities, s_lo + v.end())
            else:
                found = _named(text, s_lo, s_lo + v.start(), entities, s_lo + v.start())
            if found is None:
                pron = _PRONOUN.search(lead[: v.start()])
                if pron:
                    speaker = _resolve_pronoun(qs, entities)
            else:
                speaker, speaker_span = found
            role_text = lead
        if speaker is None and attributed_after:
            tv = trail_verb
            if tv:
                verb = tv.group(1).lower()
                found = _named(text, a_lo, a_hi, entities, a_lo + tv.start())
                pron = _PRONOUN.search(trail[: tv.start() + 1])
                parsed = None if doc is None or verb == "according to" else \
                    _parsed_speaker(doc, a_lo + tv.start(), a_lo + tv.end(), qs, entities)
                if parsed is not None:
                    speaker, speaker_span = parsed
                elif pron and (found is None or pron.start() < found[1][0] - a_lo):
                    speaker = _resolve_pronoun(qs, entities)
                elif found is not None:
                    speaker, speaker_span = found
                role_text = trail
                # a quote right after this attribution continues it
                nxt = a_hi
                if nxt < len(text) and text[nxt] in "“\"":
                    consumed_until = nxt
        role_word = _ROLE.search(role_text)
        role = role_word.group(1).lower() if role_word else None
        if role and speaker and not _is_person(speaker, entities):
            unnamed = _UNNAMED.search(role_text)
            if unnamed:  # "a doctor at Qianfoshan Hospital told ...": the doctor speaks, not Shandong
                where = unnamed.group(2)
                speaker = f"{unnamed.group(1).lower()} at {where}" if where else f"unnamed {unnamed.group(1).lower()}"
                speaker_span = None
        gap = text[last_end + 1:s_lo] if last_end >= 0 else "x"
        if speaker is None and out and not lead.strip() and not trail.strip(" .") \
                and not gap.strip() and "\n\n" not in gap:
            # a bare quote right after an attributed one continues the same speaker
            speaker, speaker_span, role, verb = out[-1].speaker, None, out[-1].role, None
        if not speaker or speaker.lower() in _GENERIC:
            continue
        speaker = _full_name(speaker, entities)
        out.append(Testimony(qs, qe, text[qs:qe], speaker, speaker_span, role, verb))
        last_end = a_hi
    return out
