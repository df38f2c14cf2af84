"""The dead-donor rule as Robertson & Lavee (Am J Transplant 2022) coded it.

A procurement description breaches the rule when it shows the donor was not
ventilator-dependent when declared dead: the airway was established (intubation,
tracheotomy, mask or bag, "artificial respiration was established") **after** the death
declaration, or **as a step of the procurement operation itself**, with or without the words
"brain death". Not breaches: ventilation that was only continued or maintained; vascular
cannulation (经股动脉插管灌注); an airway the donor already had ("under intubation", 在气管插管下);
a recipient's anaesthesia or extubation; normative or general statements ("should", 原则,
措施); negated statements; intubation after a circulatory (cardiac) death, where re-intubation
for lung recovery is standard.

The reading is made per airway event: its clause (Chinese words from segmentation, English
words), its sentence (English clause order from the dependency parse), and its passage (two
sentences either side) for the procurement context and the death event.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import Enum

from harvestwatch.screen.clauses import clause, is_chinese, parse_en, sentences, words_zh
from harvestwatch.screen.flags import Evidence, Flag
from harvestwatch.screen.lexicon import Hit

RULE = "dead_donor_rule"
AIRWAY, VENTILATION, CANNULA = "airway", "ventilation", "cannula"
EVENT_CATEGORIES = frozenset({AIRWAY, VENTILATION, CANNULA})
CONTEXT_CATEGORIES = frozenset({"donor", "procurement", "procedure_step", "death_declaration"})


class Order(Enum):
    DEATH_THEN_AIRWAY = "death declared, then airway established"
    NO_DEATH_EVENT = "airway established among the procurement steps; no death event in the passage"
    AIRWAY_THEN_DEATH = "airway established before the death declaration"


@dataclass(frozen=True)
class RuledOut:
    """A reading that would lift the flag, and why it does not apply here."""

    reading: str  # maintenance | cannulation | recipient | negated | general statement
    why: str


@dataclass(frozen=True)
class DeadDonorReading:
    passage: Evidence
    airway: Evidence
    death: Evidence | None
    order: Order
    ruled_out: tuple[RuledOut, ...]

    def flag(self) -> Flag:
        if self.order is Order.DEATH_THEN_AIRWAY:
            what = (f"the airway («{self.airway.text}») was established after the death event "
                    f"(«{self.death.text}»)")
        else:
            what = (f"the airway («{self.airway.text}») was established as a step of the procurement "
                    "operation, with no prior death declaration in the passage")
        why = "; ".join(f"not {r.reading}: {r.why}" for r in self.ruled_out)
        ev = (self.passage, self.airway) + ((self.death,) if self.death else ())
        return Flag(RULE, f"{what}: a donor who is not yet ventilated cannot have been declared brain "
                    f"dead. Order: {self.order.value}. {why}.", ev, reading=self)


# Cue words. Chinese cues are compared with whole words from segmentation.
_NEG_ZH = frozenset({"不", "未", "无", "無", "没有", "沒有", "非", "勿", "不应", "不必", "无需", "无须",
                     "未行", "未能", "避免", "不宜", "不要", "未予"})
_NEG_EN = frozenset({"no", "not", "without", "never", "neither", "nor", "n't", "avoid", "avoided"})
_NORM_ZH = ("应该", "应当", "原则", "措施", "建议", "主张", "必须")  # inside words too (具体措施)
_NORM_ADV_ZH = frozenset({"尽可能", "尽快", "立即", "及时", "尽早", "迅速", "首先", "当"})
_NORM_EN = re.compile(r"\b(?:should|must|ought|recommend\w*|principles?|measures|advis\w+|suggest\w*)\b")
_MAINTAIN_ZH = frozenset({"维持", "保持", "继续", "持续", "仍", "仍然"})
_MAINTAIN_EN = re.compile(r"\b(?:maintain\w*|continu\w*|kept|keep\w*|remain\w*|sustain\w*|still)\b")
_PRIOR_ZH = frozenset({"已", "已经", "已行", "已有", "带", "带有", "原", "原有", "留置", "带管"})
_PRIOR_EN = re.compile(r"\b(?:already|previously|had been|existing|pre-existing)\b|\bunder(?:\s+[\w-]+){0,2}\s*$")
# Donor management in intensive care, or support with a duration ("for 3 days", "维持48h"):
# ventilation the donor had before the operation, not a step of it.
_ICU = re.compile(r"(?<![a-z])icu(?![a-z])|intensive care|critical care|重症监护|监护室"
                  r"|\bfor (?:a (?:median|mean) of |about |over )?\d+(?:\.\d+)?\s*(?:h|hours?|days?)(?![a-z])"
                  r"|(?:维持|持续|平均)[^，,；;。]{0,4}\d+(?:\.\d+)?\s*(?:h|小时|天|d)(?![a-z])")
_IN_PLACE_EN = re.compile(r"^\s*(?:\w+\s+){0,2}(?:in place|in situ)\b")
_START_ZH = frozenset({"建立", "开始", "给予", "行", "进行", "接", "连接", "施行", "实施", "予以", "予", "改用",
                       "即行", "再行", "立即", "上机", "插上"})
_START_EN = re.compile(r"\b(?:establish\w*|start\w*|begin|began|begun|initiat\w*|commenc\w*|connect\w*|"
                       r"given|gave|give|provid\w*|perform\w*|carried out|conduct\w*|instituted|applied|"
                       r"placed on|put on)\b")
_AIRWAY_OBJECT = re.compile(r"呼吸道|呼吸|通气|气道|airway|breathing|ventilat\w*|respirat\w*")
_BREATH_NEAR = re.compile(r"通气|呼吸|给氧|供氧|ventilat|oxygen|breath")
_VASCULAR = re.compile(r"动脉|静脉|灌注|artery|arter|aort|vein|venous|perfus|cannul|cathet")
_AFTER_ZH = frozenset({"后", "後", "之后", "之後", "以后", "随后", "然后"})
_BEFORE_ZH = frozenset({"前", "之前", "以前"})
_AFTER_EN = frozenset({"after", "following", "once", "upon", "when", "since"})
_BEFORE_EN = frozenset({"before", "prior", "until", "preceding"})
_CARDIAC = re.compile(r"心脏死亡|心跳停止|心脏停跳|cardiac death|circulatory death")
_BOTH_PARTIES = re.compile(r"供[、，,和与及]?$|donors? and $|donor-$")


def read_dead_donor(text: str, folded: str, hits: list[Hit]) -> DeadDonorReading | None:
    """The first airway event that breaches the rule, with its reading; None if none does."""
    events = _longest([h for h in hits if h.category in EVENT_CATEGORIES])
    if not events or not any(h.category in CONTEXT_CATEGORIES for h in hits):
        return None
    sents = sentences(text)  # the original: capitals mark sentence starts
    starts = [lo for lo, _ in sents]
    for ev in events:
        i = max(0, _index(starts, ev.start))
        reading = _read_event(text, folded, hits, sents, i, ev)
        if reading is not None:
            return reading
    return None


def _index(starts: list[int], pos: int) -> int:
    return bisect.bisect_right(starts, pos) - 1


def _longest(hits: list[Hit]) -> list[Hit]:
    """Overlapping hits reduced to the longest (气管插管 over 插管; the earlier on a tie)."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if out and h.start < out[-1].end:
            if h.end - h.start > out[-1].end - out[-1].start:
                out[-1] = h
            continue
        out.append(h)
    return out


def _read_event(text: str, folded: str, hits: list[Hit], sents, i: int, ev: Hit) -> DeadDonorReading | None:
    lo, hi = sents[i]
    zh = is_chinese(folded[lo:hi])
    c_lo, c_hi = clause(folded, lo, hi, ev.start)
    before = folded[c_lo:ev.start]
    after = folded[ev.end:c_hi]
    ruled: list[RuledOut] = []
    words = [w for s, e, w in words_zh(folded, lo, hi)] if zh else []
    clause_words_before = [w for s, e, w in words_zh(folded, c_lo, ev.start)] if zh else before.split()

    # Vascular cannulation is not an airway.
    if ev.category == CANNULA:
        if _VASCULAR.search(folded[c_lo:c_hi]) or not _BREATH_NEAR.search(after):
            return None
        ruled.append(RuledOut("cannulation", f"the clause names breathing («{folded[c_lo:c_hi].strip()}»), "
                                             "not a vessel"))
    elif ev.category == AIRWAY:
        ruled.append(RuledOut("cannulation", f"«{ev.term}» is an airway (trachea, mask or bag), not a "
                                             "vascular cannula"))
    else:
        ruled.append(RuledOut("cannulation", f"«{ev.term}» is breathing support, not a vascular cannula"))
    # Negated ("不应一味追求气管插管", "no intubation").
    if zh:
        if _NEG_ZH & set(clause_words_before):
            return None
    elif _NEG_EN & {w.strip(".,;:()").lower() for w in clause_words_before[-6:]}:
        return None
    # A recipient's operation (anaesthesia, bypass, anastomosis, extubation).
    sent_hits = [h for h in hits if lo <= h.start < hi]
    if _recipient_side(folded, sent_hits, ev):
        return None
    # Already in place: "在气管插管…下", "already intubated", "under mechanical ventilation".
    prior_zh = zh and (_PRIOR_ZH & set(clause_words_before)
                       or ("在" in clause_words_before and re.match(r"[^，,；;。]{0,12}?下", after)))
    if prior_zh or (not zh and (_PRIOR_EN.search(before[-40:]) or _IN_PLACE_EN.search(after))):
        return None
    # Ventilation in intensive care or for a stated time is donor management, not procurement.
    if _ICU.search(folded, lo, hi):
        return None
    # Ventilation continued through the airway already there ("继续经气管插管通气",
    # "ventilation was continued via the endotracheal tube").
    if (_MAINTAIN_ZH & set(clause_words_before)) if zh else _MAINTAIN_EN.search(before):
        return None
    # Ventilation (not an airway device) counts only when it is started, not kept running.
    maint = _maintained(folded, lo, hi, zh, words)
    if ev.category == VENTILATION:
        started = (_START_ZH & set(clause_words_before)) if zh else _START_EN.search(folded[c_lo:c_hi])
        if not started or maint:
            return None
        ruled.append(RuledOut("maintenance", f"ventilation is started («{folded[c_lo:c_hi].strip()}»), "
                                             "not continued or maintained"))
    else:
        ruled.append(RuledOut("maintenance", f"«{ev.term}» establishes an airway; a ventilator that was "
                                             "only kept running needs none"))
    # General or normative statements describe no procurement.
    prev_lo = sents[i - 1][0] if i > 0 else lo
    if zh:
        if _normative_zh(words):
            return None
    elif _NORM_EN.search(folded[prev_lo:hi]):
        return None
    # The passage: two sentences either side.
    p_lo, p_hi = sents[max(0, i - 2)][0], sents[min(len(sents) - 1, i + 2)][1]
    window = [h for h in hits if p_lo <= h.start < p_hi]
    death = _death_event(hits, sents, i, ev)
    order = Order.NO_DEATH_EVENT
    if death is not None:
        order = _order(folded, sents[i], death, ev, zh)
        if order is Order.AIRWAY_THEN_DEATH or _CARDIAC.search(folded[max(0, death.start - 20):death.end]):
            return None
    # The donor the death and the airway belong to: named between the death event and the
    # airway's sentence end ("the donor was declared brain dead ... intubated").
    d_lo = sents[_index([a for a, _ in sents], death.start)][0] if death else lo
    named = [h for h in hits if d_lo <= h.start < hi
             and h.category in ("donor", "procurement")]
    if not _procurement_passage(window, order is Order.DEATH_THEN_AIRWAY and bool(named)):
        return None
    # Quote the passage from the sentence before the airway's (or the death's) to its own.
    q_lo = min(sents[max(0, i - 1)][0], death.start if death else lo)
    return DeadDonorReading(
        passage=Evidence.of(text, q_lo, hi, "passage"),
        airway=Evidence.of(text, ev.start, ev.end, "airway"),
        death=Evidence.of(text, death.start, death.end, "death") if death else None,
        order=order, ruled_out=tuple(ruled))


def _normative_zh(words: list[str]) -> bool:
    """应 ("should") as a word, or glued to its neighbour by segmentation (下应 尽可能); the
    longer cues also inside words (具体措施)."""
    for k, w in enumerate(words):
        if any(c in w for c in _NORM_ZH) or w in ("应", "宜"):
            return True
        if w.endswith("应") and k + 1 < len(words) and words[k + 1] in _NORM_ADV_ZH:
            return True
    return False


def _maintained(folded: str, lo: int, hi: int, zh: bool, words: list[str]) -> bool:
    """The sentence keeps breathing or the airway going (维持呼吸, 保持呼吸道通畅, "maintain breathing")."""
    if zh:
        for k, w in enumerate(words):
            if w in _MAINTAIN_ZH and _AIRWAY_OBJECT.search("".join(words[k + 1:k + 6])):
                return True
        return False
    for m in _MAINTAIN_EN.finditer(folded, lo, hi):
        if _AIRWAY_OBJECT.search(folded[m.end():m.end() + 40]):
            return True
    return False


def _recipient_side(folded: str, sent_hits: list[Hit], ev: Hit) -> bool:
    cats = {h.category for h in sent_hits}
    if "recipient_op" in cats and not cats & {"procurement", "procedure_step", "donor"}:
        return True
    party = [h for h in sent_hits if h.end <= ev.start and h.category in ("donor", "recipient", "death_declaration")]
    if party and party[-1].category == "recipient":
        h = party[-1]
        return not _BOTH_PARTIES.search(folded[max(0, h.start - 12):h.start])
    return False


def _death_event(hits: list[Hit], sents, i: int, ev: Hit) -> Hit | None:
    """The death event the airway is read against: in its sentence, else the nearest before it
    within two sentences. A definition ("自主呼吸丧失的脑死亡") is still a death event."""
    lo, hi = sents[i]
    deaths = _longest([h for h in hits if h.category == "death_declaration"
                       and sents[max(0, i - 2)][0] <= h.start < hi])
    same = [d for d in deaths if d.start >= lo]
    if same:
        before = [d for d in same if d.end <= ev.start]
        return before[-1] if before else same[0]
    return deaths[-1] if deaths else None


def _order(folded: str, sent: tuple[int, int], death: Hit, ev: Hit, zh: bool) -> Order:
    lo, hi = sent
    if death.start < lo:  # an earlier sentence: narrative order
        return Order.DEATH_THEN_AIRWAY
    if zh:
        after_death = [w for _, _, w in words_zh(folded, death.end, min(hi, death.end + 4))][:1]
        if death.end <= ev.start:
            return Order.AIRWAY_THEN_DEATH if set(after_death) & _BEFORE_ZH else Order.DEATH_THEN_AIRWAY
        between = folded[ev.end:death.start]  # "气管插管于（供体）脑死亡后进行"
        if set(after_death) & _AFTER_ZH and re.fullmatch(r"(?:均|都|则)?(?:于|在)[^，,；;。]{0,4}", between):
            return Order.DEATH_THEN_AIRWAY
        return Order.AIRWAY_THEN_DEATH
    return _order_en(folded[lo:hi], death.start - lo, death.end - lo, ev.start - lo, ev.end - lo)


def _order_en(sentence: str, d0: int, d1: int, a0: int, a1: int) -> Order:
    """Event order from the dependency parse: the clause or phrase each event sits in, the
    temporal connective that introduces it (after/once/upon/following; before/prior to/until),
    and the verbs follow/precede; otherwise the order of the telling."""
    doc = parse_en(sentence)
    d = doc.char_span(d0, d1, alignment_mode="expand")
    a = doc.char_span(a0, a1, alignment_mode="expand")
    text_order = Order.DEATH_THEN_AIRWAY if d0 < a0 else Order.AIRWAY_THEN_DEATH
    if d is None or a is None:
        return text_order
    d_root, a_root = d.root, a.root
    d_anc = [d_root, *d_root.ancestors]
    a_anc = [a_root, *a_root.ancestors]
    common = next((t for t in d_anc if t in a_anc), None)
    d_path = d_anc[:d_anc.index(common)] if common is not None else d_anc
    a_path = a_anc[:a_anc.index(common)] if common is not None else a_anc

    def connective(path) -> str | None:
        """The temporal connective introducing the phrase or clause an event sits in: a
        preposition above it (after brain death, prior to declaration) or the marker of a
        clause above it (once brain death had been confirmed)."""
        for t in path:
            marks = [t] if t.dep_ in ("prep", "mark", "advmod", "pcomp") else []
            marks += [c for c in t.children if c.dep_ == "mark"]
            for c in marks:
                if c.lower_ in _AFTER_EN:
                    return "after"
                if c.lower_ in _BEFORE_EN:
                    return "before"
        return None

    cd, ca = connective(d_path), connective(a_path)
    if cd == "after" or ca == "before":
        return Order.DEATH_THEN_AIRWAY
    if cd == "before" or ca == "after":
        return Order.AIRWAY_THEN_DEATH
    if common is not None and common.lower_.startswith(("follow", "preced")):
        passive = any(c.dep_ == "auxpass" for c in common.children)
        a_subject = any(t.dep_.startswith("nsubj") for t in a_path)
        d_subject = any(t.dep_.startswith("nsubj") for t in d_path)
        if a_subject or d_subject:
            first_is_subject = common.lower_.startswith("preced") != passive
            airway_first = a_subject == first_is_subject
            return Order.AIRWAY_THEN_DEATH if airway_first else Order.DEATH_THEN_AIRWAY
    return text_order


def _procurement_passage(window: list[Hit], donor_died_first: bool) -> bool:
    """Donor or procurement words with operation steps; or a named donor whose death precedes
    the airway; or several operation steps and no sign of a recipient's operation."""
    cats = {h.category for h in window}
    steps = {h.term for h in window if h.category in ("procedure_step", "procurement")}
    donorish = bool(cats & {"donor", "death_declaration", "procurement"})
    if steps and donorish:
        return True
    if donor_died_first:
        return True
    return len(steps) >= 2 and not cats & {"recipient", "recipient_op"}


def read_breathing_donor(text: str, folded: str, hits: list[Hit]) -> Flag | None:
    """Procurement described on a donor still breathing spontaneously (not "loss of" / "no"
    spontaneous breathing, which is the definition of brain death)."""
    sents = sentences(text)  # the original: capitals mark sentence starts
    starts = [lo for lo, _ in sents]
    for b in (h for h in hits if h.category == "breathing"):
        i = max(0, _index(starts, b.start))
        lo, hi = sents[i]
        w_hi = sents[i + 1][1] if i + 1 < len(sents) else hi
        procure = [h for h in hits if h.category in ("procurement", "procedure_step") and lo <= h.start < w_hi]
        c_lo, _ = clause(folded, lo, hi, b.start)
        before = folded[c_lo:b.start]
        if is_chinese(before):
            if _NEG_ZH & {w for _, _, w in words_zh(folded, c_lo, b.start)}:
                continue
        elif re.search(r"\b(?:no|not|without|never|loss|lost|absence|absent|cessation|ceased)\b", before):
            continue
        if procure:
            return Flag(RULE, "procurement is described on a donor who was still breathing spontaneously",
                        (Evidence.of(text, lo, w_hi, "passage"), Evidence.of(text, b.start, b.end, "breathing"),
                         Evidence.of(text, procure[0].start, procure[0].end, "procurement")))
    return None
