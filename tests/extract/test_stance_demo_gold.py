"""Stance readings scored against hand labels of the demo documents (tests/data/stance_demo_gold.json).

The labels give, per stance sentence, the kinds and actors a correct reading may give it; the
documents are split in two halves fixed before any rule was written (rules were developed on
``dev``; ``heldout`` measures them). Scored: allegation and denial, the kinds the corroboration
page counts. Run as a script to print the figures of both halves.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from harvestwatch.extract.pipeline import extract_many
from harvestwatch.services.demo import _root, manifest

GOLD = Path(__file__).resolve().parents[1] / "data" / "stance_demo_gold.json"
SCORED = ("allegation", "denial")


@dataclass
class Scores:
    kind_tp: int = 0
    kind_fp: int = 0
    kind_gold: int = 0
    kind_found: int = 0
    actor_named: int = 0  # predictions (right kind) naming an actor
    actor_named_ok: int = 0
    actor_required: int = 0  # gold sentences whose actor must be named
    actor_required_ok: int = 0
    actor_judged: int = 0  # predictions (right kind) whose actor is judged at all (None included)
    actor_judged_ok: int = 0

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def kind_p(self) -> float:
        return self._ratio(self.kind_tp, self.kind_tp + self.kind_fp)

    @property
    def kind_r(self) -> float:
        return self._ratio(self.kind_found, self.kind_gold)

    @property
    def actor_p(self) -> float:
        return self._ratio(self.actor_named_ok, self.actor_named)

    @property
    def actor_r(self) -> float:
        return self._ratio(self.actor_required_ok, self.actor_required)

    @property
    def actor_acc(self) -> float:
        return self._ratio(self.actor_judged_ok, self.actor_judged)

    def line(self) -> str:
        return (f"kind P {self.kind_p:.3f} ({self.kind_tp}/{self.kind_tp + self.kind_fp}) "
                f"R {self.kind_r:.3f} ({self.kind_found}/{self.kind_gold}) | "
                f"actor P {self.actor_p:.3f} ({self.actor_named_ok}/{self.actor_named}) "
                f"R {self.actor_r:.3f} ({self.actor_required_ok}/{self.actor_required}) "
                f"acc {self.actor_acc:.3f} ({self.actor_judged_ok}/{self.actor_judged})")


def _norm(name: str | None) -> str:
    name = unicodedata.normalize("NFKC", name or "").replace("•", "·").replace("・", "·")
    return re.sub(r"\b(?:the|a|an)\s+", "", re.sub(r"\s+", " ", name).strip().casefold())


@functools.cache
def _gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))


@functools.cache
def _predictions() -> dict[str, list]:
    docs, _ = manifest()
    texts = [(_root() / "documents" / d.file).read_text(encoding="utf-8") for d in docs]
    langs = ["zh" if d.language.startswith("zh") else "en" for d in docs]
    results = extract_many(texts, langs)
    return {d.id: r.stances for d, r in zip(docs, results, strict=True)}


def score(half: str) -> Scores:
    gold = _gold()
    ids = set(gold["split"][half])
    labels = [g for g in gold["labels"] if g["doc"] in ids]
    s = Scores()
    found: set[int] = set()
    for doc_id, stances in _predictions().items():
        if doc_id not in ids:
            continue
        for st in stances:
            if st.kind not in SCORED:
                continue
            overlaps = [(min(st.end, g["end"]) - max(st.start, g["start"]), k) for k, g in enumerate(labels)
                        if g["doc"] == doc_id and min(st.end, g["end"]) > max(st.start, g["start"])]
            if not overlaps:
                s.kind_fp += 1
                continue
            k = max(overlaps)[1]
            g = labels[k]
            if st.kind not in g["kinds"]:
                s.kind_fp += 1
                continue
            s.kind_tp += 1
            found.add(k)
            if g["actors"] is None:
                continue
            ok = _norm(st.actor) in {_norm(a) for a in g["actors"]}
            s.actor_judged += 1
            s.actor_judged_ok += ok
            if st.actor:
                s.actor_named += 1
                s.actor_named_ok += ok
    for k, g in enumerate(labels):
        if set(g["kinds"]) <= set(SCORED):
            s.kind_gold += 1
            s.kind_found += k in found
            if g["actors"] is not None and "" not in g["actors"]:
                s.actor_required += 1
                hits = [st for st in _predictions()[g["doc"]] if st.kind in g["kinds"]
                        and min(st.end, g["end"]) > max(st.start, g["start"])]
                s.actor_required_ok += any(_norm(st.actor) in {_norm(a) for a in g["actors"]} for st in hits)
    return s


def test_gold_labels_fit_the_demo_documents():
    """Every label names a demo document, lies inside its text and uses known kinds."""
    docs = {d.id: d for d in manifest()[0]}
    gold = _gold()
    assert set(gold["split"]["dev"]) | set(gold["split"]["heldout"]) == set(docs)
    assert not set(gold["split"]["dev"]) & set(gold["split"]["heldout"])
    for g in gold["labels"]:
        text = (_root() / "documents" / docs[g["doc"]].file).read_text(encoding="utf-8")
        assert 0 <= g["start"] < g["end"] <= len(text), g
        assert set(g["kinds"]) <= {"allegation", "denial", "condemnation", "legal_measure",
                                   "call_to_action", "none"}, g


@pytest.mark.parametrize("half,floors", [
    # floors a little below the figures reached; heldout (never tuned on) is the honest one.
    # Reached: dev kind P .938 R 1.0, actor P 1.0 R 1.0 acc 1.0; heldout kind P 1.0 R .800,
    # actor P 1.0 R .600 acc .917 (before: heldout kind P .700 R .667, actor P .455 R .400 acc .571)
    ("dev", {"kind_p": 0.9, "kind_r": 0.95, "actor_p": 0.95, "actor_r": 0.95, "actor_acc": 0.95}),
    ("heldout", {"kind_p": 0.9, "kind_r": 0.75, "actor_p": 0.9, "actor_r": 0.55, "actor_acc": 0.85}),
])
def test_demo_stances_against_hand_labels(half, floors):
    s = score(half)
    for name, floor in floors.items():
        assert getattr(s, name) >= floor, f"{half}: {name} {getattr(s, name):.3f} < {floor} — {s.line()}"


if __name__ == "__main__":
    for half in ("dev", "heldout"):
        print(f"{half:8} {score(half).line()}")
