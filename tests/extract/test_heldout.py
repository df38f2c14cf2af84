"""Extraction on passages written for these tests (not the seed articles): EN and ZH."""

from __future__ import annotations

import pytest

from harvestwatch.extract.numbers import parse_chinese, parse_words
from harvestwatch.extract.pipeline import extract_text


def _q(text: str) -> list[tuple]:
    return [(q.text, q.quantity.what, q.quantity.value, q.quantity.interval.low,
             q.quantity.interval.high, q.quantity.qualifier, q.quantity.time_scope)
            for q in extract_text(text).quantities]


@pytest.mark.parametrize("text,expected", [
    ("Investigators estimate over 65,000 victims.", ("over 65,000 victims", "victims", 65000, "over")),
    ("The hospital did ten thousand organs transplanted annually.", ("ten thousand organs transplanted annually", "transplants", 10000, None)),
    ("It was an industry valued at over a billion dollars annually.", ("over a billion dollars annually", "money", 1e9, "over")),
    ("They took the corneas of some 2,000 patients while they were alive.", ("some 2,000 patients", "victims", 2000, "about")),
    ("The practice went on for more than a decade.", ("more than a decade", "duration", 10, "over")),
    ("Patients were offered a waiting time of two weeks.", ("two weeks", "wait_time", 14, None)),  # in days
    ("An estimated 1.5 million Uyghurs are detained in camps.", ("An estimated 1.5 million Uyghurs", "victims", 1.5e6, "about")),
    ("There were 712 hospitals approved for transplants.", ("712 hospitals", "hospitals", 712, None)),
])
def test_english_quantities(text, expected):
    found = _q(text)
    assert found, text
    t, what, value, qual = expected
    assert any(f[0] == t and f[1] == what and f[2] == pytest.approx(value) and f[5] == qual for f in found), found


def test_vague_ranges_and_skips():
    found = _q("Tens of thousands of prisoners were killed. In 2009 the book was published on page 12.")
    assert [(f[3], f[4]) for f in found] == [(10000, 99999)]
    ranged = _q("Estimates range between 60,000 and 110,000 Falun Gong practitioners killed.")
    assert ranged[0][3:5] == (60000, 110000) and ranged[0][1] == "victims"
    scoped = _q("In 2017, China claimed more than 15,000 transplants.")
    assert scoped[0][6] == "2017"


def test_chinese_numbers_and_quantities():
    assert parse_chinese("六万五千") == 65000 and parse_chinese("两") == 2 and parse_chinese("1万") == 10000
    assert parse_words("sixty-five thousand") == 65000
    found = _q("据统计，约六万五千名法轮功学员被活摘器官。该院每年完成1万例肝移植，等待时间为7天，最快两周。")
    readings = {(f[0], f[1]) for f in found}
    assert ("约六万五千名法轮功学员", "victims") in readings
    assert ("1万例肝移植", "transplants") in readings
    assert ("7天", "wait_time") in readings and ("两周", "wait_time") in readings
    donors = _q("2016年全国共完成器官捐献4080例，捐献器官11296个。")
    assert ("4080例", "donors", 4080.0, 4080.0, 4080.0, None, "2016") in donors


def test_testimony_speakers_roles_and_continuations():
    r = extract_text('"We never used prisoners\' organs," the hospital director, Dr. Wang Hui, said on Monday. '
                     'Sir Geoffrey Nice QC chaired the hearing. "Very many people have died hideous deaths," '
                     'Nice said. According to Amnesty International, "executions remain a state secret."')
    got = {(t.speaker, t.role) for t in r.testimonies}
    assert ("Wang Hui", "director") in got
    assert ("Geoffrey Nice", None) in got
    assert ("Amnesty International", None) in got
    cont = extract_text('“They took my blood,” she told reporters “and then they took my friend.” '
                        'The witness, Li Hong, later fled.')
    assert len(cont.testimonies) <= 1  # one speaker's continued quote is one testimony


def test_quotes_without_identifiable_speaker_are_not_attributed():
    r = extract_text('The report described it as "a crime of unimaginable scale". '
                     'Researchers say "this cannot account for the numbers."')
    assert r.testimonies == []


def test_denials_direct_and_indirect():
    r = extract_text("The embassy rejected the allegations as baseless. Officials insisted that all "
                     "organ donors are volunteers. The tribunal found the accounts credible.")
    kinds = [s.kind for s in r.stances]
    assert kinds.count("denial") == 2
    zh = extract_text("外交部发言人否认了相关指控，称所有器官捐献都是自愿的。")
    assert [s.kind for s in zh.stances] == ["denial"]


def test_condemnation_actors_and_legal_measures():
    r = extract_text("The practice has been condemned by the European Parliament and the United Nations. "
                     "Laws banning organ tourism were passed in Israel and Spain.")
    cond = next(s for s in r.stances if s.kind == "condemnation")
    assert {"European Parliament", "United Nations"} <= set(cond.actors)
    legal = next(s for s in r.stances if s.kind == "legal_measure")
    assert {"Israel", "Spain"} <= set(legal.actors)


def test_entities_gazetteer_acronyms_and_chinese():
    r = extract_text("Doctors Against Forced Organ Harvesting (DAFOH) met ETAC. Later DAFOH said the "
                     "Uighurs and Tibetans are targeted, and hearts and kidneys are taken.")
    ents = {(e.label, e.canonical) for e in r.entities}
    assert ("organization", "Doctors Against Forced Organ Harvesting") in ents
    assert ("organization", "International Coalition to End Transplant Abuse in China") in ents
    assert {("victim_group", "Uyghurs"), ("victim_group", "Tibetans")} <= ents
    assert {("organ", "heart"), ("organ", "kidney")} <= ents
    zh = extract_text("天津市第一中心医院的医生说，法轮功学员和维吾尔族人的肾脏被摘取，违反《人体器官移植条例》。")
    zents = {(e.label, e.canonical) for e in zh.entities}
    assert ("victim_group", "Falun Gong") in zents and ("victim_group", "Uyghurs") in zents
    assert ("organ", "kidney") in zents
    assert ("law", "Regulation on Human Organ Transplantation") in zents
    assert any(label == "hospital" for label, _ in zents)


def test_report_structure_unnamed_speakers_and_hospital_lists():
    r = extract_text("Key Findings\n\nHospitals such as the First Affiliated Hospital of Zhejiang University "
                     "and Shanghai Renji Hospital expanded. A doctor at Qianfoshan Hospital in Shandong told "
                     'an investigator: "We have kidneys from Falun Gong practitioners."')
    ents = {(e.label, e.canonical) for e in r.entities}
    assert ("person", "Key Findings") not in ents
    assert {("hospital", "First Affiliated Hospital of Zhejiang University"),
            ("hospital", "Shanghai Renji Hospital")} <= ents
    assert [(t.speaker, t.role) for t in r.testimonies] == [("doctor at Qianfoshan Hospital", "doctor")]


def test_chinese_ranges_transliterated_names_and_hospital_references():
    r = extract_text("国际人权律师大卫·乔高和大卫·麦塔斯指出，中国每年的器官移植数量可能高达6万至10万例。"
                     "天津市第一中心医院等多家医院的移植数量激增。")
    ents = {(e.label, e.canonical) for e in r.entities}
    assert {("person", "David Kilgour"), ("person", "David Matas")} <= ents
    assert not any(lbl == "person" and name == "高达" for lbl, name in ents)
    assert not any(lbl == "hospital" and "多家" in name for lbl, name in ents)
    q = next(q for q in r.quantities if q.text.endswith("6万至10万例"))
    assert (q.quantity.interval.low, q.quantity.interval.high) == (60000, 100000)
    assert q.quantity.what == "transplants" and q.quantity.time_scope == "per year"


def test_phrases_rates_word_ranges_and_borrowed_nouns():
    found = _q("He was ordered to remove a liver and two kidneys. The tribunal heard more than 50 "
               "witnesses over five days. Hospitals performed 13,000 organ transplants in 2016, while "
               "researchers put the true number at 60,000 to 100,000 a year. The wait is two to three years.")
    by_text = {f[0]: f for f in found}
    assert "two kidneys" in by_text and by_text["two kidneys"][1] == "organs"
    assert by_text["more than 50 witnesses"][1] == "other"  # not "days"
    borrowed = by_text["60,000 to 100,000 a year"]
    assert borrowed[1] == "transplants" and borrowed[3:5] == (60000, 100000) and borrowed[6] == "per year"
    assert by_text["two to three years"][3:5] == (730, 1095)  # a wait, in days
    assert "three years" not in by_text
