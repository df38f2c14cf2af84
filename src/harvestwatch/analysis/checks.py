"""Data checks that come before any verdict on a yearly series (METHODS §1).

Each check is a named finding with the rows it concerns: values carried forward or identical
across metrics, gaps, rows of another scope set aside (year-to-date, cumulative), approximate
or bounded values, years whose sources disagree, a series stitched from several sources, and
rows not marked verified. A series with blocking findings gets no verdict unless the user
chooses its rows (years, exact values only, one source file); some findings stay blocking
even then, because choosing rows cannot make a copied or approximate value a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harvestwatch.analysis.datasets import Dataset, Row, Selection

# Findings that a choice of rows accepts (the user has seen them); the others keep blocking.
ACCEPTED_BY_CHOICE = frozenset({"gaps", "mixed_sources"})
# Two equal consecutive values are suspicious only when counts are large enough that a tie
# by chance is rare; three in a row always are.
TIE_MIN_VALUE = 50


@dataclass(frozen=True)
class Finding:
    name: str
    summary: str
    rows: tuple[str, ...] = ()  # origins (file.csv:line) of the rows concerned
    years: tuple[int, ...] = ()
    blocking: bool = True

    def to_dict(self) -> dict:
        return {"name": self.name, "summary": self.summary, "rows": list(self.rows),
                "years": list(self.years), "blocking": self.blocking}


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    selection: Selection = field(default_factory=Selection)

    @property
    def unresolved(self) -> list[Finding]:
        """Blocking findings that the user's choice of rows has not resolved."""
        out = [f for f in self.findings if f.blocking]
        if self.selection.chosen:
            out = [f for f in out if f.name not in ACCEPTED_BY_CHOICE]
        return out

    @property
    def verdict_allowed(self) -> bool:
        return not self.unresolved

    def to_dict(self) -> dict:
        return {"findings": [f.to_dict() for f in self.findings],
                "unresolved": [f.name for f in self.unresolved],
                "selection": self.selection.describe(), "verdict_allowed": self.verdict_allowed}


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v == int(v) else f"{v:,.4g}"


def carried_forward(pairs: list[tuple[int, float]], used: list[Row]) -> Finding | None:
    runs, i = [], 0
    while i < len(pairs):
        j = i
        while (j + 1 < len(pairs) and pairs[j + 1][0] == pairs[j][0] + 1
               and pairs[j + 1][1] == pairs[i][1]):
            j += 1
        length = j - i + 1
        if length >= 3 or (length == 2 and pairs[i][1] >= TIE_MIN_VALUE):
            runs.append((i, j))
        i = j + 1
    if not runs:
        return None
    text = "; ".join(f"{_fmt(pairs[a][1])} in {pairs[a][0]}–{pairs[b][0]} ({b - a + 1} years)"
                     for a, b in runs)
    idx = [k for a, b in runs for k in range(a, b + 1)]
    return Finding("carried_forward", f"the same value repeats in consecutive years: {text}",
                   tuple(used[k].origin for k in idx), tuple(pairs[k][0] for k in idx))


def identical_across_metrics(name: str, pairs: list[tuple[int, float]], used: list[Row],
                             siblings: dict[str, Dataset], selection: Selection) -> Finding | None:
    """Another metric of the same country, from the same file, with the same values in ≥ 3 years.

    A metric and its part or alias (``deceased_donors`` / ``deceased_donors_DBD``,
    ``transplants_heart`` / ``transplants_heart_total``) may rightly be equal: not compared."""
    country, metric = name.split(":", 1)
    files = {r.file for r in used}
    mine = dict(pairs)
    hits = []
    for other_name, other in siblings.items():
        other_country, other_metric = other_name.split(":", 1)
        if other_name == name or other_country != country:
            continue
        if other_metric.startswith(metric) or metric.startswith(other_metric):
            continue
        o_pairs, o_used, _ = other.series(selection)
        same = [y for (y, v), r in zip(o_pairs, o_used, strict=True)
                if y in mine and mine[y] == v and r.file in files and v >= TIE_MIN_VALUE]
        if len(same) >= 3:
            hits.append((other_name, same))
    if not hits:
        return None
    text = "; ".join(f"{n} in {', '.join(map(str, ys))}" for n, ys in hits)
    years = sorted({y for _, ys in hits for y in ys})
    return Finding("identical_across_metrics", f"values identical to another metric from the same "
                   f"file: {text}", tuple(r.origin for r in used if r.year in years), tuple(years))


def gaps(pairs: list[tuple[int, float]]) -> Finding | None:
    if not pairs:
        return None
    have = {y for y, _ in pairs}
    missing = [y for y in range(pairs[0][0], pairs[-1][0] + 1) if y not in have]
    if not missing:
        return None
    return Finding("gaps", f"{len(missing)} year(s) missing between {pairs[0][0]} and {pairs[-1][0]}: "
                   f"{', '.join(map(str, missing))}; fitted lines are not drawn across them",
                   (), tuple(missing))


def set_aside_scopes(dataset: Dataset, selection: Selection, years: set[int]) -> Finding | None:
    rows = [r for r in dataset.rows if r.year is not None and r.scope != "annual"
            and selection.keeps(r)]
    if not rows:
        return None
    kinds = sorted({r.scope.replace("_", "-") for r in rows})
    return Finding("mixed_scopes", f"{len(rows)} row(s) are {', '.join(kinds)} figures, not yearly "
                   f"totals; they are set aside, never used as a year's value",
                   tuple(r.origin for r in rows), tuple(sorted({r.year for r in rows})), blocking=False)


def approximate(used: list[Row]) -> Finding | None:
    rows = [r for r in used if r.qualifier != "exact"]
    if not rows:
        return None
    text = "; ".join(f"{r.year} {_fmt(r.value)} ({r.qualifier.replace('_', ' ')})" for r in rows)
    return Finding("approximate_or_bounded", f"values that are not exact counts: {text} "
                   f"(--exclude-approx leaves them out)", tuple(r.origin for r in rows),
                   tuple(r.year for r in rows))


def conflicting(conflicts: dict[int, list[Row]], pinned: tuple[str, ...] = ()) -> Finding | None:
    """Years whose sources disagree; years where the user pinned a row are listed, not blocking."""
    open_ = {y: rows for y, rows in conflicts.items() if not any(r.origin in pinned for r in rows)}
    if not open_:
        if not conflicts:
            return None
        text = "; ".join(f"{y}: " + " vs ".join(sorted({_fmt(r.value) for r in rows}))
                         for y, rows in sorted(conflicts.items()))
        return Finding("conflicting_sources", f"sources disagree ({text}); the user chose the row "
                       f"for each of these years", tuple(r.origin for rows in conflicts.values()
                                                          for r in rows), tuple(sorted(conflicts)),
                       blocking=False)
    conflicts = open_
    text = "; ".join(f"{y}: " + " vs ".join(sorted({_fmt(r.value) for r in rows}))
                     for y, rows in sorted(conflicts.items()))
    return Finding("conflicting_sources", f"sources disagree on a year's value: {text} "
                   f"(--source FILE takes one file's rows, --row FILE:LINE picks one)",
                   tuple(r.origin for rows in conflicts.values() for r in rows), tuple(sorted(conflicts)))


def mixed_sources(used: list[Row]) -> Finding | None:
    by_file: dict[str, list[int]] = {}
    for r in used:
        by_file.setdefault(r.file, []).append(r.year)
    if len(by_file) < 2:
        return None
    text = "; ".join(f"{f}: {', '.join(map(str, ys))}" for f, ys in by_file.items())
    return Finding("mixed_sources", f"the series is stitched from {len(by_file)} files: {text}",
                   tuple(r.origin for r in used), tuple(r.year for r in used))


def unverified(used: list[Row]) -> Finding | None:
    rows = [r for r in used if not r.is_verified]
    if not rows:
        return None
    text = "; ".join(f"{r.year} ({r.verified or 'not marked'})" for r in rows)
    return Finding("unverified", f"rows whose quote was not verified at the source: {text}",
                   tuple(r.origin for r in rows), tuple(r.year for r in rows))


def check_series(dataset: Dataset, selection: Selection | None = None,
                 siblings: dict[str, Dataset] | None = None) -> CheckReport:
    """Every data check on the series ``dataset`` gives under ``selection``."""
    sel = selection or Selection()
    pairs, used, conflicts = dataset.series(sel)
    found = [carried_forward(pairs, used),
             identical_across_metrics(dataset.name, pairs, used, siblings or {}, sel),
             gaps(pairs), set_aside_scopes(dataset, sel, {y for y, _ in pairs}),
             approximate(used), conflicting(conflicts, sel.rows), mixed_sources(used), unverified(used)]
    return CheckReport([f for f in found if f is not None], sel)
