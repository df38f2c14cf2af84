"""Static, deterministic SVG charts of analysis results (matplotlib, no network, no dates)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "harvestwatch", "svg.fonttype": "none",
                     "font.family": ["DejaVu Sans", "WenQuanYi Micro Hei", "sans-serif"]})


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "harvestwatch"},
                bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def chart(result: dict) -> str:
    """An SVG for an analysis result dict (``AnalysisResult.to_dict()``)."""
    method = result["method"]
    if method.startswith("integrity"):
        return _integrity(result)
    if method.startswith("capacity"):
        return _tornado(result)
    return _interval(result)


def _integrity(result: dict) -> str:
    d = result["details"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax1.plot(d["years"], d["values"], "o", color="#1f3b73", label="reported")
    ref = next(f for f in d["fits"] if f["name"] == d["reference"])
    ax1.plot(d["years"], ref["fitted"], "-", color="#c0392b", label=f"{ref['name']} fit")
    ax1.set_title(d["dataset"], fontsize=9)
    ax1.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.legend(fontsize=7)
    names = [d["dataset"]] + [p["dataset"] for p in d.get("peers", [])]
    vals = [ref.get("one_minus_r2_log10")] + [p.get("one_minus_r2_log10") for p in d.get("peers", [])]
    pairs = [(n, v) for n, v in zip(names, vals, strict=True) if v is not None]
    if pairs:
        ax2.barh([n for n, _ in pairs], [v for _, v in pairs],
                 color=["#c0392b"] + ["#7f8c8d"] * (len(pairs) - 1))
        ax2.set_xlabel("log10(1 − R²), quadratic fit (lower = smoother)", fontsize=8)
        ax2.tick_params(labelsize=7)
    return _svg(fig)


def _tornado(result: dict) -> str:
    rows = result["details"]["tornado"]
    fig, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * max(1, len(rows))))
    mode = result["details"]["mode_estimate"]
    for i, r in enumerate(reversed(rows)):
        lo, hi = sorted((r["at_min"], r["at_max"]))
        ax.barh(i, hi - lo, left=lo, color="#1f3b73")
    ax.set_yticks(range(len(rows)), [r["input"] for r in reversed(rows)], fontsize=8)
    ax.axvline(mode, color="#c0392b", lw=1)
    ax.set_xlabel(f"{result['unit']} (others at their mode)", fontsize=8)
    return _svg(fig)


def _interval(result: dict) -> str:
    iv = result["interval"] or {}
    fig, ax = plt.subplots(figsize=(6, 1.4))
    if iv.get("low") is not None and iv.get("high") is not None:
        ax.hlines(0, iv["low"], iv["high"], color="#1f3b73", lw=6)
        ax.plot([result["point"]], [0], "o", color="#c0392b")
    ax.set_yticks([])
    ax.set_xlabel(f"{result['unit']} ({(iv.get('level') or 0.9):.0%} interval, median dot)", fontsize=8)
    ax.set_title(result["method"], fontsize=9)
    return _svg(fig)
