"""Charts say what the test says: null band and trend per run of years, legible year ticks."""

from __future__ import annotations

import numpy as np
import pytest

from harvestwatch.analysis.charts import _segments, chart, year_axis
from harvestwatch.services.analysis import run_integrity, run_supply_gap


def test_segments_split_at_gaps():
    assert _segments([2010, 2011, 2014, 2015, 2016, 2018]) == [(0, 2), (2, 5), (5, 6)]


@pytest.mark.parametrize("n", [9, 25, 60])
def test_year_ticks_stay_legible(n):
    from harvestwatch.analysis.charts import _plt

    plt = _plt()
    fig, ax = plt.subplots()
    years = list(range(1960, 1960 + n))
    ax.plot(years, np.arange(n))
    year_axis(ax, years)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if years[0] - 0.6 <= t <= years[-1] + 0.6]
    plt.close(fig)
    assert 4 <= len(ticks) <= 13
    assert all(float(t).is_integer() for t in ticks)


def test_integrity_chart_draws_trend_band_and_peer_statistic():
    r = run_integrity("CN:transplants_kidney_total", draws=300).to_dict()
    svg = chart(r)
    assert "Pearson χ² / df" in svg and "90% of Poisson series" in svg and "carried forward" in svg
    assert "log10(1" not in svg
    png = chart(r, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_supply_gap_chart_shows_inputs_and_result():
    svg = chart(run_supply_gap(year=2018, draws=5000).to_dict())
    for label in ("organs per donor", "living-donor share", "unexplained organs (gap)"):
        assert label in svg
