"""Who makes an allegation or a denial, and whether a sentence makes one at all: sentences
written for these tests (invented names), read through the whole pipeline."""

from __future__ import annotations

import pytest

from harvestwatch.extract.pipeline import extract_text


def _stances(text: str, lang: str = "en") -> list[tuple[str, str | None]]:
    return [(s.kind, s.actor) for s in extract_text(text, lang).stances]


@pytest.mark.parametrize("text,actor", [
    ("The Northfield Tribunal found that prisoners had been killed for their organs.", "Northfield Tribunal"),
    # a participle without a subject speaks for the clause it hangs from
    ("The Harlow Tribunal published a report in May, concluding that detainees were killed for their organs.",
     "Harlow Tribunal"),
    ("The Senate committee expressed concern about reports of forced organ harvesting in Ruritania.",
     "Senate committee"),
    ("According to Amnesty International, prisoners were killed for their organs.", "Amnesty International"),
])
def test_allegation_actor_is_the_subject_of_the_reporting_verb(text, actor):
    assert _stances(text) == [("allegation", actor)]


@pytest.mark.parametrize("text", [
    "In 1990, Ruritania adopted rules that allowed the harvesting of organs from executed convicts.",  # the event's subject
    "Whereas prisoners held by the Ruritanian Workers Party were killed for their organs;",  # the accused
    "“Detainees are killed for their organs,” they said.",  # a pronoun names nobody
    "The experts said detainees were forcibly subjected to blood tests.",  # nor does a bare "the experts"
    "For years Ruritania has stood accused of killing prisoners for their organs.",  # passive: the accused
])
def test_no_reporting_speaker_leaves_the_actor_unset(text):
    assert _stances(text) == [("allegation", None)]


@pytest.mark.parametrize("text", [
    "The assembly adopted a resolution on organ harvesting in Ruritania.",
    "Members asked the minister about the allegations of forced organ harvesting.",
    "The bill aims to combat forced organ harvesting.",
    "The hospital refused to testify before the inquiry.",
    "Reporters later visited the alleged site.",
    "The samples were tested for evidence of tampering.",
    "The envoy Jan Kowal said he was looking into the allegations.",  # a topic even under "said"
])
def test_a_topic_mention_alleges_nothing(text):
    assert _stances(text) == []


def test_a_headline_alleges_nothing():
    assert _stances("Tribunal finds prisoners were killed for their organs\n\nThe hearing ended.") == []


@pytest.mark.parametrize("text,actor", [
    ("The allegations of organ theft are sheer fabrications.", None),  # what is denied is no actor
    ("The allegations of Ruritania harvesting organs are fabrications of the sect.", None),  # nor the accused
    ("The ministry spokesman said such claims are lies.", "ministry spokesman"),
    ("Beijing has repeatedly denied the accusations.", "Beijing"),
    ("Based on rumours and without factual basis, the assembly passed the motion.", None),  # the target
])
def test_denial_actor_is_who_denies(text, actor):
    assert _stances(text) == [("denial", actor)]


@pytest.mark.parametrize("text,actor", [
    ("所谓“强摘器官”是某些组织编造的弥天大谎。", None),  # a compound from jieba calls the charge a lie
    ("知名学者李明曾表示，所谓的“活摘”都是谎言。", "李明"),  # whoever says it, the speaker is the actor
    ("有关报道纯属谎言。", None),
    ("外交部发言人表示，所谓活摘器官纯属捏造。", "外交部"),
])
def test_chinese_falsehood_said_of_the_allegation_is_a_denial(text, actor):
    assert _stances(text, "zh") == [("denial", actor)]


def test_chinese_critics_calling_official_claims_lies_deny_nothing():
    assert _stances("调查人员指出，当局的说法是谎言。", "zh") == []


def test_chinese_allegations_need_a_forced_taking_and_name_their_speaker():
    assert _stances("医师摘取器官前，应取得书面同意。", "zh") == []  # the law's neutral word
    assert _stances("他的肾脏被强行摘取。", "zh") == [("allegation", None)]
    assert _stances("人权律师张华指出，大量良心犯被活摘器官。", "zh") == [("allegation", "张华")]
    assert _stances("据说所谓活摘器官一事正在调查。", "zh") == []  # 所谓 marks the charge as rejected


def test_a_transcript_label_names_the_speaker_and_q_a_labels_name_nobody():
    assert _stances("Spokesperson of the Ruritanian Embassy: The so-called organ theft is a big lie.") == [
        ("denial", "Ruritanian Embassy")]
    assert _stances("A: The so-called organ theft is a big lie.") == [("denial", None)]
