"""Hospital names across scripts and abbreviations, on the shipped registry and real texts."""

from __future__ import annotations

import pytest

from harvestwatch.registry.csvio import load_shipped
from harvestwatch.registry.names import Matcher, abbreviations, name_key
from tests.conftest import SHARED

DEV = SHARED / "corpus" / "dev" / "docs"


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_shipped().hospitals)


@pytest.mark.parametrize("name", [
    "Tianjin First Central Hospital", "天津市第一中心医院", "天津市第一中心醫院", "天津一中心",
    "Tianjin Oriental Organ Transplant Center", "tianjin first central hospital",
    "Tianjin No. 1 Central Hospital"])
def test_every_script_and_abbreviation_resolves_to_one_hospital(matcher, name):
    assert matcher.resolve(name) == ["tianjin-first-central-hospital"]


def test_a_typo_resolves_but_an_unknown_name_does_not(matcher):
    assert matcher.resolve("Tianjin First Centrl Hospital") == ["tianjin-first-central-hospital"]
    assert matcher.resolve("Mayo Clinic") == []
    assert "Qilu Hospital of Shandong University" in matcher.suggest("Qilu Hospital")


def test_abbreviations_follow_general_rules():
    assert abbreviations("天津市第一中心医院") == ["天津第一中心医院", "天津一中心医院", "天津一中心"]
    assert "中山一院" in abbreviations("中山大学附属第一医院")
    assert all(len(a) >= 4 for a in abbreviations("中南大学湘雅二医院"))


def test_name_key_ignores_case_punctuation_and_script():
    assert name_key("Linyi People’s Hospital") == name_key("linyi peoples hospital")
    assert name_key("協和醫院") == name_key("协和医院")


def test_matcher_finds_names_in_both_scripts_with_offsets(matcher):
    text = "据报道，天津市第一中心醫院和中南大學湘雅二醫院都做肝移植；Qilu Hospital of Shandong University too."
    found = matcher.find(text)
    assert [m.hospital_id for m in found] == ["tianjin-first-central-hospital",
                                              "second-xiangya-hospital-csu",
                                              "qilu-hospital-shandong-university"]
    for m in found:
        assert text[m.start:m.end] == m.text


def test_english_names_need_word_boundaries(matcher):
    assert matcher.find("XQilu Hospital of Shandong Universityx") == []


@pytest.mark.skipif(not DEV.exists(), reason="shared dev corpus not available")
def test_real_hospital_page_names_resolve(matcher):
    text = (DEV / "z03.txt").read_text(encoding="utf-8")
    ids = {m.hospital_id for m in matcher.find(text)}
    assert ids == {"tianjin-first-central-hospital"}
    z08 = (DEV / "z08.txt").read_text(encoding="utf-8")  # traditional script
    assert "second-xiangya-hospital-csu" in {m.hospital_id for m in matcher.find(z08)}
