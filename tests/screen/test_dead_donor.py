"""Dead-donor rule: each form of a breach and each reading that is not one, in English,
simplified and traditional Chinese. Sentences written for these tests from the published
coding criteria (Robertson & Lavee 2022; issue 12), not taken from the papers."""

from __future__ import annotations

import pytest

from harvestwatch.core.folding import fold_for_search
from harvestwatch.screen.dead_donor import Order, read_dead_donor
from harvestwatch.screen.detectors import default_matcher, screen_record
from harvestwatch.screen.records import Record


def reading(text: str):
    return read_dead_donor(text, fold_for_search(text), default_matcher().scan(text))


def flagged(text: str) -> bool:
    return any(f.rule == "dead_donor_rule" for f in screen_record(Record(id="t", abstract=text)))


BREACHES = [
    # the airway among the procurement steps, no death wording at all
    ("The donor was placed supine, an endotracheal tube was inserted, and a median sternotomy was "
     "performed to excise the heart.", Order.NO_DEATH_EVENT),
    ("供者取仰卧位，气管插管，迅速正中开胸，阻断升主动脉后取出心脏。", Order.NO_DEATH_EVENT),
    ("供者取仰臥位，氣管插管，迅速正中開胸，阻斷升主動脈後取出心臟。", Order.NO_DEATH_EVENT),
    ("切取肝脏时，供体经面罩加压给氧，随后开腹。", Order.NO_DEATH_EVENT),
    # after a bare "death" / "breathing had stopped"
    ("After death, the donor was intubated and a sternotomy was performed to procure the lungs.",
     Order.DEATH_THEN_AIRWAY),
    ("When breathing had stopped, the trachea was intubated and the abdomen opened through a midline "
     "incision to procure the kidneys.", Order.DEATH_THEN_AIRWAY),
    ("供者死亡后行气管切开，接简易呼吸器，开胸切取心肺。", Order.DEATH_THEN_AIRWAY),
    ("供体呼吸停止后，插入气管导管人工通气，快速开胸灌注。", Order.DEATH_THEN_AIRWAY),
    ("执行死刑后立即气管插管，开胸切取心肺。", Order.DEATH_THEN_AIRWAY),
    # in a neighbouring sentence of the same procurement passage
    ("The donor was declared brain dead by two physicians. Tracheal intubation was then performed. "
     "A median sternotomy exposed the heart, which was excised.", Order.DEATH_THEN_AIRWAY),
    ("供体经两名医师判定脑死亡。随即气管插管。胸骨正中切口显露心脏并切取。", Order.DEATH_THEN_AIRWAY),
    # English clause orders
    ("Once brain death had been confirmed, an endotracheal tube was placed and the donor heart was "
     "excised.", Order.DEATH_THEN_AIRWAY),
    ("The donor, declared brain dead, was then intubated and ventilated, and the chest was opened.",
     Order.DEATH_THEN_AIRWAY),
    ("In the donor, intubation followed the declaration of brain death; a sternotomy was then made.",
     Order.DEATH_THEN_AIRWAY),
    ("Upon declaration of brain death the donor was intubated and the liver was procured.",
     Order.DEATH_THEN_AIRWAY),
    ("After brain death, under aseptic conditions the donor was intubated and the chest was opened.",
     Order.DEATH_THEN_AIRWAY),
    ("Artificial respiration was established after the donor was confirmed brain dead, and the chest "
     "was opened.", Order.DEATH_THEN_AIRWAY),
    # Chinese orders: death first, the airway after it, in one sentence
    ("供体脑死亡后，建立人工呼吸，正中开胸切取心脏。", Order.DEATH_THEN_AIRWAY),
    ("对脑死亡供者即行气管插管，纯氧通气，随后开胸。", Order.DEATH_THEN_AIRWAY),
    ("气管插管于供体脑死亡后进行，继而开胸灌注。", Order.DEATH_THEN_AIRWAY),
]


@pytest.mark.parametrize(("text", "order"), BREACHES)
def test_breaches_are_flagged_with_their_order(text, order):
    r = reading(text)
    assert r is not None, text
    assert r.order is order
    assert r.airway.text in text and r.passage.start <= r.airway.start < r.passage.end
    assert (r.death is None) == (order is Order.NO_DEATH_EVENT)
    assert {x.reading for x in r.ruled_out} >= {"maintenance", "cannulation"} or r.airway.role == "airway"
    assert flagged(text)


NOT_BREACHES = [
    # ventilation already running, only continued or maintained
    "After brain death was confirmed, mechanical ventilation was continued and the chest was opened "
    "for heart procurement.",
    "脑死亡后继续用呼吸机维持通气，开胸切取心脏。",
    "脑死亡后以麻醉机维持呼吸，开胸切取心脏。",
    "供体保持呼吸道通畅，建立人工辅助呼吸，开胸后切取心脏。",
    "The donor, already intubated and ventilated in the intensive care unit, was taken to theatre and "
    "the heart was procured after brain death was declared.",
    "供体在气管插管、呼吸机支持下判定脑死亡，然后开胸切取心脏。",
    "After brain death was declared, the donor under mechanical ventilation was taken to theatre and the "
    "chest was opened.",
    "After brain death, with the endotracheal tube in place, a sternotomy was made and the heart excised.",
    "脑死亡后继续经气管插管机械通气，开胸切取心脏。",
    "After brain death was declared, ventilation was continued via the endotracheal tube and the chest "
    "was opened to procure the heart.",
    # donor management in intensive care, or support kept for a stated time
    "Brain-dead donors were intubated and ventilated in the ICU for a median of 3 days before procurement.",
    "脑死亡供体于ICU行呼吸机辅助呼吸，平均维持48h后送手术室获取器官。",
    # vascular cannulation is not airway intubation
    "经股动脉插管灌注器官保存液，随后切取肝肾。",
    "An aortic cannula was inserted, the donor was perfused with cold solution and the kidneys were "
    "procured.",
    # loss of spontaneous breathing quoted as the definition of brain death
    "Brain death, defined as irreversible loss of brain function including spontaneous breathing, "
    "was diagnosed by two physicians in the ventilated donor before procurement.",
    "脑死亡指全脑功能不可逆丧失、自主呼吸停止的状态，供体均在呼吸机支持下开胸切取器官。",
    # general statements that describe no procurement, or say what should be done
    "Brain-dead patients need mechanical ventilation in the intensive care unit.",
    "Brain death is a clinical diagnosis. Intubation is common in intensive care.",
    "脑死亡供体应尽快建立人工呼吸并维持循环，以缩短热缺血时间。",
    "We adhere to the principle of a short warm ischaemia time. After brain death, artificial "
    "ventilation is established and the chest opened quickly.",
    # the airway came before the declaration
    "The donor was intubated and ventilated in the ICU before brain death was declared; the heart "
    "was then procured.",
    "After intubation, brain death was declared and the organs were procured.",
    "The declaration of brain death followed intubation, and the heart was then excised.",
    # negation as a word, and a recipient's anaesthesia or extubation
    "若供体心跳停止，不应一味追求气管插管，应尽快开胸灌注。",
    "受者在全身麻醉、气管插管下行原位心脏移植术，体外循环下吻合。",
    "The recipient was intubated under general anesthesia and cardiopulmonary bypass was established.",
    "移植术后第2日拔除气管插管，供体来源于公民逝世后器官捐献。",
    # circulatory death: re-intubation for lung recovery is standard practice
    "After circulatory death was declared, the donor was re-intubated for lung recovery and a "
    "sternotomy was performed.",
]


@pytest.mark.parametrize("text", NOT_BREACHES)
def test_readings_that_are_not_breaches(text):
    assert reading(text) is None, text
    assert not flagged(text)


def test_negation_is_a_word_not_a_character():
    # 无 inside 无菌 ("sterile") is no negation; 未 as a word is.
    assert reading("在无菌条件下，供体气管插管后开胸切取心脏。") is not None
    assert reading("供体未行气管插管，直接开胸切取心脏。") is None


def test_flag_quotes_passage_death_airway_order_and_ruled_out_readings():
    text = "供体脑死亡后，立即气管插管，纯氧通气，胸骨正中切口切取心肺。"
    flag = next(f for f in screen_record(Record(id="t", abstract=text)) if f.rule == "dead_donor_rule")
    roles = {e.role: e.text for e in flag.evidence}
    assert roles["death"] == "脑死亡" and roles["airway"] == "气管插管" and roles["passage"].startswith("供体")
    assert "death declared, then airway established" in flag.explanation
    assert "not maintenance" in flag.explanation and "not cannulation" in flag.explanation
    assert flag.to_row()[3][0] == {"start": 0, "end": len(text), "text": text, "role": "passage"}
    r = reading(text)
    assert {x.reading for x in r.ruled_out} == {"maintenance", "cannulation"}
    assert flag.reading == r and flag.reading.order is Order.DEATH_THEN_AIRWAY


def test_procurement_on_a_spontaneously_breathing_donor():
    assert flagged("The kidneys were procured while the donor was breathing spontaneously.")
    assert not flagged("The donor had no spontaneous breathing when the kidneys were procured.")
    assert not flagged("Brain death means loss of spontaneous breathing; the kidneys were procured.")


@pytest.mark.slow
def test_process_pool_and_dask_give_the_same_flags():
    from distributed import LocalCluster

    from harvestwatch.engine.runner import run_batches
    from harvestwatch.screen.records import Facts
    from harvestwatch.services.screen import _screen_batch

    texts = [t for t, _ in BREACHES] + NOT_BREACHES
    facts = Facts(affiliations=("Department of Surgery, Fudan University, Shanghai, China",))
    batches = [[(i, t, 2005, facts) for i, t in enumerate(texts)][k:k + 10] for k in range(0, len(texts), 10)]
    local = list(run_batches(_screen_batch, batches, workers=1))
    assert sum(any(r[0] == "dead_donor_rule" for r in rows) for b in local for _, rows in b) == len(BREACHES)
    # the record's facts travel with it: the Rogers rules apply (a mainland affiliation)
    assert any(r[0] == "pre_2015" and "Fudan University" in r[2] for b in local for _, rows in b for r in rows)
    assert list(run_batches(_screen_batch, batches, workers=2)) == local
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", protocol="tcp",
                      dashboard_address=None) as cluster:
        assert list(run_batches(_screen_batch, batches, scheduler=cluster.scheduler_address)) == local
