"""Pure linking logic on hand-built typed items: resolution, claim clusters, origins, conflicts."""

from __future__ import annotations

import math

from harvestwatch.core.evidence import Span
from harvestwatch.core.items import Item, Mention, Stance
from harvestwatch.core.items import Testimony as Quote
from harvestwatch.core.quantity import Cue, Interval, Quantity
from harvestwatch.link.build import build_links, support
from harvestwatch.link.citations import claim_origin, outlet_name
from harvestwatch.link.claims import cluster_quantities
from harvestwatch.link.contradictions import quantity_conflicts, stance_conflicts
from harvestwatch.link.resolution import Decision, resolve_entities

_ids = iter(range(1, 10_000))


def ent(doc: int, label: str, text: str, canonical: str | None = None, start: int = 0) -> Item:
    return Item(Span(start, start + len(text)), text, Mention(label, canonical or text),
                doc, id=next(_ids))


def qty(doc: int, text: str, low, high, what: str, unit: str, scope: str | None,
        start: int = 0) -> Item:
    q = Quantity(Interval(low, math.inf if high is None else high, low), unit, what, low,
                 time_scope=scope)
    return Item(Span(start, start + len(text)), text, q, doc, id=next(_ids))


def stance(doc: int, label: str, text: str, actor: str | None) -> Item:
    return Item(Span(0, len(text)), text, Stance(label, actor), doc, id=next(_ids))


def by_name(clusters):
    return {c.name: c for c in clusters}


def test_person_surname_and_title_prefixed_join_with_reasons():
    items = [ent(1, "person", "David Matas"), ent(2, "person", "Matas"),
             ent(3, "person", "human rights lawyer David Matas"), ent(3, "person", "David Kilgour")]
    clusters = by_name(resolve_entities(items))
    matas = clusters["David Matas"]
    assert matas.documents == [1, 2, 3] and len(matas.mentions) == 3
    assert any(r.startswith("surname:") for r in matas.reasons)
    assert any(r.startswith("title-prefixed:") for r in matas.reasons)
    assert clusters["David Kilgour"].documents == [3]


def test_ambiguous_surname_is_not_merged():
    items = [ent(1, "person", "David Matas"), ent(2, "person", "Anna Matas"), ent(3, "person", "Matas")]
    clusters = resolve_entities(items)
    assert len(clusters) == 3  # "Matas" could be either: left alone


def test_gazetteer_cross_language_and_acronyms():
    items = [ent(1, "victim_group", "法轮功"), ent(2, "victim_group", "Falun Gong"),
             ent(1, "organization", "DAFOH"), ent(2, "organization", "Doctors Against Forced Organ Harvesting"),
             ent(3, "organization", "Tibetan Medical Research Council"), ent(4, "organization", "TMRC"),
             ent(4, "organization", "HRA"), ent(3, "organization", "Human Rights Alliance"),
             ent(5, "organization", "Health Resources Agency")]
    clusters = by_name(resolve_entities(items))
    assert clusters["Falun Gong"].documents == [1, 2]
    assert clusters["Doctors Against Forced Organ Harvesting"].documents == [1, 2]
    tmrc = clusters["Tibetan Medical Research Council"]
    assert tmrc.documents == [3, 4] and any(r.startswith("acronym:") for r in tmrc.reasons)
    assert "HRA" in clusters  # two long forms fit "HRA": not merged with either


def test_manual_decisions_win_and_are_replayed_in_order():
    items = [ent(1, "person", "David Matas"), ent(2, "person", "Matas"), ent(3, "person", "D. Matas")]
    decisions = [Decision("merge", "person", "David Matas", "D. Matas", "same author", "ann"),
                 Decision("split", "person", "Matas", None, "other Matas", "bob")]
    clusters = by_name(resolve_entities(items, decisions))
    assert clusters["David Matas"].documents == [1, 3]
    assert clusters["Matas"].documents == [2]
    assert any("manual merge by ann" in r for r in clusters["David Matas"].reasons)
    assert any("manual split by bob" in r for r in clusters["Matas"].reasons)


def test_compatible_figures_cluster_on_reading_not_text():
    items = [qty(1, "65,000 victims", 65000, 65000, "victims", "persons", None),
             qty(2, "over 60,000 victims", 60000, None, "victims", "persons", None),
             qty(3, "10,000 transplants a year", 10000, 10000, "transplants", "transplants/year", "per year"),
             qty(4, "ten thousand organs transplanted annually", 10000, 10000, "transplants",
                 "organs/year", "per year"),
             qty(5, "10,000 transplants in 2019", 10000, 10000, "transplants", "transplants", "2019"),
             qty(6, "1,000 transplants a year", 1000, 1000, "transplants", "transplants/year", "per year")]
    clusters = cluster_quantities(items)
    sets = sorted(sorted(m.document_id for m in c.members) for c in clusters)
    assert sets == [[1, 2], [3, 4], [5], [6]]  # time scope blocks 2019 apart; 1,000 stays apart


def test_duration_units_are_compared_in_days():
    items = [qty(1, "two weeks", 14, 14, "wait_time", "days", None),
             qty(2, "a fortnight", 2, 2, "wait_time", "weeks", None),
             qty(3, "three months", 3, 3, "wait_time", "months", None)]
    sets = sorted(sorted(m.document_id for m in c.members) for c in cluster_quantities(items))
    assert sets == [[1, 2], [3]]


def test_origin_of_a_claim():
    def same(name):
        return name

    text = ("Tribunal report. According to the Mail Online, 65,000 were killed. "
            "The report says 10,000 transplants a year. Hospitals hold 500 beds. "
            "See https://www.bbc.co.uk/news/1 for 300 cases. "
            "A 2016 report by Kilgour and Matas gives 60,000 transplants.")
    doc = {"id": 9, "text": text, "site": None, "url": None}

    def at(fragment: str) -> Item:
        return qty(9, fragment, 1, 1, "other", "", None, start=text.index(fragment))

    assert claim_origin(at("65,000"), doc, [], same)[0] == "Daily Mail"
    assert claim_origin(at("10,000"), doc, [], same) == (
        "Daily Mail", "attributed to the source named earlier in the document")
    assert claim_origin(at("500"), doc, [], same) == ("document 9", "the document's own claim")
    assert claim_origin(at("300"), doc, [], same)[0] == "BBC"
    assert claim_origin(at("60,000"), doc, [], same)[0] == "Kilgour and Matas"
    other = {"id": 4, "text": "", "site": "dailymail.co.uk", "url": "https://www.bbc.co.uk/news/1"}
    assert claim_origin(at("300"), doc, [], same, {"https://www.bbc.co.uk/news/1": other}) == (
        "Daily Mail", "links stored document 4 (https://www.bbc.co.uk/news/1)")
    assert outlet_name("www.dailymail.co.uk") == outlet_name("The Daily Mail") == "Daily Mail"


def test_a_relayed_stance_counts_under_who_makes_it():
    text = "Q: The European Parliament adopted a resolution accusing China of organ harvesting."
    relayed = stance(7, "allegation", text, "European Parliament")
    unnamed = stance(7, "allegation", text, None)
    doc = {"id": 7, "text": text, "site": "mission.example.org", "url": None}
    assert claim_origin(relayed, doc, [], lambda n: n) == (
        "European Parliament", "who alleges or denies it, as the sentence says")
    assert claim_origin(unnamed, doc, [], lambda n: n)[1] == "the document's own claim"


def test_quantity_conflicts_need_the_same_context():
    a = qty(1, "1,000 transplants a year", 1000, 1000, "transplants", "transplants/year", "per year")
    b = qty(2, "10,000 transplants a year", 10000, 10000, "transplants", "transplants/year", "per year")
    c = qty(3, "100,000 transplants a year", 100000, 100000, "transplants", "transplants/year", "per year")
    clusters = cluster_quantities([a, b, c])
    context = {a.id: {"China"}, b.id: {"China"}, c.id: {"United States"}}
    rows = quantity_conflicts(clusters, context)
    assert [(r.a.id, r.b.id) for r in rows] == [(a.id, b.id)]


def test_figures_of_different_events_do_not_contradict():
    def victims(doc: int, text: str, value: float, event: str | None) -> Item:
        cues = (Cue(event, 0, len(event), "predicate"),) if event else ()
        q = Quantity(Interval(value, value, value), "persons", "victims", value,
                     time_scope="since 1999", decided_by=cues)
        return Item(Span(0, len(text)), text, q, doc, id=next(_ids))

    detained = victims(1, "1,000,000 practitioners", 1_000_000, "detained")
    killed = victims(1, "65,000 practitioners", 65_000, "killed")
    killed_too = victims(2, "1,500,000 practitioners", 1_500_000, "killed")
    unsaid = victims(3, "3,000 practitioners", 3_000, None)
    rows = quantity_conflicts(cluster_quantities([detained, killed, killed_too, unsaid]), {})
    assert [(r.a.id, r.b.id) for r in rows] == [(killed.id, killed_too.id)]


def test_denial_pairs_with_allegation_on_the_same_topic_only():
    alleg = stance(1, "allegation", "Doctors say organs were harvested from prisoners.", "DAFOH")
    other = stance(2, "allegation", "Critics say the election was rigged.", "Critics")
    deny = stance(3, "denial", "The ministry denies that any organs came from prisoners.", "Ministry")
    rows = stance_conflicts([alleg, other, deny])
    assert [(r.a.id, r.b.id) for r in rows] == [(alleg.id, deny.id)]
    assert "organ" in rows[0].shared  # topic stems: "organs" → "organ"


def test_independent_support_collapses_a_shared_origin():
    texts = {1: "According to the Daily Mail, 65,000 victims died.",
             2: "MailOnline reports 65,000 victims died.",
             3: "Researchers counted 64,000 victims."}
    docs = {i: {"id": i, "text": t, "site": None, "url": None} for i, t in texts.items()}
    docs[3]["site"] = "ETAC"
    items = [qty(i, "65,000 victims" if i < 3 else "64,000 victims", v, v, "victims", "persons", None,
                 start=texts[i].index("6"))
             for i, v in ((1, 65000), (2, 65000), (3, 64000))]
    grades = {"daily mail": {"source": "Daily Mail", "reliability": "C"}}
    out = build_links(items, docs, [], grades)
    (cluster,) = out.clusters
    lines = {ln.origin: ln for ln in support(cluster.members, out.claims, grades)}
    assert len({m.document_id for m in cluster.members}) == 3 and len(lines) == 2
    assert sorted(m.document_id for m, _ in lines["Daily Mail"].chain) == [1, 2]
    assert lines["Daily Mail"].grade["reliability"] == "C" and lines["ETAC"].grade is None


def test_pronoun_and_role_word_attributions_follow_the_named_source():
    text = ("Such horrors persist, according to a documentary by filmmaker Leon Lee. "
            "He alleges there are over 65,000 victims. Hospitals hold 500 beds.")
    doc = {"id": 1, "text": text, "site": None, "url": None}

    def at(fragment: str) -> Item:
        return qty(1, fragment, 1, 1, "other", "", None, start=text.index(fragment))

    assert claim_origin(at("65,000"), doc, [], str)[0] == "Leon Lee"
    assert claim_origin(at("500"), doc, [], str)[0] == "document 1"


def test_one_denial_groups_every_allegation_it_answers():
    same_doc = stance(7, "allegation", "Organs were harvested from Falun Gong prisoners.", "ETAC")
    elsewhere = stance(8, "allegation", "Prisoners were executed for their organs.", "DAFOH")
    deny = stance(7, "denial", "Officials deny that prisoners' organs are used.", "NHC")
    (row,) = stance_conflicts([elsewhere, same_doc, deny])
    assert row.a.id == same_doc.id and [x.id for x in row.also] == [elsewhere.id]


def test_testimonies_and_allegations_cluster_by_subject_across_speakers():
    texts = {1: 'Wang Lin told the tribunal: "I removed organs from Falun Gong prisoners."',
             2: 'A nurse, Li Mei, said: "Falun Gong detainees were blood tested every month."',
             3: "ETAC alleges that Uyghur detainees were blood tested."}
    docs = {i: {"id": i, "text": t, "site": None, "url": None} for i, t in texts.items()}
    items = []
    for doc, speaker in ((1, "Wang Lin"), (2, "Li Mei")):
        q = texts[doc].index('"')
        items.append(Item(Span(q, len(texts[doc])), texts[doc][q:], Quote(speaker), doc,
                          id=next(_ids)))
    items.append(stance(3, "allegation", texts[3], "ETAC"))
    for doc, group in ((1, "Falun Gong"), (2, "Falun Gong"), (3, "Uyghurs")):
        items.append(ent(doc, "victim_group", group, start=texts[doc].find(group.rstrip("s"))))
    out = build_links(items, docs, [], {})
    clusters = {c.id: c for c in out.clusters}
    falun = clusters["testimony~Falun Gong"]
    assert sorted(ln.origin for ln in support(falun.members, out.claims, {})) == ["Li Mei", "Wang Lin"]
    assert [m.document_id for m in clusters["allegation~Uyghurs"].members] == [3]
