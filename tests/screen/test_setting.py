"""Where a paper's transplants were done decides whether the Rogers et al. criteria apply.

Records written for these tests (invented affiliations and abstracts, not from the corpus)."""

from __future__ import annotations

import pytest

from harvestwatch.screen.detectors import screen_record
from harvestwatch.screen.records import Record, read_records
from harvestwatch.screen.setting import affiliation_country, read_setting, record_setting
from harvestwatch.services import screen as svc

ROGERS = {"donor_source_missing", "consent_missing", "ethics_missing", "pre_2015"}
ABSTRACT = ("We report 64 liver transplantations performed at our centre with a one-year graft survival of 88%. "
            "Tacrolimus-based immunosuppression was used.")
ZHEJIANG = "Department of Hepatobiliary Surgery, Zhejiang University School of Medicine, Hangzhou 310003, China"


def flags(affiliations=(), abstract=ABSTRACT, fulltext="", year=2012, title="Outcomes of liver transplantation",
          **kw) -> dict:
    rec = Record(id="t", title=title, abstract=abstract, fulltext=fulltext, year=year,
                 affiliations=list(affiliations), **kw)
    return {f.rule: f for f in screen_record(rec)}


def test_a_mainland_affiliation_gets_the_rogers_flags_with_the_span_that_placed_it():
    found = flags([ZHEJIANG])
    assert ROGERS <= set(found)
    for rule in ROGERS:
        f = found[rule]
        assert f"applies: affiliation «{ZHEJIANG}»" in f.explanation
        setting = [e for e in f.evidence if e.role == "setting"]
        assert [e.text for e in setting] == [ZHEJIANG] and (setting[0].start, setting[0].end) == (-1, -1)


@pytest.mark.parametrize("affiliation", [
    "Department of Surgery, Massachusetts General Hospital, Boston, MA 02114, USA",
    "Renal Unit, St Helier Hospital, Carshalton SM5 1AA, UK",
    "Thomas Starzl Transplantation Institute, University of Pittsburgh, Pittsburgh, PA 15213",
    "Department of Surgery, Queen Mary Hospital, The University of Hong Kong, Hong Kong SAR, China",
    "Department of Surgery, National Taiwan University Hospital, Taipei, Taiwan",
    "Liver Transplant Unit, Kiang Wu Hospital, Macau",
])
def test_affiliations_outside_mainland_china_get_no_rogers_flag(affiliation):
    assert not ROGERS & set(flags([affiliation]))
    setting = record_setting(ABSTRACT, Record(id="t", affiliations=[affiliation]).facts)
    assert setting.place == "elsewhere" and setting.evidence.text


def test_hong_kong_macau_and_taiwan_win_over_china_in_one_affiliation():
    assert affiliation_country("Prince of Wales Hospital, Shatin, Hong Kong, China")[0] == "HK"
    assert affiliation_country("Chang Gung Memorial Hospital, Taoyuan, Taiwan, Republic of China")[0] == "TW"
    assert affiliation_country("浙江大学医学院附属第一医院，浙江 杭州 310003")[0] == "CN"
    assert affiliation_country("Dept. of Urology, Hospital Clinic, Barcelona, Spain") == ("ES", "Spain")


def test_unknown_setting_gets_no_rogers_flag_but_the_reading_is_shown(sqlite_store, tmp_path):
    # No affiliation, no place, English: the rules are not applied, and the record says so.
    assert not ROGERS & set(flags())
    assert record_setting(ABSTRACT).place == "unknown"
    f = tmp_path / "records.csv"
    f.write_text("id,title,abstract,year\nu1,Outcomes of liver transplantation," + ABSTRACT.replace(",", "") + ",2012\n")
    svc.import_files(sqlite_store, [str(f)])
    svc.run(sqlite_store)
    assert svc.flags(sqlite_store) == []
    shown = svc.record_status(sqlite_store, "u1")["setting"]
    assert shown["place"] == "unknown" and "no place, affiliation" in shown["why"]


def test_dead_donor_rule_applies_wherever_the_paper_is_from():
    text = "After brain death was declared, the donor was intubated and ventilated; the liver was procured."
    assert "dead_donor_rule" in flags(["Department of Surgery, University of Pittsburgh, Pittsburgh, PA, USA"], text)
    assert "dead_donor_rule" in flags((), text)


def test_abstract_only_missing_statements_are_hedged_full_text_plain():
    short = flags([ZHEJIANG])
    for rule in ("donor_source_missing", "consent_missing", "ethics_missing"):
        assert short[rule].strength == "hedged" and "the full text may state it" in short[rule].explanation
    full = flags([ZHEJIANG], fulltext="Methods\nAll transplants used whole livers.\nResults\nSurvival was good.")
    for rule in ("donor_source_missing", "consent_missing", "ethics_missing"):
        assert full[rule].strength == "flag" and "full text may" not in full[rule].explanation
    # A statement the abstract negates stays a plain flag.
    negated = flags([ZHEJIANG], ABSTRACT + " No informed consent was obtained from the donors.")
    assert negated["consent_missing"].strength == "flag"
    # A study period in the abstract is read as before (not a missing statement): a plain flag.
    period = flags([ZHEJIANG], ABSTRACT + " Transplants were performed from 2008 to 2013.")
    assert period["pre_2015"].strength == "flag"


def test_setting_read_from_the_title_and_abstract_with_its_span():
    text = "Liver transplantation in China: a single-centre series\n" + ABSTRACT
    s = read_setting(text, title_end=text.index("\n"))
    assert (s.place, s.basis, s.evidence.text, s.evidence.start) == ("china", "title", "China", text.index("China"))
    us = read_setting("Kidney graft survival in the United States, 2000–2010: an analysis of SRTR data")
    assert us.place == "elsewhere" and us.evidence.text == "United States"
    # A comparison naming China and another country, with nothing else to go on, is undecided.
    both = read_setting("Deceased donation in China and Spain: a comparison of two systems")
    assert both.place == "unknown" and "China" in both.note and "Spain" in both.note
    # A place in a society's or a classification's name is no setting.
    assert read_setting("Patients in New York Heart Association class III were listed.").place == "unknown"
    assert read_setting("Scores on the Minnesota Living with Heart Failure Questionnaire improved.").place == "unknown"
    # "Chinese patients" names an ethnicity, not mainland China (Taiwan, Hong Kong, Singapore …).
    ethnic = read_setting("Outcomes of heart transplantation in Chinese patients")
    assert ethnic.place == "unknown" and ethnic.evidence.text == "Chinese patients"
    assert read_setting("Chinese transplant centres reported 300 cases.").place == "china"
    assert read_setting("Traditional Chinese medicine after kidney transplantation").place == "unknown"


def test_script_language_and_journal():
    zh = "本研究回顾性分析了我院施行的肝移植手术患者的临床资料，术后随访一年，移植物存活良好。"
    assert read_setting(zh).place == "china"  # simplified script (and 我院 alone places nothing)
    tw = "本研究回顧性分析了本院施行的肝臟移植手術病患的臨床資料，術後追蹤一年，移植物存活良好。"
    assert read_setting(tw).place == "unknown"  # traditional script: Taiwan or Hong Kong as likely
    assert read_setting(ABSTRACT, language="chi").basis == "language"
    assert read_setting(ABSTRACT, journal="Zhonghua Qi Guan Yi Zhi Za Zhi").place == "china"
    assert read_setting(ABSTRACT, journal="Transplantation Proceedings").place == "unknown"


def test_importers_read_affiliations(tmp_path):
    ris = tmp_path / "a.ris"
    ris.write_text("TY  - JOUR\nTI  - Liver transplantation outcomes\nAU  - Li, Wei\n"
                   "AD  - Department of Hepatobiliary Surgery,\n  Zhejiang University School of Medicine, Hangzhou "
                   "310003, China\nAD  - Department of Surgery, Fudan University, Shanghai, China\n"
                   "PY  - 2012\nER  - \n")
    rec = read_records(ris)[0]
    assert rec.affiliations == [ZHEJIANG, "Department of Surgery, Fudan University, Shanghai, China"]
    xml = tmp_path / "p.xml"
    xml.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
                   "<ArticleTitle>Kidney grafts</ArticleTitle><AuthorList><Author><LastName>Wu</LastName>"
                   "<AffiliationInfo><Affiliation>Sichuan University, Chengdu, China.</Affiliation></AffiliationInfo>"
                   "</Author></AuthorList></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>")
    assert read_records(xml)[0].affiliations == ["Sichuan University, Chengdu, China."]
    csv = tmp_path / "c.csv"
    csv.write_text('id,title,Affiliations\nc1,Liver grafts,"Peking University, Beijing, China; Mayo Clinic, '
                   'Rochester, MN, USA"\n')
    assert read_records(csv)[0].affiliations == ["Peking University, Beijing, China", "Mayo Clinic, Rochester, MN, USA"]
    # Records stored before affiliations were read keep them in extra (RIS AD): still found.
    old = {"title": "x", "abstract": "", "extra": {"AD": [ZHEJIANG]}}
    assert record_setting("x", svc.facts_of(old)).place == "china"
