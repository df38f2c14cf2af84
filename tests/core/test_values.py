"""Value types: spans, evidence, intervals and quantities validate and compare."""

import pytest

from harvestwatch.core.evidence import Evidence, Span
from harvestwatch.core.quantity import Cue, Interval, Quantity

SHA = "a" * 64


def test_span_overlap_and_slice():
    assert Span(0, 5).overlaps(Span(4, 9))
    assert not Span(0, 5).overlaps(Span(5, 9))
    assert Span(2, 4).slice("abcdef") == "cd"
    with pytest.raises(ValueError):
        Span(5, 2)


def test_evidence_requires_sha256_and_ordered_offsets():
    assert Evidence(SHA, 1, 3).span == Span(1, 3)
    with pytest.raises(ValueError):
        Evidence("abc", 0, 1)
    with pytest.raises(ValueError):
        Evidence(SHA, 4, 1)


def test_interval_point_must_lie_inside():
    with pytest.raises(ValueError):
        Interval(1, 2, point=3)
    assert Interval(60000, 70000).overlaps(Interval(65000, 65000))
    assert Interval(100, 100).overlaps(Interval(105, 110), rel_tol=0.05)
    assert not Interval(100, 100).overlaps(Interval(120, 130), rel_tol=0.05)


def test_quantity_compatibility_needs_same_kind_unit_and_scope():
    a = Quantity(Interval(65000, float("inf")), "persons", "victims", 65000, "over")
    b = Quantity(Interval(60000, float("inf")), "persons", "victims", 60000, "over")
    c = Quantity(Interval(60000, float("inf")), "organs", "organs", 60000, "over")
    assert a.compatible(b)
    assert not a.compatible(c)
    with pytest.raises(ValueError):
        Quantity(Interval(1, 1), "x", what="nonsense")


def test_compatible_means_the_same_figure():
    def q(value, qualifier=None, scope=None, subject=None, low=None, high=None):
        iv = Interval(low, high) if value is None else Interval(value, value, value)
        return Quantity(iv, "persons", "donors", value, qualifier, scope, subject)
    assert q(13_263).compatible(q(13_000, "about"))  # an approximation repeats the figure
    assert q(4_080).compatible(q(4_000))  # "4,000" is written to the nearest thousand
    assert not q(2_866).compatible(q(2_766))  # two exact figures that differ are two figures
    assert not q(170_000, "over").compatible(q(2_130_000))  # open intervals meet, figures do not
    assert not q(5_000, scope="2015").compatible(q(5_000, scope="2016"))
    assert not q(5_000, subject="Tianjin").compatible(q(5_000, subject="Shanghai"))
    assert q(5_000, subject="China").compatible(q(5_000, subject="中国"))  # other script: unknown
    assert not q(None, low=1000, high=9999).compatible(q(6_000))  # a magnitude word is no repeat


def test_figures_of_different_events_are_different_figures():
    def q(value, *events):
        cues = tuple(Cue(w, 0, len(w), "predicate") for w in events)
        return Quantity(Interval(value, value, value), "persons", "victims", value, decided_by=cues)
    assert not q(10_000, "detained").compatible(q(10_000, "killed"))
    assert q(10_000, "killed").compatible(q(10_000, "killing"))  # one event, two forms
    assert q(10_000, "killed").compatible(q(10_000))  # no event named: may be either
    assert q(10_000, "detained", "killed").same_event(q(10_000, "kills"))
