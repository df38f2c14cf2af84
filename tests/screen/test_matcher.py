"""The batch matcher against plain Python: same hits, and prefilters that never hide a flag."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvestwatch.core.folding import fold_for_search
from harvestwatch.screen import _hsbatch
from harvestwatch.screen.detectors import (
    _in_setting,
    dead_donor_rule,
    default_matcher,
    implausible_wait,
    pre_2015,
    screen_record,
    screen_records,
)
from harvestwatch.screen.lexicon import Hit, Matcher, load_terms
from harvestwatch.screen.records import Record
from harvestwatch.screen.setting import record_setting
from harvestwatch.screen.statements import (
    REQUIREMENTS,
    is_transplant_paper,
    missing_flag,
    read_statements,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from screen import DENSE, NEUTRAL_EN, NEUTRAL_ZH, TRIGGERS, synth  # noqa: E402

FRAGMENTS = (DENSE + NEUTRAL_EN + NEUTRAL_ZH + [t[1] for t in TRIGGERS] + [t[2] for t in TRIGGERS] + [
    "供體腦死亡後行氣管插管，呼吸機輔助呼吸，切取腎臟。", "No informed consent was obtained.",
    "Consent was not sought.", "未签署知情同意书。", "Organs may have come from prisoners.",
    "The donor was breathing spontaneously when the liver was procured.", "Cardioplegia was induced.",
    "Patients waited 3 days for a kidney.", "等待时间为7天，肝移植。", "between 2010 and 2013",
    "IRB", "shirbet", "🙂 brain death", "ＢＲＡＩＮ ＤＥＡＴＨ", "BRAIN DEATH then intubation.",
    "经股动脉插管灌注。", "供者取仰卧位，气管插管，开胸。", "The donor was placed supine and intubated.",
    "After death, the donor was intubated.", "Mechanical ventilation was continued.", "受者全身麻醉下吻合。",
    "在无菌条件下", "References\n1. Informed consent in transplantation.", "\nIntroduction\n",
    "未经伦理委员会批准。", "The ethics committee waived the requirement.", "供体来源于尸体供体。",
    "Graft recipients received organs from donors.", "\n2 资料与方法\n", "参考文献\n",
    "\nEthics approval and consent to participate\n", "Informed consent\n", "\nEthics statement\n",
    "Once brain death had been confirmed, an endotracheal tube was placed.", "供体未行气管插管",
    "\x00", "", "\n", "no", "consent", "from", "2009", "to", "2016", "may", "年", "至",
    # places: the setting reading's prefilter must never hide one
    "in China.", "China's", "Hangzhou", "中国", "我国", "台灣", "Chinese recipients", "Chinese patients",
    "the United States", "U.S.", "Hong Kong", "Taiwan", "New York Heart Association", "Spain", "CHINA",
])


def naive_hits(text: str) -> list[Hit]:
    """Every lexicon term in the folded text, found with Python's re (the specification)."""
    folded = fold_for_search(text.replace("\x00", " "))
    out = []
    for t in load_terms():
        pat = re.escape(t.term)
        if t.term.isascii():
            pat = ((r"(?<![A-Za-z0-9_])" if t.term[0].isalnum() else "") + pat
                   + (r"(?![A-Za-z0-9_])" if t.term[-1].isalnum() else ""))
        out += [Hit(m.start(1), m.end(1), t.term, t.category) for m in re.finditer(f"(?=({pat}))", folded)]
    return sorted(set(out), key=lambda h: (h.start, -h.end, h.term))


def reference_flags(record: Record) -> list:
    """Every rule evaluated on the whole record, with no prefilter (the specification)."""
    text = record.text
    folded = fold_for_search(text)
    hits = default_matcher().scan(text)
    flags = [dead_donor_rule(text, folded, hits)]
    setting = record_setting(text, record.facts)
    if is_transplant_paper({h.category for h in hits}) and setting.applies:
        rogers = [missing_flag(req, read_statements(text, folded, hits, req.categories)) for req in REQUIREMENTS]
        rogers.append(pre_2015(text, folded, record.year))
        flags += [_in_setting(f, setting, bool(record.fulltext)) for f in rogers]
    flags.append(implausible_wait(text, folded))
    return [f for f in flags if f is not None]


def _sorted(hits):
    return sorted(hits, key=lambda h: (h.start, -h.end, h.term))


texts = st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=8).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6))
def test_batch_hits_equal_plain_python(batch):
    scan = default_matcher().scan_batch(batch)
    for k, text in enumerate(batch):
        assert _sorted(scan.hits(k)) == naive_hits(text), text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(texts, st.integers(1995, 2022)), min_size=1, max_size=6))
def test_prefiltered_rules_equal_every_rule_everywhere(batch):
    # abstracts and full texts; a mainland, a US and no affiliation
    affils = (["Department of Surgery, Sun Yat-sen University, Guangzhou 510080, China"],
              ["Department of Surgery, University of Pittsburgh, Pittsburgh, PA 15213, USA"], [])
    records = [Record(id=str(i), year=y, affiliations=affils[i % 3], **{"abstract" if i % 2 else "fulltext": t})
               for i, (t, y) in enumerate(batch)]
    assert screen_records(records) == [reference_flags(r) for r in records]


@pytest.mark.parametrize("mix", ["typical", "dense"])
def test_synthetic_corpora_agree_with_the_specification(mix):
    records = synth(400, mix, seed=3)
    assert screen_records(records) == [reference_flags(r) for r in records]


def test_records_do_not_bleed_into_each_other():
    a = Record(id="a", abstract="Kidney transplantation. There was no")
    b = Record(id="b", abstract="consent form. Liver transplantation was performed.")
    assert screen_records([a, b]) == [screen_record(a), screen_record(b)]
    assert screen_records([]) == []


def test_offsets_are_characters_and_traditional_chinese_is_folded():
    text = "🙂🙂 供體腦死亡後行氣管插管 and then brain death"
    hits = default_matcher().scan(text)
    assert {text[h.start:h.end] for h in hits} >= {"腦死亡", "氣管插管", "brain death"}
    assert {h.term for h in hits} >= {"脑死亡", "气管插管"}


def test_text_holding_nul_is_scanned_as_one_record():
    scan = default_matcher().scan_batch(["brain death\x00intubation", "kidney"])
    assert [h.term for h in scan.hits(0)] == ["brain death", "intubation"]
    assert scan.has("death_declaration").tolist() == [True, False]


def test_bad_expression_is_reported_with_its_index():
    with pytest.raises(ValueError, match="expression 1 does not compile"):
        _hsbatch.Database([b"ok", b"(unclosed"], [0, 0])
    with pytest.raises(ValueError, match="one flag per expression"):
        _hsbatch.Database([b"ok"], [])
    with pytest.raises(ValueError, match="at most 64"):
        Matcher(load_terms(), prefilters={f"c{i}": ("x",) for i in range(64)})
