"""Plain text: every encoding a researcher's files come in decodes to the right characters."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvestwatch.ingest.document import normalise_text
from harvestwatch.ingest.formats import parse_bytes
from harvestwatch.ingest.formats.cjk_frequency import chinese_plausibility
from harvestwatch.ingest.formats.text import decode_text

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "corpus"

# Real sentences in the style of the sources (news, hospital pages, testimony).
SIMPLIFIED = [
    "中国当局否认强摘器官的指控，但拒绝提供死刑犯器官来源的资料。",
    "天津第一中心医院的网站称，肝移植的平均等待时间为两周。",
    "他说，在劳教所里每个法轮功学员都被抽了血，还做了眼角膜检查。",
    "我们的医院",
    "据报道",
]
TRADITIONAL = [
    "報告指出，醫院的等待時間極短，令人懷疑器官來源。",
    "她在看守所裡被強制驗血，獄警從來沒有解釋原因。",
    "中國衛生部官員承認，大多數移植器官來自被處決的囚犯。",
    "醫院",
    "器官移植",
]


@pytest.mark.parametrize("sentence", SIMPLIFIED)
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "gb2312"])
def test_simplified_sentences_in_gb_encodings(sentence, encoding):
    text, used = decode_text(sentence.encode(encoding), "zh.txt")
    assert text == sentence and used == "gb18030"


@pytest.mark.parametrize("sentence", TRADITIONAL)
def test_traditional_sentences_in_big5(sentence):
    text, used = decode_text(sentence.encode("big5"), "tw.txt")
    assert text == sentence and used == "big5"


@pytest.mark.parametrize("sentence", TRADITIONAL[:3])
def test_traditional_sentences_in_gbk_stay_gbk(sentence):
    # GBK also encodes traditional characters; a traditional text in GBK is not Big5.
    text, used = decode_text(sentence.encode("gbk"), "tw-gbk.txt")
    assert text == sentence and used == "gb18030"


def test_right_decoding_scores_far_above_the_wrong_one():
    for sentence in SIMPLIFIED[:3]:
        right = chinese_plausibility(sentence)
        wrong = chinese_plausibility(sentence.encode("gbk").decode("big5", "replace"))
        assert right > -9.5 and wrong < right - 4
    for sentence in TRADITIONAL[:3]:
        right = chinese_plausibility(sentence)
        wrong = chinese_plausibility(sentence.encode("big5").decode("gb18030", "replace"))
        assert right > -9.5 and wrong < right - 4


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_encodings_with_and_without_bom(encoding):
    sentence = "2006年，仁济医院完成肝移植500例 (liver transplants).\n第二行。"
    doc, = parse_bytes(sentence.encode(encoding), source="mixed.txt")
    assert doc.text == sentence
    assert doc.language == "zh"


@pytest.mark.parametrize("sentence, encoding", [
    ("Café résumé naïve – “quoted” text here", "cp1252"),
    ("L'état général était très élevé, selon le médecin.", "latin-1"),
    ("Ein Bericht über Organe für Ärzte.", "cp1252"),
    ("Привет, это отчёт о трансплантации органов.", "cp1251"),
    ("Żółć gęślą jaźń, raport o przeszczepach.", "cp1250"),
])
def test_single_byte_european_encodings(sentence, encoding):
    text, _ = decode_text(sentence.encode(encoding), "eu.txt")
    assert text == sentence


def test_declared_charset_is_used_when_it_fits_and_ignored_when_it_does_not():
    sentence = "Отчёт"  # too short for detection alone
    assert parse_bytes(sentence.encode("koi8-r"), source="ru.txt",
                       content_type="text/plain; charset=KOI8-R")[0].text == sentence
    # A stale declaration on UTF-8 bytes: the bytes win.
    doc, = parse_bytes("器官移植等待时间".encode(), source="zh.txt",
                       content_type="text/plain; charset=gb2312")
    assert doc.text == "器官移植等待时间" and doc.metadata["encoding"] == "utf-8"


def test_normalisation_nfc_newlines_and_controls():
    raw = "Cafe\u0301 report\r\nline two\rline three\x00 with NUL\x07\n\ttabbed\n"
    doc, = parse_bytes(raw.encode(), source="messy.txt")
    assert doc.text == "Café report\nline two\nline three with NUL\n\ttabbed"
    assert unicodedata.is_normalized("NFC", doc.text)


def test_markdown_title_and_mime():
    doc, = parse_bytes(b"# Hospital capacity\n\nBeds: 120, transplants: 4,000 a year.\n",
                       source="notes.md")
    assert doc.mime == "text/markdown" and doc.title == "Hospital capacity"
    assert doc.pages == [] and doc.raw.startswith(b"# Hospital")


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="seed corpus not present")
def test_seed_corpus_files_parse_to_their_own_text():
    files = sorted(SAMPLES.glob("*.txt"))
    assert files
    for path in files:
        data = path.read_bytes()
        doc, = parse_bytes(data, source=str(path))
        assert doc.text == normalise_text(data.decode("utf-8"))
        assert doc.language == "en" and doc.metadata["encoding"] == "utf-8"


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"),
                             blacklist_characters="<\ufeff") | st.sampled_from("\r\n\t"),
               min_size=1, max_size=200))
def test_any_utf8_text_comes_back_normalised(text):
    data = text.encode("utf-8")
    expected = normalise_text(text)
    if not expected or not data.strip():
        return  # nothing but whitespace: EmptyInput, covered elsewhere
    doc, = parse_bytes(data, source="any.txt")
    assert doc.text == expected
    assert "\r" not in doc.text and "\x00" not in doc.text
