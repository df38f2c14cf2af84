"""What a number counts, read from its sentence: sentences written for these tests (none from
the seeds or the dev corpus), in English and in both Chinese scripts."""

from __future__ import annotations

import pytest

from harvestwatch.extract.pipeline import extract_text


def _one(text: str, lang: str | None = None, contains: str | None = None):
    found = extract_text(text, lang).quantities
    if contains is not None:
        found = [q for q in found if contains in q.text]
    assert found, (text, [q.text for q in extract_text(text, lang).quantities])
    return found[0]


@pytest.mark.parametrize("text,what", [
    ("4,080 citizens donated their organs after death.", "donors"),
    ("Some 12,000 volunteers signed up to donate.", "registered_donors"),
    ("Nearly 300,000 patients need a transplant each year.", "other"),
    ("1,770 people were executed in 2008.", "executions"),
    ("About 5,000 people who donated their organs were honoured at the ceremony.", "donors"),
    ("More than 2,000 people gathered in the square to mark the anniversary.", "other"),
    ("At least 300 people were detained after the protest.", "victims"),
    ("Police detained 40 practitioners in the raid.", "victims"),
    ("The survey of 8,000 residents found strong support for donation.", "other"),
    ("Only 640 residents in the province registered as donors last year.", "registered_donors"),
    ("Surgeons at the centre performed 1,200 liver transplants in 2019.", "transplants"),
    ("The city has 45 hospitals licensed for transplantation.", "hospitals"),
    ("Around 600 prisoners of conscience were killed for their organs.", "victims"),
    ("The hospital added 300 beds to its transplant ward.", "beds"),
    ("Roughly 3,000 organs were transplanted last year.", "transplants"),
    ("Over 900 patients died while waiting for a kidney.", "victims"),
])
def test_what_comes_from_the_sentence(text, what):
    q = _one(text)
    assert q.quantity.what == what, (text, q.text, q.quantity)


def test_people_are_never_victims_without_harm():
    for text in ("The rally drew 10,000 people.", "5,000 people who donated organs were thanked.",
                 "Some 800 people attended the hearing in London."):
        assert all(q.quantity.what != "victims" for q in extract_text(text).quantities), text


def test_the_agent_of_harm_is_not_its_victim():
    q = _one("About 200 guards tortured the detainees.", contains="200")
    assert q.quantity.what == "other"


def test_each_reading_says_which_words_decided_it():
    text = "4,080 citizens donated their organs after death."
    q = _one(text)
    cues = q.quantity.decided_by
    words = {c.word for c in cues}
    assert {"citizens", "donated"} <= words
    for c in cues:
        assert text[c.start:c.end] == c.word


def test_period_and_subject():
    q = _one("Between 2006 and 2008, hospitals in Tianjin carried out 3,400 kidney transplants.")
    assert q.quantity.time_scope == "2006-2008"
    annual = _one("China performs about 20,000 transplants annually, officials said.")
    assert annual.quantity.time_scope == "per year" and annual.quantity.subject == "China"
    since = _one("Since 2015, some 30,000 citizens have donated organs.")
    assert since.quantity.time_scope == "since 2015" and since.quantity.what == "donors"


@pytest.mark.parametrize("text", [
    "The surgeon, 54, was arrested in 2012.",
    "See the report [12] and chapter 3.",
    "The hearing took place on 12 March 2019 at 10:30.",
    "It was the 3rd report that year, published on page 45.",
    "She said it had happened 1000 times before — a figure of speech.",
])
def test_non_quantities_are_not_emitted(text):
    found = [(q.text, q.quantity.what) for q in extract_text(text).quantities]
    assert all(not t.strip().startswith(("54", "12", "10", "3", "45")) for t, _ in found), found


def test_shares_and_ratios():
    pct = _one("As many as 70 percent of the kidneys came from prisoners.")
    assert (pct.quantity.unit, pct.quantity.value, pct.quantity.qualifier) == ("percent", 70, "up to")
    ratio = _one("Only one out of 20 patients receives an organ.")
    assert ratio.quantity.unit == "ratio" and ratio.quantity.value == pytest.approx(0.05)


@pytest.mark.parametrize("text,contains,what,value", [
    ("截至2018年底，全国已有80万人登记成为器官捐献志愿者。", "80万人", "registered_donors", 800_000),
    ("该院去年完成肾移植1200余例。", "1200余例", "transplants", 1200),
    ("2017年全国共实现公民逝世后器官捐献5146例。", "5146例", "donors", 5146),
    ("肾移植等待时间约两周。", "两周", "wait_time", 14),
    ("一般一周内可安排手术。", "一周", "wait_time", 7),
    ("数千名法轮功学员遭到关押和酷刑。", "数千名", "victims", None),
    ("三千多名群众参加了纪念活动。", "三千多名", "other", 3000),
    ("该省有12家医院具备肝移植资质。", "12家医院", "hospitals", 12),
    ("器官移植中心共有床位200张。", "200张", "beds", 200),
    ("該院每年完成肝移植約300例。", "300例", "transplants", 300),
    ("據報導，約2000名維吾爾人被拘押。", "2000名", "victims", 2000),
])
def test_chinese_measure_words_and_predicates(text, contains, what, value):
    q = _one(text, "zh", contains)
    assert q.quantity.what == what, (text, q.text, q.quantity)
    if value is not None:
        assert q.quantity.value == pytest.approx(value)


def test_chinese_period_and_rates():
    by = _one("截至2018年底，全国已有80万人登记成为器官捐献志愿者。", "zh", "80万人")
    assert by.quantity.time_scope == "by 2018"
    rate = _one("该院每年完成肝移植约300例。", "zh", "300例")
    assert rate.quantity.time_scope == "per year" and rate.quantity.qualifier == "about"
    vague = _one("他们的移植数量每年有几百例。", "zh", "几百例")
    assert (vague.quantity.interval.low, vague.quantity.interval.high) == (200, 999)


@pytest.mark.parametrize("text", ["2019年3月12日，记者来到医院。", "第三次会议于上午10点召开。",
                                  "他今年57岁。", "四天前，她去了北京。", "这是一个重要的问题。"])
def test_chinese_non_quantities(text):
    assert extract_text(text, "zh").quantities == [], text


def test_chinese_mixed_numerals_roles_and_donation_cases():
    mixed = _one("完成器官捐献案例累计超过1万2000例。", "zh", "1万2000例")
    assert (mixed.quantity.value, mixed.quantity.what) == (12000, "donors")
    role = _one("目前全省有器官捐献协调员300多人。", "zh", "300多人")
    assert role.quantity.what == "other"  # coordinators, not donors
    cases = _one("去年共实现捐献820例，登记人数超过5万人。", "zh", "820例")
    assert cases.quantity.what == "donors"  # the registering is said of others


def test_chinese_magnitude_idioms_count_the_noun_they_modify():
    found = {q.text: q.quantity for q in extract_text(
        "成千上万的藏族人被拘押。数以万计的法轮功学员被关押。成百上千的市民参加了活动。", "zh").quantities}
    assert (found["成千上万的藏族人"].what, found["成千上万的藏族人"].interval.low) == ("victims", 1000)
    assert found["数以万计的法轮功学员"].interval.high == 99_999
    assert found["成百上千的市民"].what == "other"


def test_chinese_hospital_page_waits_and_volumes():
    text = "我院肾移植平均等待时间为2-4周。等待時間短，最快3天就能找到合適的腎源。年手術量200例以上。"
    found = {q.text: q.quantity for q in extract_text(text, "zh").quantities}
    assert (found["2-4周"].what, found["2-4周"].interval.low, found["2-4周"].interval.high) == (
        "wait_time", 14, 28)
    assert found["3天"].what == "wait_time" and found["3天"].value == 3
    volume = found["200例以上"]
    assert (volume.what, volume.qualifier, volume.time_scope) == ("transplants", "over", "per year")


def test_sentence_initial_ranges_and_executions():
    q = _one("Between 60,000 and 100,000 organs are transplanted in China every year.")
    assert (q.quantity.what, q.quantity.interval.low, q.quantity.time_scope) == ("transplants", 60000, "per year")
    e = _one("China executed about 2,400 people in 2013, according to Amnesty International.")
    assert (e.quantity.what, e.quantity.time_scope, e.quantity.subject) == ("executions", "2013", "China")


def test_over_as_a_preposition_is_no_qualifier():
    q = _one("The tribunal heard evidence from 50 witnesses over five days.", contains="five")
    assert (q.text, q.quantity.qualifier) == ("five days", None)
    assert _one("The practice lasted over ten years.").quantity.qualifier == "over"
