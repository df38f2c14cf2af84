"""Labelled passages per rule (English, simplified and traditional Chinese): positives,
negatives, negated and hedged forms. Written for these tests, not taken from real papers."""

from __future__ import annotations

import pytest

from harvestwatch.screen.detectors import screen_record
from harvestwatch.screen.records import Record

GOOD = (" Organs came from deceased donors after citizen donation. Informed consent was obtained"
        " and the ethics committee approved the study.")
# A mainland affiliation, so that the Rogers rules apply; the texts are read as full papers.
MAINLAND = "Department of Liver Surgery, First Affiliated Hospital, Zhejiang University, Hangzhou 310003, China"


def paper(text: str, year: int = 2018, affiliation: str = MAINLAND) -> Record:
    return Record(id="t", fulltext=text, year=year, affiliations=[affiliation] if affiliation else [])


def rules(text: str, year: int = 2018) -> dict[str, str]:
    return {f.rule: f.strength for f in screen_record(paper(text, year))}


@pytest.mark.parametrize("text", [
    "After brain death was declared, the donor was intubated and ventilated; the liver was procured.",
    "Procurement began with intratracheal intubation for mechanical ventilation after brain death.",
    "The donor was declared brain dead and then endotracheal intubation was performed.",
    "The kidneys were procured while the donor was breathing spontaneously.",
    "供体脑死亡后，立即行气管插管、呼吸机辅助呼吸，然后切取肝脏。",
    "供體腦死亡後行氣管插管，呼吸機輔助呼吸，切取腎臟。",
])
def test_dead_donor_rule_positives(text):
    assert "dead_donor_rule" in rules(text + GOOD)


@pytest.mark.parametrize("text", [
    "The donor was intubated and mechanically ventilated before brain death was declared by an apnoea test.",
    "After intubation and mechanical ventilation, brain death was declared; organs were procured.",
    "供体在气管插管、呼吸机支持下经呼吸暂停试验判定脑死亡后获取器官。",
    "Brain death is a clinical diagnosis. Intubation is common in intensive care.",
    "The donor was not breathing spontaneously when the kidneys were procured.",
])
def test_dead_donor_rule_negatives(text):
    assert "dead_donor_rule" not in rules(text + GOOD)


def test_missing_statements_and_negation():
    bare = "We performed 120 kidney transplantations with good graft survival."
    found = rules(bare)
    assert {"donor_source_missing", "consent_missing", "ethics_missing"} <= set(found)
    assert not {"donor_source_missing", "consent_missing", "ethics_missing"} & set(rules(bare + GOOD))
    negated = rules(bare + " Organs came from deceased donors. No informed consent was obtained.")
    assert negated["consent_missing"] == "flag"
    hedged = rules(bare + " Organs came from deceased donors. Consent may have been obtained by the hospital.")
    assert hedged["consent_missing"] == "hedged"
    zh = rules("本组120例肾移植，供体来源于公民逝世后器官捐献，均签署知情同意书，经医院伦理委员会批准。")
    assert not {"donor_source_missing", "consent_missing", "ethics_missing"} & set(zh)


def test_non_transplant_papers_are_not_flagged_for_missing_statements():
    assert rules("A survey of hospital pharmacists on antibiotic use.") == {}


def test_pre_2015_uses_study_period_then_year():
    assert rules("Kidney transplants performed from 2003 to 2010." + GOOD)["pre_2015"] == "flag"
    assert rules("肾移植手术于2005年至2009年间完成。" + GOOD)["pre_2015"] == "flag"
    assert "pre_2015" not in rules("Kidney transplants performed between 2016 and 2018." + GOOD, year=2013)
    assert rules("Kidney transplantation outcomes." + GOOD, year=2010)["pre_2015"] == "hedged"


def test_implausible_wait():
    assert "implausible_wait" in rules("Liver transplantation after a waiting time of 7 days." + GOOD)
    assert "implausible_wait" in rules("肝移植患者等待时间为5天。" + GOOD)
    assert "implausible_wait" not in rules("The median waiting time for a kidney was 3 years." + GOOD)


def flags_of(text: str, year: int = 2018) -> dict:
    return {f.rule: f for f in screen_record(paper(text, year))}


PAPER = """Outcomes of liver transplantation at one centre
Abstract
We report 80 liver transplantations.
1 Methods
1.1 Donors
Organs came from deceased donors after citizen donation. {consent}
2 Results
Graft survival at one year was 90%.
Ethics approval and consent to participate
{ethics}
Acknowledgements
We thank the nursing staff.
References
1. Smith J. Informed consent and the ethics committee in transplantation. Transplantation. 2010.
"""


def test_full_paper_statements_are_read_by_section():
    whole = flags_of(PAPER.format(consent="Written informed consent was obtained from the families.",
                                  ethics="The study was approved by the institutional ethics committee."))
    assert not {"donor_source_missing", "consent_missing", "ethics_missing"} & set(whole)
    # A mention only in the reference list is no statement of this paper.
    cited = flags_of(PAPER.format(consent="", ethics="Not applicable."))
    assert cited["consent_missing"].strength == "flag" and "reference list" in cited["consent_missing"].explanation
    assert cited["ethics_missing"].evidence[0].text == "ethics committee"
    assert "donor_source_missing" not in cited


def test_introduction_only_mentions_and_negated_statements_are_shown_as_such():
    intro = flags_of("Introduction\nInformed consent is central to donation ethics.\nMethods\n"
                     "We performed 50 kidney transplantations from deceased donors; the ethics committee "
                     "approved the study.")
    assert intro["consent_missing"].strength == "hedged" and "introduction" in intro["consent_missing"].explanation
    zh = flags_of("本组肝移植40例，供体来源于公民逝世后器官捐献，未经伦理委员会批准，均签署知情同意书。")
    assert zh["ethics_missing"].strength == "flag" and "not obtained" in zh["ethics_missing"].explanation
    assert zh["ethics_missing"].evidence[0].text.startswith("伦理委员会")
    assert [(x.kind, x.status) for x in zh["ethics_missing"].reading if x.kind == "ethics"] == [("ethics", "negated")]
    assert "consent_missing" not in zh
    waived = flags_of("Kidney transplantation from deceased donors. The ethics committee approved the study "
                      "and informed consent was waived.")
    assert waived["consent_missing"].strength == "flag"


def test_negation_cues_are_words():
    # 无 inside 无菌 ("sterile") negates nothing; 不 inside 不良 neither.
    zh = flags_of("肾移植60例，供体来源于公民逝世后器官捐献，在无菌条件下签署知情同意书，经医院伦理委员会批准。")
    assert not {"consent_missing", "ethics_missing"} & set(zh)
    zh = flags_of("肾移植60例，不良反应少，尸体供体，知情同意已签署，伦理委员会批准。")
    assert not {"consent_missing", "ethics_missing", "donor_source_missing"} & set(zh)


def test_transplant_papers_are_recognised_by_procedure_words():
    en = flags_of("Kidneys from 40 donors were implanted into recipients and graft function was good.")
    assert {"donor_source_missing", "consent_missing", "ethics_missing"} <= set(en)
    zh = flags_of("供体肝脏切取后植入受者体内，术后肝功能恢复良好。")
    assert {"donor_source_missing", "consent_missing", "ethics_missing"} <= set(zh)
    # 受体 alone is a receptor, not a recipient: no transplant paper.
    assert not flags_of("表皮生长因子受体突变与肺癌预后相关。")
    assert not flags_of("Blood pressure in 40 healthy volunteers.")


def test_chinese_paper_headings_and_reference_list():
    from harvestwatch.screen.sections import sections

    text = ("肝移植40例临床分析\n摘要\n回顾本院肝移植。\n1 资料与方法\n1.1 一般资料\n供体来源于公民逝世后器官捐献。\n"
            "2 结果\n移植物存活良好。\n3 讨论\n本组结果满意。\n致 谢\n感谢护理团队。\n［参考文献］\n"
            "[1] 王某. 知情同意与伦理委员会审查. 中华器官移植杂志, 2010.\n")
    assert [s.kind for s in sections(text)] == ["front", "abstract", "methods", "results", "discussion",
                                                  "acknowledgements", "references"]
    found = flags_of(text)
    assert "donor_source_missing" not in found
    assert "reference list" in found["consent_missing"].explanation
    assert "reference list" in found["ethics_missing"].explanation
