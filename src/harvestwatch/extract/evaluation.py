"""Scoring extraction against gold annotations (the format of shared/corpus/gold_seeds.jsonl).

For each field: precision = matched predictions / predictions, recall = matched gold
items / gold items; micro scores pool the counts of every field. Matching follows the
corpus README: entities by case-insensitive name or resolved alias; quantities by
overlapping span, value within 1% and the same ``what``; testimonies by speaker and
the first words of the quote; denials by overlapping span.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from harvestwatch.core.errors import InputError, ValidationError
from harvestwatch.extract.gazetteer import load_gazetteer
from harvestwatch.extract.pipeline import ExtractionResult, extract_many

# Gold lists hospitals among organisations (the README's fields have no hospital field).
ENTITY_FIELDS = {"people": ("person",), "organizations": ("organization", "hospital"),
                 "places": ("place",), "victim_groups": ("victim_group",), "organs": ("organ",),
                 "laws": ("law",)}
FIELDS = (*ENTITY_FIELDS, "quantities", "testimonies", "denials")
_QUOTES = "“”\"'‘’「」『』 \n"


@dataclass
class Counts:
    predicted: int = 0
    matched_predicted: int = 0
    gold: int = 0
    matched_gold: int = 0
    misses: list = field(default_factory=list)
    extras: list = field(default_factory=list)

    def scores(self) -> dict:
        p = self.matched_predicted / self.predicted if self.predicted else (1.0 if not self.gold else 0.0)
        r = self.matched_gold / self.gold if self.gold else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "predicted": self.predicted, "gold": self.gold}


def _norm(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip().lower())
    return name[4:] if name.startswith("the ") else name


def _names(name: str, aliases: list[str] | tuple[str, ...] = ()) -> set[str]:
    out = {_norm(name)} | {_norm(a) for a in aliases}
    entry = load_gazetteer().lookup(name)
    if entry is not None:
        out |= {_norm(f) for f in entry.surface_forms}
    return out


def _occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    spans, k = [], text.find(needle)
    while k != -1:
        spans.append((k, k + len(needle)))
        k = text.find(needle, k + 1)
    if not spans:  # tolerate whitespace differences (non-breaking spaces in the source)
        rx = re.compile(r"\s+".join(re.escape(w) for w in needle.split()))
        spans = [(m.start(), m.end()) for m in rx.finditer(text)]
    return spans


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a == b:
        return True
    return abs(a - b) <= 0.01 * max(abs(a), abs(b))


def _quantity_matches(gold: dict, pred, text: str) -> bool:
    if pred.quantity.what != gold.get("what"):
        return False
    if not any(pred.start < e and s < pred.end for s, e in _occurrences(text, gold["text"])):
        return False
    if "value" in gold:
        return _close(pred.quantity.value, float(gold["value"]))
    iv = pred.quantity.interval
    return _close(iv.low, float(gold["low"])) and _close(iv.high, float(gold["high"]))


def score_document(gold: dict, text: str, result: ExtractionResult, counts: dict[str, Counts]) -> None:
    """Add one document's matches to ``counts`` (field → Counts)."""
    for fld, labels in ENTITY_FIELDS.items():
        predicted: dict[str, set[str]] = {}
        for m in result.entities:
            if m.label in labels:
                predicted.setdefault(_norm(m.canonical), set()).update(_names(m.canonical, m.aliases))
        golds = {g: _names(g) for g in gold.get(fld, [])}
        c = counts[fld]
        c.predicted += len(predicted)
        c.gold += len(golds)
        for name, forms in predicted.items():
            if any(forms & gforms for gforms in golds.values()):
                c.matched_predicted += 1
            else:
                c.extras.append(f"{gold['doc']}: {name}")
        for g, gforms in golds.items():
            if any(forms & gforms for forms in predicted.values()):
                c.matched_gold += 1
            else:
                c.misses.append(f"{gold['doc']}: {g}")
    _score_items(counts["quantities"], gold, gold.get("quantities", []), result.quantities,
                 lambda g, p: _quantity_matches(g, p, text), lambda p: p.text, lambda g: g["text"])
    aliases = {}
    for m in result.entities:
        aliases.setdefault(_norm(m.canonical), set()).update(_names(m.canonical, m.aliases + [m.text]))

    def testimony_matches(g: dict, t) -> bool:
        speaker_forms = aliases.get(_norm(t.speaker or ""), _names(t.speaker or ""))
        if not (speaker_forms & _names(g["speaker"])):
            return False
        return t.quote.strip(_QUOTES).startswith(g["quote_start"].strip(_QUOTES))

    _score_items(counts["testimonies"], gold, gold.get("testimonies", []), result.testimonies,
                 testimony_matches, lambda t: f"{t.speaker}: {t.quote[:40]}",
                 lambda g: f"{g['speaker']}: {g['quote_start']}")
    denials = [s for s in result.stances if s.kind == "denial"]

    def denial_matches(g: str, s) -> bool:
        return any(s.start < e and b < s.end for b, e in _occurrences(text, g))

    _score_items(counts["denials"], gold, gold.get("denials", []), denials, denial_matches,
                 lambda s: s.text[:60], lambda g: g)


def _score_items(c: Counts, gold: dict, golds: list, preds: list, match, show_pred, show_gold) -> None:
    c.predicted += len(preds)
    c.gold += len(golds)
    for p in preds:
        if any(match(g, p) for g in golds):
            c.matched_predicted += 1
        else:
            c.extras.append(f"{gold['doc']}: {show_pred(p)}")
    for g in golds:
        if any(match(g, p) for p in preds):
            c.matched_gold += 1
        else:
            c.misses.append(f"{gold['doc']}: {show_gold(g)}")


def load_gold(path: str | Path) -> list[dict]:
    rows = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{path} line {i}", f"not JSON ({exc.msg})") from None
        if "doc" not in row:
            raise ValidationError(f"{path} line {i}", "missing field 'doc'")
        rows.append(row)
    return rows


def _declared_languages(docs_dir: Path) -> dict[str, str]:
    """Languages a corpus declares for its documents (``docs.jsonl`` beside or above the folder)."""
    for meta in (docs_dir / "docs.jsonl", docs_dir.parent / "docs.jsonl"):
        if meta.is_file():
            out = {}
            for line in meta.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line) if line.strip() else {}
                except json.JSONDecodeError:
                    raise ValidationError(str(meta), "a line is not JSON") from None
                if isinstance(row, dict) and row.get("doc") and row.get("lang"):
                    out[str(row["doc"])] = str(row["lang"])
            return out
    return {}


def _script_language(text: str, detected: str) -> str:
    """'en', 'zh' (simplified) or 'zh-Hant' when the Chinese text is written in traditional script."""
    if detected != "zh":
        return detected
    from harvestwatch.core.folding import fold_chinese

    changed = sum(a != b for a, b in zip(text, fold_chinese(text), strict=True))
    return "zh-Hant" if changed > 0.02 * len(text) else "zh"


def _summary(counts: dict[str, Counts]) -> dict:
    total = Counts(predicted=sum(c.predicted for c in counts.values()),
                   matched_predicted=sum(c.matched_predicted for c in counts.values()),
                   gold=sum(c.gold for c in counts.values()),
                   matched_gold=sum(c.matched_gold for c in counts.values()))
    micro = total.scores()
    return {"fields": {f: c.scores() for f, c in counts.items()},
            "micro_precision": micro["precision"], "micro_recall": micro["recall"],
            "micro_f1": micro["f1"]}


def evaluate(gold_path: str | Path, docs_dir: str | Path, *, details: bool = False) -> dict:
    """Precision/recall/F1 per field and micro-averaged over all fields, overall and per language
    (as ``docs.jsonl`` beside the documents declares it, else as detected: en, zh, zh-Hant)."""
    golds = load_gold(gold_path)
    texts = []
    for g in golds:
        path = Path(docs_dir) / g["doc"]
        if not path.exists():
            raise InputError(str(path), "document named in the gold file is missing")
        from harvestwatch.ingest.formats import parse_bytes

        texts.append(parse_bytes(path.read_bytes(), source=str(path))[0].text)
    results = extract_many(texts)
    declared = _declared_languages(Path(docs_dir))
    counts = {f: Counts() for f in FIELDS}
    by_lang: dict[str, dict[str, Counts]] = {}
    docs_per_lang: dict[str, int] = {}
    for g, text, result in zip(golds, texts, results, strict=True):
        score_document(g, text, result, counts)
        lang = declared.get(g["doc"]) or _script_language(text, result.language)
        score_document(g, text, result, by_lang.setdefault(lang, {f: Counts() for f in FIELDS}))
        docs_per_lang[lang] = docs_per_lang.get(lang, 0) + 1
    out = {"documents": len(golds), **_summary(counts),
           "languages": {lang: {"documents": docs_per_lang[lang], **_summary(c)}
                         for lang, c in sorted(by_lang.items())}}
    if details:
        out["errors"] = {f: {"missed": c.misses, "extra": c.extras} for f, c in counts.items()
                         if c.misses or c.extras}
    return out
