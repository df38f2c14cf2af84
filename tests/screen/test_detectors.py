"""Labelled passages per rule (English, simplified and traditional Chinese): positives,
negatives, negated and hedged forms. Written for these tests, not taken from real papers."""

from __future__ import annotations

import pytest

from harvestwatch.screen.detectors import screen_record
from harvestwatch.screen.records import Record

GOOD = (" Organs came from deceased donors after citizen donation. Informed consent was obtained"
        " and the ethics committee approved the study.")


def rules(text: str, year: int = 2018) -> dict[str, str]:
    return {f.rule: f.strength for f in screen_record(Record(id="t", abstract=text, year=year))}


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
