"""Figures about a hospital found in a document, proposed as registry facts for review.

A quantity (beds, transplants, waits, staff) — or any statement — is attributed to a hospital
when its sentence names it; otherwise to the hospital named last before it in the same
paragraph; otherwise, when the whole document names exactly one registry hospital, to that one. The reason is kept
with the proposal so a reviewer sees why. Nothing here stores anything: proposals wait for a
reviewer (``services.registry.review_proposal``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harvestwatch.core.registry import Proposal
from harvestwatch.registry.names import NameMatch

_SENTENCE_END = re.compile(r"[。！？!?；;]|\.(?=\s|$)|\n")
_TRANSPLANT_CUE = re.compile(r"transplant|移植", re.I)
_STAFF_CUE = re.compile(r"doctor|physician|surgeon|specialist|staff|医生|医师|醫生|醫師|专家|專家|医护|醫護", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:年|(?!\d))")
_WAIT_DAYS = {"hours": 1 / 24, "hour": 1 / 24, "days": 1, "day": 1, "weeks": 7, "week": 7,
              "months": 30, "month": 30, "years": 365, "year": 365}


@dataclass(frozen=True)
class QuantityRef:
    """What proposal-making needs of an extracted quantity (store item or fresh extraction)."""

    start: int
    end: int
    what: str
    low: float | None
    high: float | None
    value: float | None
    unit: str
    qualifier: str | None
    time_scope: str | None
    text: str


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    m = _SENTENCE_END.search(text, pos)
    end = m.end() if m else len(text)
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _paragraph_start(text: str, pos: int) -> int:
    i = text.rfind("\n", 0, pos)
    return 0 if i < 0 else i + 1


def _metric(q: QuantityRef, sentence: str) -> tuple[str, float, float | None, str] | None:
    """(metric, value, value_high, unit) for a quantity, or None when it is not a registry figure."""
    low = q.low if q.low is not None else q.value
    if low is None:
        return None
    high = q.high if q.high is not None and q.high != low else None
    if q.what == "beds":
        metric = "transplant_beds" if _TRANSPLANT_CUE.search(sentence) else "beds"
        return metric, low, high, "beds" + (f" ({q.qualifier})" if q.qualifier else "")
    if q.what == "transplants":
        per_year = (q.time_scope or "").startswith("per year") or "/year" in q.unit
        metric = "transplants_per_year" if per_year else "transplants_performed"
        return metric, low, high, "transplants" + (f" ({q.qualifier})" if q.qualifier else "")
    if q.what == "wait_time":
        factor = _WAIT_DAYS.get(q.unit, 1)
        return ("advertised_wait", low * factor, high * factor if high is not None else None,
                f"days (written as {q.text.strip()})")
    if q.what == "other" and q.unit == "persons" and _STAFF_CUE.search(q.text):
        return "staff", low, high, q.text.strip()
    return None


def _year(q: QuantityRef, sentence: str) -> int | None:
    if q.time_scope and re.fullmatch(r"(19|20)\d\d", q.time_scope):
        return int(q.time_scope)
    years = _YEAR.findall(sentence)
    return int(years[0]) if len(set(years)) == 1 else None


NEARBY = 400  # characters: how far back a named hospital still frames what follows (loose mode)


def attribute(text: str, matches: list[NameMatch], pos: int, *,
              loose: bool = True) -> tuple[str, str] | None:
    """The hospital a statement at ``pos`` is about, with the reason, or None.

    Named in its sentence (the nearest before it when several are); else named last before it
    in the same paragraph. ``loose`` (for proposals a reviewer checks) also accepts the
    hospital named last within ``NEARBY`` characters before it — interview transcripts name
    the hospital once, then quote the call line by line — and else the only registry
    hospital the document names.
    """
    if not matches:
        return None
    s_start, s_end = sentence_bounds(text, pos)
    in_sentence = [m for m in matches if s_start <= m.start < s_end]
    if len({m.hospital_id for m in in_sentence}) == 1:
        return in_sentence[0].hospital_id, f"named in the sentence as “{in_sentence[0].text}”"
    if in_sentence:
        near = [m for m in in_sentence if m.start < pos] or in_sentence
        return near[-1].hospital_id, (f"nearest of {len({m.hospital_id for m in in_sentence})} "
                                      f"hospitals named in the sentence (“{near[-1].text}”)")
    before = [m for m in matches if _paragraph_start(text, pos) <= m.start < pos]
    if before:
        return before[-1].hospital_id, f"named last before it in the paragraph as “{before[-1].text}”"
    if not loose:
        return None
    nearby = [m for m in matches if pos - NEARBY <= m.start < pos]
    if nearby:
        m = nearby[-1]
        return m.hospital_id, f"named last before it, {pos - m.end} characters earlier, as “{m.text}”"
    if len({m.hospital_id for m in matches}) == 1:
        return matches[0].hospital_id, "the only registry hospital the document names"
    return None


def propose(text: str, document_sha256: str, matches: list[NameMatch],
            quantities: list[QuantityRef]) -> list[Proposal]:
    """Proposals for every registry-relevant quantity that can be tied to a named hospital."""
    out: list[Proposal] = []
    for q in quantities:
        s_start, s_end = sentence_bounds(text, q.start)
        sentence = text[s_start:s_end]
        reading = _metric(q, sentence)
        if reading is None:
            continue
        who = attribute(text, matches, q.start)
        if who is None:
            continue
        metric, value, high, unit = reading
        out.append(Proposal(hospital_id=who[0], metric=metric, value=value, value_high=high,
                            unit=unit, year=_year(q, sentence), document_sha256=document_sha256,
                            start=s_start, end=s_end, quote=sentence.strip(), reason=who[1],
                            item_start=q.start, item_end=q.end))
    return out


def quantity_from_item(item: dict) -> QuantityRef:
    """A stored ``extracted_items`` quantity row as a ``QuantityRef``."""
    d = item.get("data") or {}
    return QuantityRef(item["start"], item["end"], d.get("what") or item.get("label") or "other",
                       d.get("low"), d.get("high"), d.get("value"), d.get("unit") or "",
                       d.get("qualifier"), d.get("time_scope"), item.get("text") or "")


def quantities_in(text: str, language: str) -> list[QuantityRef]:
    """Fresh quantity extraction, for documents stored without extracted items."""
    from harvestwatch.extract.quantities import extract_quantities
    from harvestwatch.extract.zh_quantities import extract_quantities_zh

    found = extract_quantities_zh(text) if language == "zh" else extract_quantities(text)
    return [quantity_from_item(m.to_item().to_dict()) for m in found]
