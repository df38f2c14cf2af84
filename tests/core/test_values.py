"""Value types: spans, evidence, intervals and quantities validate and compare."""

import pytest

from harvestwatch.core.evidence import Evidence, Span
from harvestwatch.core.quantity import Interval, Quantity

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
