"""Active learning as in ASReview: TF-IDF features, a linear model, the next most likely record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RankerSettings:
    """What produced a ranking (kept with it): features, model and seed."""

    features: str = "tfidf char_wb 2-4 (English and Chinese alike)"
    model: str = "logistic regression, balanced classes"
    seed: int = 0


def _vectoriser():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=1, max_features=200_000,
                           sublinear_tf=True)


def rank(texts: list[str], labels: dict[int, int], settings: RankerSettings = RankerSettings(),
         prior: np.ndarray | None = None) -> list[int]:
    """Indices of unlabelled texts, most likely relevant first.

    With both classes labelled a model is trained; before that, ``prior`` (e.g. number of
    screening flags) orders the records.
    """
    unlabelled = [i for i in range(len(texts)) if i not in labels]
    if len(set(labels.values())) < 2:
        score = prior if prior is not None else np.zeros(len(texts))
        return sorted(unlabelled, key=lambda i: (-score[i], i))
    from sklearn.linear_model import LogisticRegression

    X = _vectoriser().fit_transform(texts)
    idx = list(labels)
    model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=settings.seed)
    model.fit(X[idx], [labels[i] for i in idx])
    proba = model.predict_proba(X[unlabelled])[:, 1]
    order = np.argsort(-proba, kind="stable")
    return [unlabelled[i] for i in order]


def simulate(texts: list[str], truth: list[int], *, seed: int = 0, step: int = 1,
             settings: RankerSettings = RankerSettings(), stopping: StoppingRule | None = None) -> dict:
    """Replay screening with known labels: recall curve, WSS@95, recall@k, and where the
    stopping rule would have stopped, with the recall it estimated there and the true one."""
    n = len(texts)
    positives = sum(truth)
    if positives == 0 or positives == n:
        raise ValueError("the labelled set needs both relevant and irrelevant records")
    rng = np.random.default_rng(seed)
    pos = [i for i, t in enumerate(truth) if t]
    neg = [i for i, t in enumerate(truth) if not t]
    labels = {int(rng.choice(pos)): 1, int(rng.choice(neg)): 0}  # one prior of each, as ASReview
    order = list(labels)
    from sklearn.linear_model import LogisticRegression

    X = _vectoriser().fit_transform(texts)
    stopping = stopping or StoppingRule()
    stop = None
    while len(labels) < n:
        if stop is None and should_stop(stopping, [truth[i] for i in order], n) and len(labels) < n:
            found_now = sum(truth[i] for i in order)
            est = estimated_recall(found_now, expected_remaining(texts, labels, settings, X))
            stop = {"stopped_after": len(order), "recall": found_now / positives,
                    "estimated_recall": est, "work_saved": (n - len(order)) / n}
        unl = np.array([i for i in range(n) if i not in labels])
        idx = list(labels)
        model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=settings.seed)
        model.fit(X[idx], [labels[i] for i in idx])
        proba = model.predict_proba(X[unl])[:, 1]
        for j in np.argsort(-proba, kind="stable")[:step]:
            i = int(unl[j])
            labels[i] = truth[i]
            order.append(i)
    found = np.cumsum([truth[i] for i in order])
    curve = (found / positives).tolist()
    n95 = int(np.argmax(found >= np.ceil(0.95 * positives))) + 1
    wss95 = (n - n95) / n - 0.05
    recall_at = {str(k): float(found[min(k, n) - 1] / positives) for k in (10, 50, 100) if k <= n}
    recall_at[f"{int(n * 0.1)} (10%)"] = float(found[max(1, int(n * 0.1)) - 1] / positives)
    return {"records": n, "relevant": positives, "order": order, "recall_curve": curve,
            "wss@95": wss95, "read_for_95_recall": n95, "recall_at": recall_at,
            "stopping": {"rule": stopping.describe(), **(stop or {"stopped_after": None})},
            "settings": settings.__dict__, "seed": seed}


@dataclass(frozen=True)
class StoppingRule:
    """Stop ranked screening after ``stop_after`` irrelevant records in a row, once at least
    ``min_screened`` of all records were screened (the heuristic of ASReview's documentation and
    the SAFE procedure's first stopping criterion)."""

    stop_after: int = 50
    min_screened: float = 0.10

    def describe(self) -> str:
        return (f"stop after {self.stop_after} consecutive irrelevant records, once at least "
                f"{self.min_screened:.0%} of the records are screened")


def irrelevant_run(labels_in_order: list[int]) -> int:
    """Irrelevant records in a row at the end of a screening sequence."""
    run = 0
    for label in reversed(labels_in_order):
        if label:
            break
        run += 1
    return run


def should_stop(rule: StoppingRule, labels_in_order: list[int], total: int) -> bool:
    screened = len(labels_in_order)
    return (screened >= rule.min_screened * total and irrelevant_run(labels_in_order) >= rule.stop_after) \
        or screened >= total


def expected_remaining(texts: list[str], labels: dict[int, int], settings: RankerSettings = RankerSettings(),
                       X=None) -> float | None:
    """Expected relevant records among the unlabelled: the sum of their probabilities under a
    weakly regularised logistic model without class weights (balanced weights inflate them,
    strong regularisation pulls every record towards the labelled base rate).

    A model-based estimate: optimistic if relevant records unlike any seen so far remain;
    ``simulate`` compares it with the true recall on labelled sets. None before both classes
    are labelled.
    """
    if len(set(labels.values())) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    X = _vectoriser().fit_transform(texts) if X is None else X
    idx = list(labels)
    unl = [i for i in range(len(texts)) if i not in labels]
    if not unl:
        return 0.0
    model = LogisticRegression(C=100.0, max_iter=2000, random_state=settings.seed)
    model.fit(X[idx], [labels[i] for i in idx])
    return float(model.predict_proba(X[unl])[:, 1].sum())


def estimated_recall(found: int, remaining: float | None) -> float | None:
    if remaining is None or found + remaining == 0:
        return None
    return found / (found + remaining)
