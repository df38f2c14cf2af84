"""PRISMA 2020 flow diagram of a screening project, as standalone SVG.

Counts go identified → duplicates removed → screened → excluded (with reasons) → included →
flagged by the rules → concern confirmed by reviewers. Each main box has its side box(es) so
that the numbers on a level add up, which is what a reader checks first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from harvestwatch.screen.dedupe import KEY_LABELS
from harvestwatch.screen.review import REASON_LABELS


@dataclass
class PrismaCounts:
    project: str
    sources: list[tuple[str, int]]  # file name, records identified in it
    duplicates: dict[str, int]  # by dedupe key
    awaiting: int  # not yet decided by enough reviewers
    one_vote: int  # of those, decided by one of two reviewers so far
    resolved: int  # final after a disagreement was resolved
    conflicts: int  # decided, reviewers disagree, not yet resolved
    excluded: dict[str, int]  # by reason code
    flagged_by_rule: dict[str, int]  # included records per rule (a record may have several)
    flagged: int  # included records with at least one rule flag
    flag_wrong: int  # flagged, reviewers judged the flag wrong
    confirmed_flagged: int  # flagged, concern confirmed
    confirmed_unflagged: int  # concern confirmed by reviewers without a rule flag
    reviewers: int = 2
    not_run: int = 0  # included records the current rule version has not read yet
    kappa: str = ""  # Kappa.describe() or ""
    stopping: str = ""  # the stopping-rule line, or ""
    notes: list[str] = field(default_factory=list)

    @property
    def identified(self) -> int:
        return sum(n for _, n in self.sources)

    @property
    def removed(self) -> int:
        return sum(self.duplicates.values())

    @property
    def after_dedupe(self) -> int:
        return self.identified - self.removed

    @property
    def screened(self) -> int:
        return self.after_dedupe - self.awaiting - self.conflicts

    @property
    def n_excluded(self) -> int:
        return sum(self.excluded.values())

    @property
    def included(self) -> int:
        return self.screened - self.n_excluded

    @property
    def confirmed(self) -> int:
        return self.confirmed_flagged + self.confirmed_unflagged

    def to_dict(self) -> dict:
        return {"project": self.project, "identified": self.identified, "sources": dict(self.sources),
                "duplicates_removed": self.removed, "duplicates": self.duplicates,
                "after_duplicates_removed": self.after_dedupe, "awaiting_screening": self.awaiting,
                "decided_by_one_reviewer": self.one_vote, "resolved": self.resolved,
                "awaiting_resolution": self.conflicts, "screened": self.screened,
                "excluded": self.n_excluded, "excluded_by_reason": self.excluded,
                "included": self.included, "flagged": self.flagged,
                "flagged_by_rule": self.flagged_by_rule, "flag_wrong": self.flag_wrong,
                "confirmed": self.confirmed, "confirmed_flagged": self.confirmed_flagged,
                "confirmed_unflagged": self.confirmed_unflagged, "reviewers": self.reviewers,
                "included_not_run_by_rules": self.not_run,
                "kappa": self.kappa, "stopping": self.stopping}


FONT = 12.5
LINE = 17
PAD = 10
MAIN_X, MAIN_W = 58, 400
SIDE_X, SIDE_W = 508, 372
WIDTH = 900


def _cells(text: str) -> float:
    """Width of a text in units of an average Latin character (wide CJK characters count 1.8)."""
    return sum(1.8 if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in text)


def _wrap(text: str, width_px: float) -> list[str]:
    limit = (width_px - 2 * PAD) / (FONT * 0.55)
    lines, cur = [], ""
    for word in text.split(" "):
        cand = f"{cur} {word}".strip()
        if _cells(cand) <= limit or not cur:
            cur = cand
        else:
            lines.append(cur)
            cur = word
        while _cells(cur) > limit:  # an unbreakable run (a long file name, CJK text)
            cut = max(1, int(limit))
            while _cells(cur[:cut]) > limit:
                cut -= 1
            lines.append(cur[:cut])
            cur = cur[cut:]
    return lines + ([cur] if cur else [])


@dataclass
class _Box:
    x: float
    w: float
    head: str
    items: list[str]
    y: float = 0.0
    fill: str = "#ffffff"

    def lines(self) -> list[tuple[str, int]]:
        """(text, style): 0 heading, 1 bulleted item, 2 continuation of an item, 3 aside."""
        out = [(t, 0) for t in _wrap(self.head, self.w)]
        for item in self.items:
            aside = item.startswith("(")
            out += [(("" if aside or i else "• ") + t, 3 if aside else 1 if i == 0 else 2)
                    for i, t in enumerate(_wrap(item, self.w - 14))]
        return out

    @property
    def h(self) -> float:
        return len(self.lines()) * LINE + 2 * PAD - 3

    def svg(self) -> str:
        parts = [f'<rect x="{self.x}" y="{self.y:.0f}" width="{self.w}" height="{self.h:.0f}" rx="4" '
                 f'fill="{self.fill}" stroke="#333" stroke-width="1.2"/>']
        styles = {0: ' font-weight="bold"', 1: "", 2: "", 3: ' font-style="italic" fill="#555"'}
        for i, (t, style) in enumerate(self.lines()):
            x = self.x + PAD + (11 if style == 2 else 0)  # continuation lines under the item's text
            parts.append(f'<text x="{x}" y="{self.y + PAD + 12 + i * LINE:.0f}"{styles[style]}>'
                         f"{escape(t)}</text>")
        return "\n".join(parts)


def _n(n: int) -> str:
    return f"(n = {n:,})"


def _phase(label: str, top: float, bottom: float) -> str:
    mid = (top + bottom) / 2
    return (f'<rect x="8" y="{top:.0f}" width="32" height="{bottom - top:.0f}" rx="4" fill="#dce6f2" '
            f'stroke="#8aa4c8"/><text x="24" y="{mid:.0f}" text-anchor="middle" font-weight="bold" '
            f'transform="rotate(-90 24 {mid:.0f})">{escape(label)}</text>')


def _down(x: float, y1: float, y2: float) -> str:
    return f'<line x1="{x}" y1="{y1:.0f}" x2="{x}" y2="{y2 - 1:.0f}" stroke="#333" marker-end="url(#arrow)"/>'


def _side_arrows(main: _Box, sides: list[_Box]) -> list[str]:
    """One line out of the main box; with several side boxes a trunk branches to each."""
    ys = [s.y + s.h / 2 for s in sides]
    start = min(max(ys[0], main.y + 10), main.y + main.h - 10)
    if len(sides) == 1:
        ys[0] = start
        out = []
    else:
        trunk = (MAIN_X + MAIN_W + SIDE_X) / 2
        out = [f'<line x1="{MAIN_X + MAIN_W}" y1="{start:.0f}" x2="{trunk}" y2="{start:.0f}" stroke="#333"/>',
               f'<line x1="{trunk}" y1="{min(start, *ys):.0f}" x2="{trunk}" y2="{max(start, *ys):.0f}" '
               f'stroke="#333"/>']
    x1 = MAIN_X + MAIN_W if len(sides) == 1 else (MAIN_X + MAIN_W + SIDE_X) / 2
    out += [f'<line x1="{x1}" y1="{y:.0f}" x2="{SIDE_X - 1}" y2="{y:.0f}" stroke="#333" '
            f'marker-end="url(#arrow)"/>' for y in ys]
    return out


def flow_svg(c: PrismaCounts) -> str:
    """The diagram for ``c``; deterministic for the same counts."""
    sources = sorted(c.sources, key=lambda s: (-s[1], s[0]))
    src_items = [f"{name}: {n:,}" for name, n in sources[:6]]
    if len(sources) > 6:
        src_items.append(f"{len(sources) - 6} more file(s): {sum(n for _, n in sources[6:]):,}")
    dup_items = [f"{KEY_LABELS.get(k, k)}: {n:,}" for k, n in sorted(c.duplicates.items(),
                                                                        key=lambda kv: (-kv[1], kv[0])) if n]
    review = ("each record decided by two independent reviewers" if c.reviewers >= 2
              else "each record decided by one reviewer")
    screened_items = [review] + ([c.kappa] if c.kappa else []) + (
        [f"disagreements resolved by a third reviewer or consensus: {c.resolved:,}"] if c.reviewers >= 2 else [])
    reason_items = [f"{REASON_LABELS.get(k, k)}: {n:,}" for k, n in sorted(c.excluded.items(),
                                                                             key=lambda kv: (-kv[1], kv[0])) if n]
    rule_items = [f"{rule}: {n:,}" for rule, n in sorted(c.flagged_by_rule.items(),
                                                          key=lambda kv: (-kv[1], kv[0])) if n]
    if rule_items:
        rule_items.append("(a record can carry several rules)")
    if c.not_run:
        rule_items.append(f"({c.not_run:,} included record(s) not yet read by the current rules: "
                          "run 'harvestwatch screen run')")
    unassessed = c.flagged - c.flag_wrong - c.confirmed_flagged
    rows: list[tuple[str | None, _Box, list[_Box]]] = [
        ("Identification",
         _Box(MAIN_X, MAIN_W, f"Records identified {_n(c.identified)}", src_items),
         [_Box(SIDE_X, SIDE_W, f"Duplicate records removed {_n(c.removed)}", dup_items, fill="#f6f6f6")]),
        ("Screening",
         _Box(MAIN_X, MAIN_W, f"Records after duplicates removed {_n(c.after_dedupe)}", []),
         [_Box(SIDE_X, SIDE_W, f"Awaiting screening {_n(c.awaiting)}",
               ([f"decided by one reviewer so far: {c.one_vote:,}"] if c.reviewers >= 2 else [])
               + ([c.stopping] if c.stopping else []), fill="#f6f6f6"),
          _Box(SIDE_X, SIDE_W, f"Reviewers disagree, awaiting resolution {_n(c.conflicts)}", [],
               fill="#f6f6f6")]),
        (None,
         _Box(MAIN_X, MAIN_W, f"Records screened, decision final {_n(c.screened)}", screened_items),
         [_Box(SIDE_X, SIDE_W, f"Records excluded {_n(c.n_excluded)}", reason_items, fill="#f6f6f6")]),
        ("Included",
         _Box(MAIN_X, MAIN_W, f"Records included {_n(c.included)}", []),
         [_Box(SIDE_X, SIDE_W, f"Not flagged by any screening rule {_n(c.included - c.flagged)}", [],
               fill="#f6f6f6")]),
        (None,
         _Box(MAIN_X, MAIN_W, f"Flagged by the screening rules {_n(c.flagged)}", rule_items),
         [_Box(SIDE_X, SIDE_W, f"Flag judged wrong by reviewers {_n(c.flag_wrong)}", [], fill="#f6f6f6"),
          _Box(SIDE_X, SIDE_W, f"Flagged, no concern confirmed (yet) {_n(unassessed)}", [],
               fill="#f6f6f6")]),
        (None,
         _Box(MAIN_X, MAIN_W, f"Ethical concern confirmed by reviewers {_n(c.confirmed)}",
              [f"flagged by the rules: {c.confirmed_flagged:,}",
               f"raised by reviewers without a rule flag: {c.confirmed_unflagged:,}"], fill="#fdf1e6"),
         []),
    ]
    body, y, gap = [], 58.0, 30.0
    phases: list[tuple[str, float, float]] = []
    prev_bottom = None
    for phase, main, sides in rows:
        side_h = sum(s.h for s in sides) + 8 * max(0, len(sides) - 1)
        height = max(main.h, side_h)
        main.y = y + (height - main.h) / 2 if not sides else y
        sy = y
        for s in sides:
            s.y = sy
            sy += s.h + 8
        if prev_bottom is not None:
            body.append(_down(MAIN_X + MAIN_W / 2, prev_bottom, main.y))
        body.append(main.svg())
        body += [s.svg() for s in sides]
        if sides:
            body += _side_arrows(main, sides)
        if phase:
            phases.append((phase, y, 0.0))
        phases[-1] = (phases[-1][0], phases[-1][1], y + height)
        prev_bottom = main.y + main.h
        y += height + gap
    height = y - gap + 16
    notes = [f"Project {c.project}. PRISMA 2020 flow (Page et al., BMJ 2021;372:n71)."] + c.notes
    note_svg = "".join(f'<text x="{MAIN_X}" y="{height + 14 + i * LINE:.0f}" font-size="11" fill="#444">'
                       f"{escape(t)}</text>" for i, t in enumerate(notes))
    total_h = height + 14 + len(notes) * LINE
    title = f"PRISMA 2020 flow diagram, screening project {c.project}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{total_h:.0f}" '
            f'viewBox="0 0 {WIDTH} {total_h:.0f}" font-family="Helvetica, Arial, \'Noto Sans CJK SC\', sans-serif" '
            f'font-size="{FONT}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">\n'
            f"<title>{escape(title)}</title>\n"
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
            "</marker></defs>\n"
            f'<rect width="{WIDTH}" height="{total_h:.0f}" fill="#fff"/>\n'
            f'<text x="{MAIN_X}" y="30" font-size="16" font-weight="bold">{escape(title)}</text>\n'
            + "\n".join(_phase(p, top, bottom) for p, top, bottom in phases) + "\n"
            + "\n".join(body) + "\n" + note_svg + "\n</svg>\n")
