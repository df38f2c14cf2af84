"""Which hospital a figure or statement is about: sentence, paragraph, then the whole document."""

from __future__ import annotations

from harvestwatch.registry.names import NameMatch
from harvestwatch.registry.proposals import QuantityRef, attribute, propose, sentence_bounds


def _m(hid: str, text: str, name: str) -> NameMatch:
    i = text.index(name)
    return NameMatch(hid, i, i + len(name), name, "canonical")


def test_sentence_then_paragraph_then_document():
    text = "甲医院有200张床位。乙医院很大。该院有300张床位。\n另一段：每年完成500例。"
    a, b = _m("a", text, "甲医院"), _m("b", text, "乙医院")
    assert attribute(text, [a, b], text.index("200"))[0] == "a"
    assert attribute(text, [a, b], text.index("300"))[1].startswith("named last before it")
    assert attribute(text, [a, b], text.index("300"))[0] == "b"
    assert attribute(text, [a, b], text.index("500")) is None  # two hospitals, new paragraph
    assert attribute(text, [a], text.index("500"))[0] == "a"  # the only one named
    assert attribute(text, [a], text.index("500"), document_fallback=False) is None


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
