"""The analyses page shows data checks before the conclusion, and the user can choose rows."""

from __future__ import annotations


def test_checks_come_before_the_conclusion_and_rows_can_be_chosen(as_user):
    client = as_user("vic")
    page = client.get("/analyses", params={"dataset": "CN:deceased_donors"}).text
    assert page.index("Data checks") < page.index("No verdict on CN:deceased_donors")
    assert "conflicting_sources" in page and "blocks the verdict" in page
    short = client.get("/analyses", params={"dataset": "CN:deceased_donors", "years": "2015:2018",
                                            "source": "extended2__china_official_series.csv",
                                            "exclude_approx": "true"}).text
    assert "years 2015–2018" in short and "a verdict needs at least 3" in short  # honest about power
    chosen = client.get("/analyses", params={"dataset": "US:deceased_donors", "years": "2016:2023",
                                             "source": "peer_countries.csv"}).text
    assert "not smoother than counting noise" in chosen and "accepted by the choice of rows" in chosen
    y2018 = client.get("/analyses", params={"year": 2018}).text
    assert "How many transplanted organs in 2018" in y2018 and "living-donor share" in y2018
    bad = client.get("/analyses", params={"dataset": "CN:deceased_donors", "years": "later"}).text
    assert "expected FIRST:LAST" in bad
