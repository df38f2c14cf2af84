"""Where a claim comes from: the origin a document attributes it to, for counting independence.

A claim inside a testimony comes from its speaker; a claim in a sentence that says
"according to X", "X reports/said/notes", "cited by X" comes from X; otherwise it is the
document's own (its site, else the document itself). Two documents repeating the Daily
Mail are one line of evidence: the Daily Mail.
"""

from __future__ import annotations

import re

_WORD = r"[A-Z][\w’'&-]*(?:\.[\w’'&-]+)*"  # "U.S" but never a sentence's full stop
_NAME = _WORD + r"(?:[ \xa0]+(?:(?:of|for|and|on|the)[ \xa0]+)?" + _WORD + r"){0,6}"
_ATTRIBUTION = re.compile(
    r"\b[Aa]ccording to (?:the |a )?(" + _NAME + r")"
    r"|\b(?:the |The )?(" + _NAME + r")\s(?:reports?|reported|says|said|notes|noted|writes|"
    r"wrote|found|estimates?|estimated|claims?|told)\b"
    r"|\b(?:cited|quoted|reported) by (?:the )?(" + _NAME + r")")
_SKIP = {"It", "This", "That", "He", "She", "They", "We", "I", "The", "A", "An", "In", "But", "And"}


def sentence_of(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), text.rfind("。", 0, start)) + 1
    hi = [i for i in (text.find(". ", end), text.find("\n", end), text.find("。", end)) if i != -1]
    return lo, (min(hi) + 1 if hi else len(text))


def attributed_origin(text: str, start: int, end: int, resolve) -> str | None:
    """The named source the sentence around [start, end) attributes the claim to, if any."""
    lo, hi = sentence_of(text, start, end)
    for m in _ATTRIBUTION.finditer(text, lo, hi):
        name = next(g for g in m.groups() if g).strip()
        if name.split()[0] in _SKIP or len(name) < 3:
            continue
        return resolve(name)
    return None


def claim_origin(item: dict, doc: dict, testimonies: list[dict], resolve) -> tuple[str, str]:
    """(origin, how) for one claim item in document ``doc`` (dict with id, text, site, title)."""
    for t in testimonies:
        if t["document_id"] == item["document_id"] and t["start"] <= item["start"] and item["end"] <= t["end"]:
            return resolve(t["data"]["speaker"]), "quoted speaker"
    if item["item_type"] == "testimony":
        return resolve(item["data"]["speaker"]), "speaker"
    origin = attributed_origin(doc["text"], item["start"], item["end"], resolve)
    if origin:
        return origin, "attributed in the sentence"
    return (doc.get("site") or f"document {doc['id']}"), "the document's own claim"
