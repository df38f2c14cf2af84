"""Static, deterministic charts of analysis results (matplotlib, no network, no dates).

Each chart shows what its test says: the integrity chart draws the observed counts, the
fitted GLM trend and the band of counts simulated under the null (never across a gap in the
years), and the peers on the test's own statistic (Pearson χ²/df). SVG for pages and reports,
PNG for files; matplotlib is imported when a chart is drawn, not when the CLI starts.
"""

from __future__ import annotations

import io

_STYLE = {"svg.hashsalt": "harvestwatch", "svg.fonttype": "none",
          "font.family": ["DejaVu Sans", "WenQuanYi Micro Hei", "sans-serif"]}
BLUE, RED, GREY = "#1f3b73", "#c0392b", "#7f8c8d"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(_STYLE)
    return plt


def _save(fig, fmt: str = "svg") -> str | bytes:
    plt = _plt()
    if fmt == "png":
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return buf.getvalue()
    sbuf = io.StringIO()
    fig.savefig(sbuf, format="svg", metadata={"Date": None, "Creator": "harvestwatch"}, bbox_inches="tight")
    plt.close(fig)
    return sbuf.getvalue()


def chart(result: dict, fmt: str = "svg") -> str | bytes:
    """The chart of an analysis result dict (``AnalysisResult.to_dict()``): SVG text or PNG bytes."""
    method = result["method"]
    if method.startswith("integrity"):
        fig = _integrity(result)
    elif method.startswith("capacity"):
        fig = _tornado(result)
    elif (result.get("details") or {}).get("distributions"):
        fig = _distributions(result)
    else:
        fig = _interval(result)
    return _save(fig, fmt)


def _segments(years: list[int]) -> list[tuple[int, int]]:
    """Index ranges of consecutive years: lines are drawn inside a segment, never across a gap."""
    out, start = [], 0
    for i in range(1, len(years) + 1):
        if i == len(years) or years[i] != years[i - 1] + 1:
            out.append((start, i))
            start = i
    return out


def year_axis(ax, years: list[int]) -> None:
    """Integer year ticks, at most about 12 labels, slanted when there are many (9–60 years)."""
    from matplotlib.ticker import MultipleLocator

    span = max(years) - min(years) + 1
    step = next(s for s in (1, 2, 5, 10, 20) if span / s <= 12)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    if step > 1:
        ax.xaxis.set_minor_locator(MultipleLocator(1))
    ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
    ax.tick_params(axis="x", labelsize=8, labelrotation=45 if span / step > 10 else 0)
    ax.tick_params(axis="y", labelsize=8)


def _integrity(result: dict):
    plt = _plt()
    d = result["details"]
    years, values = d["years"], d["values"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1.35, 1]})
    fitted = d["glm"]["fitted"]
    nb = d.get("null_negative_binomial")
    for a, b in _segments(years):
        ys = years[a:b]
        if nb:
            ax1.fill_between(ys, nb["band_low"][a:b], nb["band_high"][a:b], color=GREY, alpha=0.18, lw=0,
                             step=None, label="90% of NB series (peers' φ)" if a == 0 else None)
        ax1.fill_between(ys, d["null_poisson"]["band_low"][a:b], d["null_poisson"]["band_high"][a:b],
                         color=RED, alpha=0.22, lw=0, label="90% of Poisson series" if a == 0 else None)
        ax1.plot(ys, fitted[a:b], "-", color=RED, lw=1.3, label="GLM trend" if a == 0 else None)
    approx_years = {y for f in d["checks"]["findings"] if f["name"] == "approximate_or_bounded" for y in f["years"]}
    exact = [(y, v) for y, v in zip(years, values, strict=True) if y not in approx_years]
    rough = [(y, v) for y, v in zip(years, values, strict=True) if y in approx_years]
    copied = {y for f in d["checks"]["findings"] if f["name"] in ("carried_forward", "identical_across_metrics")
              for y in f["years"]}
    if copied:
        cx = [(y, v) for y, v in zip(years, values, strict=True) if y in copied]
        ax1.plot(*zip(*cx, strict=True), "s", mfc="none", mec="#e67e22", ms=9, mew=1.4,
                 label="carried forward / copied", zorder=4)
    if exact:
        ax1.plot(*zip(*exact, strict=True), "o", color=BLUE, ms=4.5, label="reported", zorder=3)
    if rough:
        ax1.plot(*zip(*rough, strict=True), "o", mfc="white", mec=BLUE, ms=5, label="approximate / bound", zorder=3)
    year_axis(ax1, years)
    ax1.set_ylabel(d.get("unit") or "count", fontsize=8)
    verdict = d.get("verdict") or "no verdict (see data checks)"
    ax1.set_title(f"{d['dataset']}: {verdict}", fontsize=9)
    ax1.legend(fontsize=7, loc="best", framealpha=0.85)
    # right: the test's own statistic, Pearson χ²/df, for the series and its peers
    stat = d["glm"]["dispersion"]
    peers = d.get("peers") or []
    df = max(1, d["glm"]["df_resid"])
    cut = d["null_poisson"]["stat_quantiles"]["flag_cut"] / df
    vals = [p["dispersion"] for p in peers if p["dispersion"] is not None]
    lo = max(1e-3, min([stat, cut, 1.0]) / 3)  # values below are drawn at the edge, marked "<"
    hi = max([stat, *vals, 1.0]) * 2
    ax2.set_xscale("log")
    ax2.axvspan(max(lo, 1e-12), cut, color=RED, alpha=0.10, lw=0)
    ax2.text(lo * 1.1, 0.97, "flagged\n(p < 0.01)", transform=ax2.get_xaxis_transform(), fontsize=7,
             ha="left", va="top", color=RED)
    ax2.axvline(1.0, color=GREY, ls="--", lw=1)
    ax2.text(1.0, 0.97, " Poisson = 1", transform=ax2.get_xaxis_transform(), fontsize=7, color=GREY, va="top")
    if vals:
        import numpy as np

        jitter = np.random.default_rng(0).uniform(0.1, 0.6, len(vals))
        shown = [max(v, lo * 1.1) for v in vals]
        ax2.plot(shown, jitter, "o", color=GREY, ms=4, alpha=0.7, label=f"{len(vals)} peers, {peers[0]['years']}")
        for v, x, yj in zip(vals, shown, jitter, strict=True):
            if v < lo * 1.1:
                ax2.annotate(f"< {lo:.0e}", (x, yj), xytext=(4, 0), textcoords="offset points",
                             fontsize=6, color=GREY, va="center")
    ax2.plot([max(stat, lo * 1.1)], [0.78], "D", color=RED, ms=7, label=f"{d['dataset']} ({stat:.3g})")
    if not vals:
        ax2.text(0.5, 0.4, "no peer series over the same years", transform=ax2.transAxes, fontsize=8,
                 ha="center", color=GREY)
    ax2.set_ylim(0, 1)
    ax2.set_yticks([])
    ax2.set_xlim(lo, hi)
    ax2.set_xlabel("Pearson χ² / df of the quadratic Poisson GLM (log scale; < 1 = smoother than counting)",
                   fontsize=7.5)
    ax2.tick_params(axis="x", labelsize=8)
    ax2.legend(fontsize=7, loc="lower center", frameon=False, bbox_to_anchor=(0.5, 1.0), ncol=2)
    fig.tight_layout()
    return fig


LABELS = {"transplants": "transplants", "deceased_donors": "deceased donors", "organs_per_donor": "organs per donor",
          "discard_rate": "discard rate", "living_share": "living-donor share", "living_transplants":
          "living-donor transplants", "supply": "supply (organs)", "gap": "unexplained organs (gap)",
          "waiting_list": "waiting list (people)", "implied_supply": "implied supply (organs/year)",
          "capacity": "capacity (transplants/year)", "beds_total": "beds (all hospitals)",
          "shared_occupancy": "occupancy (shared)", "shared_length_of_stay": "length of stay, days (shared)"}
RESULT_KEYS = ("gap", "implied_supply", "capacity")


def _dist_row(ax, key: str, q: dict) -> None:
    """One input or result: 5–95% line, 25–75% box, median tick, on its own x axis."""
    plt = _plt()
    color = RED if key in RESULT_KEYS else BLUE
    ax.hlines(0, q["p05"], q["p95"], color=color, lw=1.5)
    ax.add_patch(plt.Rectangle((q["p25"], -0.25), max(q["p75"] - q["p25"], 1e-12), 0.5, color=color,
                               alpha=0.35 if key not in RESULT_KEYS else 0.5, lw=0))
    ax.plot([q["p50"]], [0], "|", color=color, ms=14, mew=2)
    if key == "gap":
        ax.axvline(0, color=GREY, ls="--", lw=0.8)
    span = q["p95"] - q["p05"]
    pad = span * 0.15 if span > 0 else max(abs(q["p50"]) * 0.05, 1e-3)
    lo, hi = q["p05"] - pad, q["p95"] + pad
    if key == "gap":
        lo, hi = min(lo, -pad), max(hi, pad)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_ylabel(LABELS.get(key, key.replace("_", " ")), rotation=0, ha="right", va="center", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    if max(abs(lo), abs(hi)) >= 1000:
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    label = f"{q['p50']:,.0f}" if abs(q["p50"]) >= 1000 else f"{q['p50']:.4g}"
    ax.text(1.0, 0.5, f" {label}", transform=ax.transAxes, fontsize=7, va="center", color=color)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _ordered(dist: dict) -> list[str]:
    return [k for k in dist if k not in RESULT_KEYS] + [k for k in RESULT_KEYS if k in dist]


def _distributions(result: dict):
    """One row per input (its own axis); the result row in red."""
    plt = _plt()
    dist = result["details"]["distributions"]
    keys = _ordered(dist)
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 0.75 * len(keys) + 0.6), squeeze=False)
    for ax, key in zip(axes[:, 0], keys, strict=True):
        _dist_row(ax, key, dist[key])
    axes[0, 0].set_title(f"{result['method']}: inputs and result (bar 5–95%, box 25–75%, tick median)",
                         fontsize=8.5)
    fig.tight_layout(h_pad=0.4)
    return fig


def _tornado(result: dict):
    """Capacity: the tornado (one input at its min and max, others at their mode) with the
    simulated interval, then each drawn input's distribution and the total."""
    plt = _plt()
    rows = result["details"]["tornado"]
    dist = result["details"].get("distributions") or {}
    keys = _ordered(dist)
    heights = [0.9 + 0.45 * max(1, len(rows))] + [0.75] * len(keys)
    fig, axes = plt.subplots(len(heights), 1, figsize=(7, sum(heights) + 0.8), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    ax = axes[0, 0]
    for row_ax, key in zip(axes[1:, 0], keys, strict=True):
        _dist_row(row_ax, key, dist[key])
    mode = result["details"]["mode_estimate"]
    for i, r in enumerate(reversed(rows)):
        lo, hi = sorted((r["at_min"], r["at_max"]))
        ax.barh(i, hi - lo, left=lo, color=BLUE, alpha=0.8, zorder=2)
    ax.set_yticks(range(len(rows)), [r["input"] for r in reversed(rows)], fontsize=8)
    ax.axvline(mode, color=RED, lw=1)
    iv = result.get("interval") or {}
    if iv.get("low") is not None:
        ax.axvspan(iv["low"], iv["high"], color=RED, alpha=0.10, lw=0,
                   label=f"{(iv.get('level') or 0.9):.0%} interval of the simulated total")
        val = (result.get("details") or {}).get("validation")
        if val:
            ax.axvline(val["actual"], color="#27ae60", lw=1.5, label=f"performed: {val['actual']:,.0f}")
        ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncol=2)
    ax.set_xlabel(f"{result['unit']} (one input at its min and max, others at their mode)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return fig


def _interval(result: dict):
    plt = _plt()
    iv = result["interval"] or {}
    fig, ax = plt.subplots(figsize=(6, 1.4))
    if iv.get("low") is not None and iv.get("high") is not None:
        ax.hlines(0, iv["low"], iv["high"], color="#1f3b73", lw=6)
        ax.plot([result["point"]], [0], "o", color="#c0392b")
    ax.set_yticks([])
    ax.set_xlabel(f"{result['unit']} ({(iv.get('level') or 0.9):.0%} interval, median dot)", fontsize=8)
    ax.set_title(result["method"], fontsize=9)
    return fig
