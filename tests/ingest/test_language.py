"""Language detection on short, long and mixed text; length-preserving Chinese folding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvestwatch.ingest.language import detect_language, fold_chinese


@pytest.mark.parametrize("text, expected", [
    # Short English: titles, captions, table headers with no function word at all.
    ("Organ harvesting", "en"),
    ("Kidney transplant waiting times", "en"),
    ("CNN report: 2,000 kidneys", "en"),
    ("Shanghai Renji Hospital, 2006", "en"),
    ("The Chinese government denies these allegations.", "en"),
    # Short Chinese, down to a single character.
    ("肝", "zh"),
    ("器官移植", "zh"),
    ("調查人員發現，醫院宣傳的等待時間只有兩週。", "zh"),
    # Other languages, short and long.
    ("Der Bericht", "other"),
    ("Les organes sont prélevés sans consentement.", "other"),
    ("Die Organe wurden ohne Zustimmung entnommen und die Ärzte schwiegen dazu.", "other"),
    ("Los órganos fueron extraídos sin consentimiento de los presos.", "other"),
    ("東京の病院で臓器移植が行われた。", "other"),  # Japanese: kana among the Han
    ("한국 병원에서 장기 이식", "other"),
    ("", "other"),
    ("12345 67", "other"),
])
def test_short_and_single_language_texts(text, expected):
    assert detect_language(text) == expected


def test_mixed_text_goes_to_the_language_that_carries_it():
    # English prose naming a Chinese hospital in characters.
    assert detect_language("According to its website, the hospital (上海仁济医院) performed 500 "
                           "liver transplants in 2006 and 400 in 2007.") == "en"
    # Chinese prose with an English gloss.
    assert detect_language("据上海仁济医院网站，2006年完成肝移植500例（liver transplants），"
                           "2007年完成400例。") == "zh"


def test_long_english_with_quoted_foreign_phrases_stays_english():
    text = ("The report, titled 'Les organes des prisonniers', was translated into English. "
            "It says that the hospitals in the province were able to offer a kidney within "
            "a week and that the patients were told the donors had consented. ") * 5
    assert detect_language(text) == "en"


def test_fold_chinese_maps_traditional_to_simplified_in_place():
    assert fold_chinese("醫院的腎臟移植等待時間") == "医院的肾脏移植等待时间"
    assert fold_chinese("Plain English stays.") == "Plain English stays."
    mixed = "他說：「器官來源」 (organ source) 2006年"
    assert len(fold_chinese(mixed)) == len(mixed)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.text(min_size=0, max_size=80))
def test_fold_chinese_never_changes_length(text):
    folded = fold_chinese(text)
    assert len(folded) == len(text)
    assert all(a == b or ord(a) > 0x2e7f for a, b in zip(text, folded, strict=True))
