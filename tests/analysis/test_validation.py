"""Import validation and the reading of shipped values: every bad row named, bounds kept as bounds."""

from __future__ import annotations

import pytest

from harvestwatch.analysis.datasets import qualifier_in_quote, read_value, validate_user_csv
from harvestwatch.analysis.units import is_event_count, kind_of
from harvestwatch.core.errors import ValidationError

HEADER = "metric,country,year,value,unit,source_title,source_url,quote,verified\n"
GOOD = "deceased_donors,XZ,2016,4080,donors,Report,https://e.org/r,\"4,080 donors\",yes\n"


def _csv(tmp_path, *lines, name="in.csv"):
    f = tmp_path / name
    f.write_text(HEADER + "".join(lines))
    return f


@pytest.mark.parametrize("line,problem", [
    ("deceased_donors,XZ,2016,nan,donors,R,https://e.org,q,yes\n", "not a finite number"),
    ("deceased_donors,XZ,2016,inf,donors,R,https://e.org,q,yes\n", "not a finite number"),
    ("deceased_donors,XZ,2016,-5,donors,R,https://e.org,q,yes\n", "negative"),
    ("deceased_donors,XZ,2016,12.5,donors,R,https://e.org,q,yes\n", "fractional"),
    ("deceased_donors,XZ,1800,12,donors,R,https://e.org,q,yes\n", "outside 1950–2100"),
    ("deceased_donors,XZ,20x6,12,donors,R,https://e.org,q,yes\n", "four-digit"),
    ("deceased_donors,,2016,12,donors,R,https://e.org,q,yes\n", "'country' is empty"),
    (",XZ,2016,12,donors,R,https://e.org,q,yes\n", "'metric' is empty"),
    ("deceased_donors,XZ,2016,12,donors,,,q,yes\n", "both empty"),
    ("deceased_donors,XZ,2016,12,donors,R,https://e.org,,yes\n", "'quote' is empty"),
])
def test_each_bad_row_is_refused_with_its_row(tmp_path, line, problem):
    with pytest.raises(ValidationError, match=rf"in.csv row 3: .*{problem}"):
        validate_user_csv(_csv(tmp_path, GOOD, line))


def test_every_bad_row_is_named_once(tmp_path):
    f = _csv(tmp_path, GOOD, "deceased_donors,XZ,2017,nan,donors,R,https://e.org,q,yes\n",
             "deceased_donors,XZ,2018,-1,donors,R,https://e.org,q,yes\n", GOOD)
    with pytest.raises(ValidationError) as err:
        validate_user_csv(f)
    text = str(err.value)
    assert "3 bad rows, nothing imported" in text
    assert "row 3:" in text and "row 4:" in text and "row 5: duplicate of row 2" in text
    assert text.count("row 2:") == 0


def test_rates_may_be_fractional(tmp_path):
    rows = validate_user_csv(_csv(tmp_path, "deceased_donors_pmp,XZ,2016,3.99,per million population,R,"
                                            "https://e.org,q,yes\n"))
    assert rows[0].value == 3.99


@pytest.mark.parametrize("raw,expected", [
    ("1,700", (1700.0, None, "exact")), ("about 1700", (1700.0, None, "approximate")),
    ("more than 40000", (40000.0, None, "lower_bound")), ("33000 (roughly)", (33000.0, None, "approximate")),
    ("60000-100000", (60000.0, 100000.0, "range")), ("6450余", (6450.0, None, "lower_bound")),
    ("up to 95% (2005); >90% (2008, 2010)", None), ("liver 2 years; kidney 3 years", None)])
def test_shipped_values_keep_their_qualifier(raw, expected):
    assert read_value(raw) == expected


@pytest.mark.parametrize("quote,value,expected", [
    ("doctors nationwide performed more than 10,000 transplants", 10000, "lower_bound"),
    ("up from about 1,700 donors who donated", 1700, "approximate"),
    ("实现器官捐献6450余例", 6450, "lower_bound"),
    ("China recorded 2,766 donors in 2015", 2766, "exact")])
def test_quote_says_how_a_value_is_stated(quote, value, expected):
    assert qualifier_in_quote(quote, value) == expected


@pytest.mark.parametrize("unit,metric,kind,event", [
    ("donors", "deceased_donors", "count", True), ("transplants", "transplants_kidney", "count", True),
    ("executions (estimate)", "executions", "count", True), ("million", "population", "population", False),
    ("donors per million population", "deceased_donors_pmp", "rate", False),
    ("R-squared", "cotrs_quadratic_r2_2010_2017", "rate", False), ("days", "wait_kidney", "duration", False),
    ("registered donors", "registered_donors", "count", False), ("hospitals", "approved_transplant_hospitals", "count", False)])
def test_units_decide_what_is_a_count(unit, metric, kind, event):
    assert kind_of(unit, metric).kind == kind
    assert is_event_count(unit, metric) is event
