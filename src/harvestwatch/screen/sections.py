"""Sections of a paper's text (title, abstract, methods, ethics statement, acknowledgements,
references …) from its headings, in English and Chinese.

A heading is a short line of its own (numbered or not: "2. Methods", "1 资料与方法",
"Ethics approval and consent to participate"). Numbered sub-headings ("1.1 一般资料") keep
the section of their parent unless they name one themselves. Text before the first heading
is the front matter (title and abstract).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# (kind, heading pattern) — first match wins.
_KINDS = (
    ("references", r"references?|bibliography|literature cited|参考文献|參考文獻"),
    ("acknowledgements", r"acknowledge?ments?|funding|financial support|致\s*谢|致\s*謝|基金项目|基金"),
    ("ethics", r"ethic(?:s|al)\b.*|.*\bethics (?:approval|statement)\b.*|informed consent|"
               r"consent (?:to participate|for publication)|statement of (?:ethics|human rights)|"
               r"伦理.*|倫理.*|知情同意"),
    ("declarations", r"declarations?|conflicts? of interest(?: statement)?|competing interests?|author contributions?|"
                     r"data availability.*|利益冲突.*|作者贡献.*"),
    ("abstract", r"abstract|summary|摘\s*要|提要"),
    ("introduction", r"introduction|background|引\s*言|前\s*言|背景"),
    ("methods", r"(?:(?:patients?|subjects?|materials?|donors?|participants?)\s+and\s+)?methods?|"
                r"methodology|study design|(?:materials?|patients?) and methods|clinical data|"
                r"(?:资料|材料|对象|對象|資料)(?:与|和|與)方法|方法|一般资料|临床资料|病例资料"),
    ("results", r"results?|findings|结\s*果|結\s*果"),
    ("discussion", r"discussion|comment|讨\s*论|討\s*論"),
    ("conclusions", r"conclusions?|结\s*论|結\s*論|小结"),
)
_NUMBER = r"(?:[0-9]+(?:\.[0-9]+)*\.?|[ivx]+\.|[一二三四五六七八九十]+[、.．])?"
_HEADINGS = tuple((kind, re.compile(rf"^\s*{_NUMBER}\s*[\[［【]?\s*(?:{pat})\s*[\]］】]?\s*[:：.]?\s*$", re.I))
                  for kind, pat in _KINDS)
_SUB = re.compile(r"^\s*[0-9]+\.[0-9]+")  # 1.1, 2.3.1: a sub-heading
_LINE = re.compile(r"[^\n]*\n?")


@dataclass(frozen=True)
class Section:
    kind: str  # front | abstract | introduction | methods | results | discussion | conclusions | ethics
    #            | declarations | acknowledgements | references
    start: int
    end: int
    heading: str
    body: int  # where the text after the heading line starts


def heading_kind(line: str) -> str | None:
    """The section a heading line opens, or None when the line is no heading."""
    line = line.strip()
    if len(line) > 70 or not line or len(line.split()) > 8 or (line[-1] in ".。" and len(line.split()) > 3):
        return None  # headings are short and are no sentences
    for kind, rx in _HEADINGS:
        if rx.match(line):
            return kind
    return None


def sections(text: str) -> list[Section]:
    """The text cut at its headings; one front section when it has none."""
    marks: list[tuple[int, str, str, int]] = []
    for m in _LINE.finditer(text):
        line = m.group().rstrip("\n")
        kind = heading_kind(line)
        if kind is None:
            continue
        if _SUB.match(line) and marks and kind not in ("ethics", "acknowledgements", "references"):
            continue  # "1.1 方法学" stays in its parent section
        marks.append((m.start(), kind, line.strip(), m.end()))
        if m.end() >= len(text):
            break
    out, pos, kind, heading, body = [], 0, "front", "", 0
    for start, k, h, b in marks:
        if start > pos:
            out.append(Section(kind, pos, start, heading, body))
        pos, kind, heading, body = start, k, h, b
    out.append(Section(kind, pos, len(text), heading, body))
    return [s for s in out if s.end > s.start] or [Section("front", 0, len(text), "", 0)]


class SectionMap:
    """Which section an offset falls in."""

    def __init__(self, text: str):
        self.sections = sections(text)
        self._starts = [s.start for s in self.sections]

    def at(self, pos: int) -> Section:
        return self.sections[max(0, bisect.bisect_right(self._starts, pos) - 1)]

    @property
    def kinds(self) -> list[str]:
        return [s.kind for s in self.sections]
