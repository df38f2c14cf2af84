"""Chinese testimonies in either script: quotes with their speakers, and interview transcripts.

Speech verbs are read from jieba's segmentation (so 说法 "version" is no 说 "said"), on the
folded (simplified) text; every span is reported in the original text.
"""

from __future__ import annotations

import re

from harvestwatch.core.folding import fold_chinese
from harvestwatch.extract.lang.zh_entities import Token, tokens
from harvestwatch.extract.mentions import EntityMention, Testimony

SPEECH_VERBS = {"说", "说道", "表示", "称", "声称", "宣称", "改称", "指出", "透露", "承认", "回忆", "告诉",
                "写道", "评论", "坦言", "强调", "认为", "介绍", "问道", "答道", "回答", "解释", "证实",
                "指称", "宣布", "披露", "反问", "补充", "直言", "谈到", "提到", "讲", "说明", "警告"}
# Role labels that name a speaker when no name is given (医师, 护士, 发言人 …), simplified.
ROLES = ("发言人", "医师", "医生", "护士", "护士长", "主任", "院长", "警察", "证人", "律师", "官员", "专家",
         "学员", "幸存者", "协调员", "家属", "妻子", "丈夫", "村民", "教授", "博士", "负责人", "主席", "军医",
         "狱警", "犯人", "囚犯")
ROLE_NAMES = {"发言人": "spokesperson", "医师": "doctor", "医生": "doctor", "军医": "doctor", "护士": "nurse",
              "护士长": "head nurse", "主任": "director", "院长": "director", "警察": "police officer",
              "证人": "witness", "律师": "lawyer", "官员": "official", "专家": "expert", "学员": "practitioner",
              "幸存者": "survivor", "协调员": "coordinator", "家属": "relative", "妻子": "wife", "丈夫": "husband",
              "村民": "villager", "教授": "professor", "博士": "doctor", "负责人": "head", "主席": "chair",
              "狱警": "prison guard", "犯人": "prisoner", "囚犯": "prisoner"}
# Who asks the questions in an interview transcript: their lines are no testimony.
INTERVIEWERS = ("调查员", "调查人员", "记者", "主持人", "主持", "问", "采访者", "编者", "旁白", "host",
                "interviewer")
HOSTS = ("主持人", "主持", "host", "anchor", "presenter")
QUOTE = re.compile(r"[“「『]([^”」』]{4,})[”」』]")
# A transcript line: 【label】: words, or label: words / label:「words」 at a paragraph's start.
TRANSCRIPT = re.compile(r"^[ \t\u3000]*(?:【([^】\n]{1,30})】|([^\n：:，,。「“【]{1,30}?))[ \t]*[：:][ \t\u3000]*\n?"
                        r"[ \t\u3000]*(\S[^\n]*)$", re.M)  # the answer may start on the next line


def _role_name(folded: str, lo: int, hi: int) -> str | None:
    """The speaker's role named in folded[lo:hi], leaving out the addressee (对记者表示)."""
    region = re.sub(r"(?:对|向|跟)[^，,。：:]*$", "", folded[lo:hi])
    found = [(region.rfind(w) + len(w), ROLE_NAMES[w]) for w in ROLES if w in region]
    return max(found)[1] if found else None


def _antecedent(folded: str, pos: int, persons: list[EntityMention]) -> str | None:
    """Who 他/她 before ``pos`` refers to: the sentence's first-named person (its subject, as in
    "主任米利斯认为，麦塔斯等人…，他强调"), else the last person named before."""
    sent_lo = max(folded.rfind(c, 0, pos) for c in "。！？\n") + 1
    in_sentence = [e for e in persons if sent_lo <= e.start and e.end <= pos]
    if in_sentence:
        return in_sentence[0].canonical
    prior = [e for e in persons if e.end <= pos]
    return prior[-1].canonical if prior else None


def _speaker_in(lo: int, hi: int, entities: list[EntityMention]) -> EntityMention | None:
    inside = [e for e in entities if lo <= e.start and e.end <= hi
              and e.label in ("person", "organization", "hospital")]
    persons = [e for e in inside if e.label == "person"]
    return (persons or inside or [None])[-1]


def _role_at(folded: str, lo: int, hi: int) -> tuple[int, int] | None:
    """The span of a role word in folded[lo:hi], the last one."""
    best = None
    for r in ROLES:
        k = folded.rfind(r, lo, hi)
        if k != -1 and (best is None or k + len(r) > best[1] or (k + len(r) == best[1] and k < best[0])):
            best = (k, k + len(r))
    return best


def _named_with_role(folded: str, lo: int, hi: int, role: str,
                     entities: list[EntityMention]) -> EntityMention | None:
    """A person written next to the role word in folded[lo:hi] ("黎功医生", "医生李功权")."""
    for e in entities:
        if e.label != "person" or not (lo <= e.start and e.end <= hi):
            continue
        if folded[e.end:e.end + len(role)] == role or folded[max(0, e.start - len(role)):e.start] == role:
            return e
    return None


def _noun_phrase_before(toks: tuple[Token, ...], verb_idx: int) -> tuple[int, int] | None:
    """The nouns right before a speech verb ("国际 医学 专家 认为"), when they end in a role word."""
    j = verb_idx
    while j > 0 and toks[j - 1].end == toks[j].start and toks[j - 1].tag in ("n", "nz", "b", "a", "l", "vn", "ns") \
            and verb_idx - j < 4:
        j -= 1
    if j == verb_idx or not toks[verb_idx - 1].word.endswith(ROLES):
        return None
    return toks[j].start, toks[verb_idx - 1].end


def _transcripts(text: str, folded: str, entities: list[EntityMention]) -> list[Testimony]:
    out = []
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", folded)]
    transcript_lines = {m.start(): m for m in TRANSCRIPT.finditer(folded)}
    for m in TRANSCRIPT.finditer(folded):
        label_grp = 1 if m.group(1) is not None else 2
        lo, hi = m.start(label_grp), m.end(label_grp)
        label = folded[lo:hi].strip()
        # "横河先生(时政评论员)", "Arne Schwarz(德国独立调查员)": the name, then what the speaker is
        main = re.sub(r"[(（][^)）]*[)）]\s*$", "", label).strip() or label
        if any(main.lower().startswith(w) or w in main.lower() for w in INTERVIEWERS) or \
                any(w in label[len(main):].lower() for w in HOSTS):
            continue  # the interviewer's or the programme host's lines
        q_lo, q_hi = m.start(3), m.end(3)
        inner = QUOTE.match(folded, q_lo)
        if inner:
            q_lo, q_hi = inner.start(1), inner.end(1)
        if q_hi - q_lo < 8:
            continue  # a headline's "来源:短语" or a label with a few words is no statement
        ent = _speaker_in(lo, hi, entities)
        role = _role_at(folded, lo, hi)
        speaker = ent.canonical if ent is not None else None
        if speaker is None and role is not None and role[1] >= hi - 1:
            speaker = text[role[0]:role[1]]
            # the scene before the exchange may name the one holding this role ("黎功医生。")
            start = next(i for i, (a, _) in enumerate(paragraphs) if a == m.start())
            k = start - 1
            while k >= 0 and paragraphs[k][0] in transcript_lines:
                k -= 1
            if k >= 0:
                named = _named_with_role(folded, *paragraphs[k], folded[role[0]:role[1]], entities)
                if named is not None:
                    speaker = named.canonical
        if speaker is None and main != label and 2 <= len(main) <= 20 and not re.search(r"[，,。：:]", main):
            name = re.sub(r"(?:先生|女士|小姐|博士|教授)$", "", main)
            k = lo + folded[lo:hi].find(name)
            speaker, lo, hi = text[k:k + len(name)], k, k + len(name)
        if speaker is None:
            continue
        out.append(Testimony(q_lo, q_hi, text[q_lo:q_hi], speaker, (lo, hi), _role_name(folded, lo, hi), None))
    return out


def extract_testimonies_zh(text: str, entities: list[EntityMention]) -> list[Testimony]:
    """Quotes with a speaker (他说：“…”, “…”王某表示, 医生:「…」) and interview transcript lines."""
    folded = fold_chinese(text)
    toks = tokens(folded)
    out = _transcripts(text, folded, entities)
    taken = [(t.start, t.end) for t in out]
    persons = [e for e in entities if e.label == "person"]
    for m in QUOTE.finditer(folded):
        qs, qe = m.start(1), m.end(1)
        if any(s <= qs < e or qs <= s < qe for s, e in taken):
            continue
        if any(e.start == qs and e.end == qe for e in entities):
            continue  # a quoted name (据「中华医学会」…表示) is no statement
        # the token right before the quote, skipping ：:，, and spaces
        before = [i for i, t in enumerate(toks) if t.end <= m.start() and t.word.strip(" ：:，,\u3000")]
        after = [i for i, t in enumerate(toks) if t.start >= m.end() and t.word.strip(" ，,\u3000")]
        speaker, span, verb, role = None, None, None, None
        sent_lo = max(folded.rfind(c, 0, m.start()) for c in "。！？\n；") + 1
        if before and toks[before[-1]].word in SPEECH_VERBS:
            vi = before[-1]
            verb = toks[vi].word
            role = _role_name(folded, sent_lo, toks[vi].start)
            ent = _speaker_in(sent_lo, toks[vi].start, entities)
            np_ = _noun_phrase_before(toks, vi)
            if re.search(r"[他她]\s*$", folded[max(0, toks[vi].start - 3):toks[vi].start]):
                speaker = _antecedent(folded, m.start(), persons)  # "…，他强调：“…”"
            elif ent is not None and (np_ is None or ent.end >= np_[0]):
                speaker, span = ent.canonical, (ent.start, ent.end)
            elif np_ is not None:
                speaker, span = text[np_[0]:np_[1]], np_
        elif after:
            clause_end = min([k for k in (folded.find(c, m.end()) for c in "，,。！？\n；") if k != -1] or [len(folded)])
            verbs = [i for i in after if toks[i].start < clause_end and toks[i].word in SPEECH_VERBS]
            line_start = m.start() == 0 or folded[m.start() - 1] == "\n" or folded[max(0, m.start() - 2):m.start()].strip() == ""
            ends_utterance = folded[qe - 1:qe] in "。！？?!…" or folded[qe - 2:qe].strip()[-1:] in "。！？?!"
            ent = _speaker_in(m.end(), clause_end, entities)
            if verbs and toks[verbs[0]].start - m.end() <= 12:
                verb = toks[verbs[0]].word
                role = _role_name(folded, m.end(), toks[verbs[0]].start)
                if ent is not None and ent.start < toks[verbs[0]].start:
                    speaker, span = ent.canonical, (ent.start, ent.end)
                elif re.match(r"^[，,\s]*[他她]", folded[m.end():m.end() + 4]):
                    speaker = _antecedent(folded, m.start(), persons)
            elif line_start and ends_utterance and ent is not None and ent.label == "person":
                speaker, span = ent.canonical, (ent.start, ent.end)  # "“…”56岁的村民朱际葵在…"
        if speaker:
            out.append(Testimony(qs, qe, text[qs:qe], speaker, span, role, verb))
    return sorted(out, key=lambda t: t.start)
