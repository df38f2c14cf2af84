"""Which hospital a figure or statement is about: sentence, paragraph, then the whole document."""

from __future__ import annotations

from harvestwatch.registry.csvio import load_shipped
from harvestwatch.registry.names import Matcher, NameMatch
from harvestwatch.registry.proposals import (
    QuantityRef,
    attribute,
    propose,
    quantities_in,
    sentence_bounds,
)
from tests.conftest import SHARED

DEV = SHARED / "corpus" / "dev" / "docs"


def _m(hid: str, text: str, name: str) -> NameMatch:
    i = text.index(name)
    return NameMatch(hid, i, i + len(name), name, "canonical")


def test_sentence_then_paragraph_then_document():
    text = ("甲医院有200张床位。乙医院很大。该院有300张床位。\n另一段：每年完成500例。\n"
            + "无关的话。" * 100 + "\n最后：等了一周。")
    a, b = _m("a", text, "甲医院"), _m("b", text, "乙医院")
    assert attribute(text, [a, b], text.index("200"))[0] == "a"
    assert attribute(text, [a, b], text.index("300"))[1].startswith("named last before it in the paragraph")
    assert attribute(text, [a, b], text.index("300"))[0] == "b"
    nearby = attribute(text, [a, b], text.index("500"))  # next paragraph, shortly after: loose only
    assert nearby[0] == "b" and "characters earlier" in nearby[1]
    assert attribute(text, [a, b], text.index("500"), loose=False) is None
    assert attribute(text, [a, b], text.index("一周")) is None  # far away, two hospitals named
    assert attribute(text, [a], text.index("一周"))[0] == "a"  # the only one named
    assert attribute(text, [a], text.index("一周"), loose=False) is None


def test_sentences_end_at_chinese_and_english_stops():
    text = "First one. Second one。第三句！"
    assert text[slice(*sentence_bounds(text, text.index("Second")))] == "Second one。"


def test_figures_become_typed_proposals_with_their_sentence():
    text = "The transplant ward of Qilu Hospital has over 170 beds. It waits 2 weeks."
    q_beds = QuantityRef(text.index("over"), text.index(" beds") + 5, "beds", 170, None, 170,
                         "beds", "over", None, "over 170 beds")
    q_wait = QuantityRef(text.index("2 weeks"), text.index("2 weeks") + 7, "wait_time", 2, 2, 2,
                         "weeks", None, None, "2 weeks")
    props = propose(text, "0" * 64, [_m("qilu", text, "Qilu Hospital")], [q_beds, q_wait])
    assert [(p.metric, p.value, p.unit) for p in props] == [
        ("transplant_beds", 170, "beds (over)"), ("advertised_wait", 14, "days (written as 2 weeks)")]
    assert props[0].quote == "The transplant ward of Qilu Hospital has over 170 beds."


def test_a_real_telephone_transcript_attributes_each_answer_to_the_hospital_called():
    text = (DEV / "z08.txt").read_text(encoding="utf-8")  # traditional script, dialogue lines
    matcher = Matcher(load_shipped().hospitals)
    props = propose(text, "0" * 64, matcher.find(text), quantities_in(text, "zh"))
    got = {(p.hospital_id, p.metric) for p in props}
    assert ("zhengzhou-peoples-hospital", "advertised_wait") in got  # 快的三、二天 after 鄭州市人民醫院
    assert ("second-xiangya-hospital-csu", "advertised_wait") in got  # after 中南大學湘雅二醫院
    assert ("armed-police-general-hospital", "transplants_performed") in got  # 二百多例 after 武警總醫院
    assert all("characters earlier" in p.reason or "sentence" in p.reason for p in props)
