"""Entities, testimonies and speakers as real texts write them, in both Chinese scripts and English."""

from harvestwatch.extract.pipeline import extract_text


def _ents(result, label):
    return {e.text for e in result.entities if e.label == label}


def test_traditional_names_and_institutions_keep_offsets_into_the_original():
    text = "據中華醫學會器官移植學會主任委員陳實表示，鄭州市人民醫院和國家器官捐獻與移植委員會都有記錄。"
    r = extract_text(text, "zh")
    assert "陳實" in _ents(r, "person")
    orgs = _ents(r, "organization") | _ents(r, "hospital")
    assert {"鄭州市人民醫院", "國家器官捐獻與移植委員會"} <= orgs
    for e in r.entities:
        assert text[e.start:e.end] == e.text


def test_simplified_structures_and_dictionary_words_are_not_names():
    r = extract_text("山东省莱州市红十字会的村民朱际葵说，这是文明之风。中央保健委员会副主任也在。", "zh")
    assert "朱际葵" in _ents(r, "person")
    assert "文明" not in _ents(r, "person")
    orgs = _ents(r, "organization")
    assert "中央保健委员会" in orgs
    assert "山东省莱州市红十字会" in orgs  # the full name, its places inside it


def test_transcript_lines_role_speakers_and_interviewers():
    text = ("北京某医院肝移植黎功医生。\n\n调查员:「今年你们做了几百例啊?」\n\n医生:「今年可能也就二百多例吧。」\n\n"
            "另一家医院的值班护士。\n\n護士:「嗯!短的話就幾天吧。」")
    r = extract_text(text, "zh")
    said = [(t.speaker, t.quote[:4]) for t in r.testimonies]
    assert ("黎功", "今年可能") in said
    assert ("護士", "嗯!短的") in said
    assert not any(q.startswith("今年你们") for _, q in said)  # the interviewer asks, does not testify


def test_a_quoted_name_is_no_statement_and_a_noun_is_no_speech_verb():
    r = extract_text("据「中华医学会器官移植学会」主任委员陈实表示，移植增加。来自“公民自愿捐献”，中共和黄洁夫的说法一改再改。", "zh")
    assert r.testimonies == []


def test_english_speaker_is_the_subject_of_the_speech_verb():
    r = extract_text('Huang Jiefu spoke in Guangzhou in 2006. In October 2008, he said "In China, more than 90% of '
                     'organs are obtained from executed prisoners". "You will never wake someone who is pretending '
                     'to be asleep," China\'s top expert on organ transplant said.', "en")
    speakers = [t.speaker for t in r.testimonies]
    assert speakers == ["Huang Jiefu", "China's top expert on organ transplant"]


def test_english_victim_groups_peers_bodies_and_numbered_laws():
    r = extract_text("Organs came from executed prisoners and from political and religious prisoners. "
                     "Lord Alton of Liverpool asked the Chinese Mission to the EU about S. 761 and "
                     "Directive 2010/53/EU. The Government of China did not reply.", "en")
    groups = {e.canonical for e in r.entities if e.label == "victim_group"}
    assert {"executed prisoners", "political prisoners", "religious prisoners"} <= groups
    pows = extract_text("The exhibit showed experiments on live American prisoners of war.", "en")
    assert not [e for e in pows.entities if e.label == "victim_group"]
    assert "Lord Alton of Liverpool" in _ents(r, "person")
    assert "Chinese Mission to the EU" in _ents(r, "organization")
    assert not any("Government" in o for o in _ents(r, "organization"))
    assert {"S. 761", "Directive 2010/53/EU"} <= _ents(r, "law")


def _denials(text, lang):
    return [s.cue for s in extract_text(text, lang).stances if s.kind == "denial"]


def test_denials_as_people_write_them_in_english():
    assert _denials("Beijing has consistently denied the charges.", "en")
    assert _denials("The spokesman dismissed the report as fabricated.", "en")
    assert _denials("Officials said there has never been any such practice in China.", "en")
    assert _denials("The embassy said such claims are lies spread by a cult.", "en")
    assert _denials("The ministry said the witnesses cited by the group did not exist.", "en")
    assert _denials("The clinic was expanded despite denials from Beijing.", "en")
    # critics doubting an official claim, or a hypothetical, deny nothing
    assert not _denials("Medical journals should avoid complicity until China shows such claims to be false.", "en")
    assert not _denials("Researchers said the hospital expanded its transplant wards.", "en")


def test_denials_in_both_chinese_scripts_from_whole_words():
    assert _denials("外交部发言人表示，所谓活摘器官纯属捏造，毫无根据。", "zh")
    assert _denials("衛生部官員說，這種做法從未存在過。", "zh")
    assert _denials("中共前卫生部长黄洁夫再度否认中共受到的罪行指控。", "zh")
    assert not _denials("追查国际指出，中共对外宣称停止使用死囚器官，这些仍是欺世的谎言。", "zh")  # critics
    assert not _denials("他们不实际地估计了数量，我们继续工作。", "zh")
    assert not _denials("停用死囚器官謊言背後的加速殺人", "zh")  # a headline


def test_law_names_stop_at_the_next_instrument_and_keep_their_commas():
    r = extract_text("Having regard to the International Covenant on Economic, Social and Cultural Rights and to the "
                     "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment, and to "
                     "the Universal Declaration of Human Rights of 1948. The House passed H.R. 1154, or the Stop Forced "
                     "Organ Harvesting Act.", "en")
    laws = {e.canonical: e.aliases for e in r.entities if e.label == "law"}
    assert "International Covenant on Economic, Social and Cultural Rights" in laws
    assert "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment" in laws
    assert "Universal Declaration of Human Rights" in laws["Universal Declaration of Human Rights of 1948"]
    assert "H.R. 1154" in laws["Stop Forced Organ Harvesting Act"] and "H.R. 1154" not in laws


def test_places_short_and_full_and_titles():
    r = extract_text("天津市第一中心医院位于天津。她签订《中国人体器官捐献志愿书》。", "zh")
    places = {e.canonical for e in r.entities if e.label == "place"}
    assert "中国" not in places and "China" not in places  # only inside a title
    r = extract_text("莱州市的村民来到莱州红十字会。莱州人很多。", "zh")
    assert {e.canonical for e in r.entities if e.label == "place"} <= {"莱州市"}


def test_headlines_deny_nothing_and_paragraphs_end_sentences():
    r = extract_text("China denies organ harvest charges\n\nA Chinese hospital has rejected accusations by supporters "
                     "of the group.\n\n\"We are talking about real people\" said Rep. Linda Smith\n\nBut the embassy "
                     "spokesman said the allegations are \"sheer fabrication,\" noting a ban.", "en")
    denials = [s.text for s in r.stances if s.kind == "denial"]
    assert not any(d.startswith("China denies") for d in denials)
    assert any(d.startswith("A Chinese hospital") for d in denials)
    assert any(d.startswith("But the embassy") for d in denials)
    assert not any("real people" in d for d in denials)


def test_definite_noun_speakers_are_the_body_named_before():
    r = extract_text("The Hong Kong China News Agency quoted officials. 'The claims that 90 per cent of the executed "
                     "prisoners had their organs removed are totally groundless,' the agency said.", "en")
    assert [t.speaker for t in r.testimonies] == ["Hong Kong China News Agency"]


def test_quotes_on_their_own_line_continue_the_sentence_above():
    text = ("The China Tribunal said that it was\n“certain—unanimously, and sure beyond reasonable doubt—that it "
            "happened.”\nDr Enver Tohti, a Uighur doctor, described to me how he had been ordered to\n"
            "“cut deep and work fast”\non a victim who was still alive.")
    r = extract_text(text, "en")
    assert [t.speaker for t in r.testimonies] == ["China Tribunal", "Enver Tohti"]


def test_organisation_filters_and_places_inside_body_names():
    r = extract_text("On March 27, 2023, the U.S. House of Representatives passed the bill. Lords ChamberMy Lords, "
                     "I declare an interest. Directive 2010/53/EU of the Council of 7 July 2010 applies.", "en")
    orgs = _ents(r, "organization")
    assert "U.S. House of Representatives" in orgs
    assert not any("ChamberMy" in o or "2010" in o for o in orgs)
    assert "U.S." not in _ents(r, "place")


def test_paraphrased_official_denials_keep_their_speaker():
    r = extract_text("A health ministry official said that there has never been any such practice in the province.", "en")
    denial = next(s for s in r.stances if s.kind == "denial")
    assert denial.actor == "health ministry official"
    assert _denials("The foreign ministry rejected the accusations as politically motivated.", "en")
    assert _denials("外交部发言人表示，有关报道毫无根据。", "zh")


def test_transcript_labels_with_descriptions_and_answers_on_the_next_line():
    text = ("橫河先生(時政評論員):「從這點上來說,我覺得當權者不願意和這件事情沾邊。」\n\n"
            "蕭茗(Host/Simone Gao):各位好,歡迎收看本期節目,我是蕭茗。\n\n"
            "(中國國家衛生部新聞發言人)毛群安:\n我們感覺到非常地氣憤,這個事情的影響超出了器官移植這項技術。\n\n"
            "中國駐歐盟使團發言人強調,所謂「器官強摘」純屬憑空捏造。")
    r = extract_text(text, "zh")
    said = {t.speaker: t.quote[:4] for t in r.testimonies}
    assert said.get("橫河") == "從這點上"
    assert "蕭茗" not in said  # the host introduces, does not testify
    assert any(q == "我們感覺" for q in said.values())
    assert "中國駐歐盟使團" in _ents(r, "organization")
    assert "蘇家屯" not in _ents(extract_text("就「蘇家屯事件」回覆說。", "zh"), "person")


def test_two_names_joined_by_he_are_two_people():
    r = extract_text("两位法轮功学员沈越千和王少华在旧金山讲述了经历。", "zh")
    assert {"沈越千", "王少华"} <= _ents(r, "person")
