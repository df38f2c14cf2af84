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
             settings: RankerSettings = RankerSettings()) -> dict:
    """Replay screening with known labels: recall curve, WSS@95 and recall@k."""
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
    while len(labels) < n:
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
            "settings": settings.__dict__, "seed": seed}
