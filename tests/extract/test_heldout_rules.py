"""More held-out passages (written for these tests, not taken from the seeds): identifiers that
are not counts, compound counted nouns, year spans, Chinese vague counts, rates and speakers."""

from __future__ import annotations

import pytest

from harvestwatch.extract.numbers import parse_chinese
from harvestwatch.extract.pipeline import extract_text
from harvestwatch.extract.zh_quantities import extract_quantities_zh


def _readings(text: str, lang: str | None = None) -> list[tuple]:
    return [(q.text, q.quantity.what, q.quantity.value, q.quantity.interval.low,
             q.quantity.interval.high, q.quantity.qualifier, q.quantity.time_scope)
            for q in extract_text(text, lang).quantities]


@pytest.mark.parametrize("text", [
    "For details call 555-0199 or fax 020-7946-0958.",
    "The figures are on page 212 and in section 14 of the report.",
    "See pp. 33-41 of the appendix, article 8 and table 3.",
])
def test_identifiers_are_not_counts(text):
    assert _readings(text) == []


def test_compound_nouns_decide_what_is_counted():
    found = _readings("The province reported nearly 9,000 kidney transplants a year.")
    assert found == [("nearly 9,000 kidney transplants a year", "transplants", 9000.0, 8100.0,
                      pytest.approx(9900.0), "about", "per year")]
    donors = _readings("Only 3,400 organ donors had registered by then.")
    assert donors[0][:3] == ("3,400 organ donors", "registered_donors", 3400.0)


def test_half_a_million_and_detention_context():
    found = _readings("Half a million Kazakhs were held in internment camps.")
    assert found[0][:3] == ("Half a million Kazakhs", "victims", 500000.0)
    plain = _readings("A million people came to the fair.")
    assert plain[0][1] == "other"


def test_year_spans_scope_the_count():
    found = _readings("From 2010 to 2014, the centre carried out 2,300 liver transplants.")
    assert found[0][0] == "2,300 liver transplants" and found[0][6] == "2010-2014"
    assert [f for f in found if f[0].startswith("2010")] == []  # the years themselves are no counts


def test_bare_chinese_magnitudes():
    assert parse_chinese("万") == 10_000 and parse_chinese("十万") == 100_000
    assert parse_chinese("一亿两千万") == 120_000_000


def test_chinese_vague_and_group_counts():
    found = {q.text: q.quantity for q in extract_quantities_zh(
        "成千上万的藏族人被拘押。数十万基督徒遭到迫害，其中至少三千名信徒失踪。")}
    vague = found["成千上万的藏族人"]
    assert (vague.what, vague.interval.low, vague.interval.high) == ("victims", 1000, 99_999)
    tens = found["数十万基督徒"]
    assert (tens.interval.low, tens.interval.high, tens.value) == (200_000, 999_999, None)
    least = found["至少三千名信徒"]
    assert (least.value, least.qualifier, least.what) == (3000, "at least", "victims")


def test_chinese_rate_and_articles():
    found = _readings("该中心一年做肝移植三百多例，病人只需等待五天。一名护士说她很害怕。", "zh")
    texts = {f[0]: f for f in found}
    assert "一年" not in texts  # a rate marker, not a duration
    assert texts["三百多例"][1:3] == ("transplants", 300.0) and texts["三百多例"][6] == "per year"
    assert texts["三百多例"][5] == "over"
    assert texts["五天"][1] == "wait_time"
    assert "一名" not in texts  # "a nurse", not a count of one person


def test_chinese_speaker_prefers_person_and_role_not_addressee():
    r = extract_text("“这纯属捏造，”卫生部官员张伟对记者表示。", "zh")
    assert [(t.speaker, t.role) for t in r.testimonies] == [("张伟", "official")]
    speaker_start, speaker_end = r.testimonies[0].speaker_span
    assert r.testimonies[0].speaker == "“这纯属捏造，”卫生部官员张伟对记者表示。"[speaker_start:speaker_end]
    assert [s.kind for s in r.stances] == ["denial"]


def test_pronoun_speaker_resolves_to_last_person_with_span_for_named():
    text = ('“They drew my blood every week,” said Gulnar Ablet, a survivor of the camps. '
            'She added: “Then some of the women never came back.”')
    got = extract_text(text).testimonies
    assert [t.speaker for t in got] == ["Gulnar Ablet", "Gulnar Ablet"]
    s, e = got[0].speaker_span
    assert text[s:e] == "Gulnar Ablet" and got[0].role == "survivor"


def test_chinese_denial_vocabulary():
    r = extract_text("官方媒体称这些报道是无中生有的抹黑。", "zh")
    assert [s.kind for s in r.stances] == ["denial"]


def test_single_quoted_statements_without_pairing_apostrophes():
    r = extract_text("‘They didn’t tell us where the kidneys came from,’ Professor Jacob Lavee told the BBC.")
    assert [(t.speaker, t.quote) for t in r.testimonies] == [
        ("Jacob Lavee", "They didn’t tell us where the kidneys came from,")]
    straight = extract_text("'The beds were always full,' said Mr Cheng, who waited there.")
    assert [t.speaker for t in straight.testimonies] == ["Cheng"]
    assert extract_text("The patients' families weren't told; the doctors' union said nothing.").testimonies == []


def test_fractions_and_qualified_single_units():
    assert _readings("Two thirds of the detainees were blood-tested.") == []
    wait = _readings("Foreign patients waited less than a month for a kidney.")
    assert wait[0][:2] == ("less than a month", "wait_time") and wait[0][5] == "under"


def test_official_claims_of_cessation_are_denials_only_when_official():
    r = extract_text("Chinese officials maintain that the country stopped using prisoners' organs in 2015.")
    assert [(s.kind, s.actor) for s in r.stances] == [("denial", "Chinese officials")]
    other = extract_text("The volunteers said that the campaign ended in May.")
    assert [s.kind for s in other.stances] == []


def test_law_titles_keep_their_of_and_on_tails():
    r = extract_text("Under the Interim Provisions on Clinical Application of Human Organ "
                     "Transplantation, hospitals needed a licence.")
    assert [e.canonical for e in r.entities if e.label == "law"] == [
        "Interim Provisions on Clinical Application of Human Organ Transplantation"]


def test_appositive_person_speaks_and_bare_follow_on_quote_continues():
    text = ('"Those numbers do not add up," Dr. Torsten Trey, executive director of DAFOH, said. '
            '"The official figures are implausible."\n\n"Nobody knows," one reader wrote.')
    got = extract_text(text).testimonies
    assert [(t.speaker, t.role) for t in got] == [("Torsten Trey", "director"),
                                                  ("Torsten Trey", "director")]
    assert got[1].quote == "The official figures are implausible." and got[1].verb is None


def test_call_to_action_separates_asserting_actor_from_target():
    r = extract_text("Amnesty International called on Canada to pass the bill.")
    assert [(s.kind, s.actor, s.target) for s in r.stances] == [
        ("call_to_action", "Amnesty International", "Canada")]


def test_official_claim_of_voluntary_donation_is_a_denial():
    r = extract_text("The Chinese regime says it has reformed its transplant system and that all "
                     "organs now come from voluntary donors.")
    assert [(s.kind, s.actor) for s in r.stances] == [("denial", "Chinese regime")]
    assert extract_text("Many hospitals say their donors are volunteers from the town.").stances == []


@pytest.mark.parametrize("text", [
    "国务院令第四九一号，二○○七年三月二十一日公布。",  # a year written digit by digit
    "中華民國一百年一月十二日修正公布。",  # an era year
    "本法於100年1月12日修正公布。",  # a date in ROC years
])
def test_calendar_years_are_not_durations(text):
    assert [(q.text, q.quantity.what) for q in extract_text(text).quantities] == []


def test_a_span_of_years_is_still_read():
    found = [(q.text, q.quantity.what) for q in extract_text("患者等了两年才获得肾脏，他被判刑5年。").quantities]
    assert ("两年", "wait_time") in found
