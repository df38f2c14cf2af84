"""Benchmark: screening N synthetic abstracts vs ripgrep with the same lexicon (same run).

    python bench/screen.py [--n 100000] [--mix typical|dense] [--workers 2] [--repeat 3] [--dask]

The corpus is written to one file, one abstract per line, and scanned by
  rg -F -i -c -f LEXICON        (which lines hold any term: stops at the first per line)
  rg -F -i --count-matches ...  (every occurrence: the work a rule engine needs)
Then, on the same texts: (a) the lexicon + prefilter scan alone, (b) all detectors in this
process (as `screen run`), (c) all detectors in a local pool of --workers processes (as `screen run --workers`: each
batch travels as (pk, text, year, facts) tuples and the flags come back as rows). Each is printed as records/s and MB/s
and as a ratio to both rg figures. With --dask, also the 1-worker vs 2-worker ratio on a Dask
LocalCluster on 127.0.0.1, through the same runner as `screen run --scheduler`. It also says
whether the pool's and Dask's flags are identical to the in-process ones (a hash of every row).

--mix typical (default) draws transplant abstracts with base rates like those reported in the
literature reviews (most papers state a donor source, consent or ethics approval in a minority
to half of cases, a dead-donor-rule sentence is rare); --mix dense puts a rule-triggering
sentence in nearly every abstract, the worst case for the detectors.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.engine.runner import run_batches  # noqa: E402
from harvestwatch.screen.detectors import default_matcher, screen_records  # noqa: E402
from harvestwatch.screen.lexicon import load_terms  # noqa: E402
from harvestwatch.screen.records import Record  # noqa: E402
from harvestwatch.services.screen import _screen_batch  # noqa: E402

BATCH = 5000

DENSE = [
    "We retrospectively analysed {n} kidney transplantations performed from {a} to {b}.",
    "After brain death was declared, the donor was intubated and ventilated.",
    "Graft survival at one year was {p}% and acute rejection occurred in {q} patients.",
    "Informed consent was obtained and the ethics committee approved the protocol.",
    "供体脑死亡后行气管插管，随后切取肝脏。",
    "The mean waiting time was {q} days for liver recipients.",
    "Organs were obtained from deceased donors through citizen donation.",
    "Immunosuppression consisted of tacrolimus, mycophenolate and steroids.",
]

NEUTRAL_EN = [
    "We retrospectively analysed {n} consecutive kidney transplant recipients at a single centre.",
    "Graft survival at one year was {p}% and acute rejection occurred in {q} patients.",
    "Immunosuppression consisted of tacrolimus, mycophenolate mofetil and steroids.",
    "Delayed graft function was defined as the need for dialysis within the first week.",
    "Patient survival at five years was {p}% in the study group.",
    "Cold ischaemia time averaged {q} hours and warm ischaemia time {p} minutes.",
    "Cytomegalovirus infection developed in {q} recipients and was treated with ganciclovir.",
    "Multivariate analysis identified donor age and HLA mismatch as independent risk factors.",
    "Liver function recovered within two weeks in most recipients.",
    "Biopsy-proven rejection was treated with methylprednisolone pulses.",
    "Serum creatinine at discharge was {p} micromol per litre.",
    "These results support the use of extended criteria grafts in selected recipients.",
    "Postoperative complications included biliary stricture, hepatic artery thrombosis and infection.",
    "The operation was performed through a right subcostal incision.",
]
NEUTRAL_ZH = [
    "回顾性分析本中心{n}例肾移植受者的临床资料。",
    "术后1年移植物存活率为{p}%，急性排斥反应发生{q}例。",
    "免疫抑制方案为他克莫司、吗替麦考酚酯联合激素。",
    "冷缺血时间平均{q}小时。",
    "術後肝功能於兩周內恢復正常。",
    "多因素分析显示供体年龄为独立危险因素。",
]
# (probability per abstract, English, Chinese)
TRIGGERS = [
    (0.45, "Transplants performed from {a} to {b} were included.", "{a}年1月至{b}年12月共完成肝移植{n}例。"),
    (0.35, "Organs were obtained from deceased donors through citizen donation.", "供体来源于公民逝世后器官捐献。"),
    (0.35, "Informed consent was obtained from the donor families.", "所有供体家属均签署知情同意书。"),
    (0.45, "The study was approved by the institutional ethics committee.", "本研究经医院伦理委员会批准。"),
    (0.03, "Consent may have been obtained by the referring hospital.", "可能已获得知情同意。"),
    (0.04, "The mean waiting time was {q} days for liver recipients.", "肝移植受者平均等待时间为{q}天。"),
    (0.08, "Donors were declared brain dead by two physicians.", "供体经两名医师判定脑死亡。"),
    (0.06, "All recipients were extubated within {q} hours of surgery.", "受者术后{q}小时内拔除气管插管。"),
    (0.01, "After brain death was declared, the donor was intubated and ventilated.",
     "供体脑死亡后行气管插管，随后切取肝脏。"),
    (0.01, "The donor was placed supine, intubated, and a median sternotomy was performed.",
     "供者取仰卧位，气管插管，正中开胸切取心脏。"),
    (0.02, "After brain death, mechanical ventilation was continued until the organs were procured.",
     "脑死亡后继续呼吸机维持通气至器官切取。"),
]


# The authors' affiliations a Chinese-literature search returns: mostly mainland, some Hong
# Kong, Taiwan or abroad, some records without any (then the abstract's script and places decide).
AFFILIATIONS = [
    ["Department of Hepatobiliary Surgery, First Affiliated Hospital, Zhejiang University School of Medicine, "
     "Hangzhou 310003, China"],
    ["Organ Transplant Center, The First Affiliated Hospital, Sun Yat-sen University, Guangzhou 510080, China",
     "Department of Nephrology, Fudan University, Shanghai, China"],
    ["Institute of Organ Transplantation, Tongji Hospital, Tongji Medical College, Huazhong University of Science "
     "and Technology, Wuhan 430030, Hubei, China"],
    ["浙江大学医学院附属第一医院肝胆胰外科，浙江 杭州 310003"],
    ["Department of Surgery, Queen Mary Hospital, The University of Hong Kong, Hong Kong SAR, China"],
    ["Department of Surgery, National Taiwan University Hospital, Taipei, Taiwan"],
    ["Department of Surgery, Massachusetts General Hospital, Boston, MA 02114, USA"],
    [],
]
AFFILIATION_WEIGHTS = [3, 2, 2, 2, 1, 1, 1, 2]


def synth(n: int, mix: str = "typical", seed: int = 0) -> list[Record]:
    """``n`` synthetic abstracts (about 30% Chinese in the typical mix), most with a mainland
    affiliation (the Rogers rules apply), some from Hong Kong, Taiwan, the US or none."""
    rng = random.Random(seed)

    def fill(s: str) -> str:
        return s.format(n=rng.randint(20, 400), a=rng.randint(1995, 2012), b=rng.randint(2013, 2020),
                        p=rng.randint(70, 99), q=rng.randint(2, 60))

    out = []
    for i in range(n):
        if mix == "dense":
            text = " ".join(fill(s) for s in rng.sample(DENSE, 4))
        else:
            zh = rng.random() < 0.3
            parts = rng.sample(NEUTRAL_ZH if zh else NEUTRAL_EN, 3 if zh else 5)
            parts += [t[2] if zh else t[1] for t in TRIGGERS if rng.random() < t[0]]
            rng.shuffle(parts)
            text = ("" if zh else " ").join(fill(s) for s in parts)
        affiliations = rng.choices(AFFILIATIONS, AFFILIATION_WEIGHTS)[0]
        out.append(Record(id=str(i), title=f"Study {i}", abstract=text, year=rng.randint(2000, 2022),
                          affiliations=list(affiliations)))
    return out


def _rate(label: str, n: int, mb: float, seconds: float, rg: dict[str, float]) -> None:
    ratios = "  ".join(f"{t / seconds:.2f}x {name}" for name, t in rg.items())
    print(f"{label:<34} {n / seconds:>11,.0f} records/s {mb / seconds:>8.1f} MB/s   {ratios}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--mix", choices=("typical", "dense"), default="typical")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rg_bin = shutil.which("rg")
    if not rg_bin:
        sys.exit("rg not installed: apt-get install ripgrep")
    recs = synth(args.n, args.mix)
    texts = [r.text.replace("\n", " ") for r in recs]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    matcher = default_matcher()
    batches = [recs[i:i + BATCH] for i in range(0, len(recs), BATCH)]
    # What `screen run` sends to each worker: (pk, text, year, facts) per record.
    wire = [[(int(r.id), r.text, r.year, r.facts) for r in b] for b in batches]
    flagged = sum(bool(f) for f in screen_records(recs[:BATCH], matcher))  # warm-up; share flagged

    results: dict[str, object] = {}

    def timed(fn, name: str | None = None) -> float:
        t0 = time.perf_counter()
        out = fn()
        if name:
            results[name] = out
        return time.perf_counter() - t0

    def scan() -> None:
        for i in range(0, len(texts), BATCH):
            matcher.scan_batch(texts[i:i + BATCH])

    def digest(batches) -> str:
        """One hash of every flag row, to compare runs without keeping them in memory."""
        h = hashlib.sha256()
        for rows in batches:
            h.update(pickle.dumps(rows))
        return h.hexdigest()

    def detectors(workers: int) -> str:
        return digest(run_batches(_screen_batch, wire, workers=workers))

    # Every stage runs --repeat times, interleaved, and the best time counts: a shared 2-core
    # machine's speed drifts by tens of percent from one second to the next.
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(texts), encoding="utf-8")
        pats = Path(tmp) / "lexicon.txt"
        pats.write_text("\n".join(t.term for t in load_terms()), encoding="utf-8")
        stages = {name: (lambda extra=extra: subprocess.run(
            [rg_bin, "-F", "-i", *extra, "-f", str(pats), str(corpus)], capture_output=True, check=True))
            for name, extra in (("rg -c", ["-c"]), ("rg --count-matches", ["--count-matches"]))}
        stages |= {"scan": scan, "detectors": lambda: detectors(1), "pool": lambda: detectors(args.workers)}
        for _ in range(args.repeat):
            for name, fn in stages.items():
                best[name] = min(best.get(name, float("inf")), timed(fn, name))
    rg = {name: best[name] for name in ("rg -c", "rg --count-matches")}

    print(f"{args.n:,} records ({args.mix} mix), {mb:.1f} MB; {flagged / BATCH:.0%} of the first "
          f"{BATCH:,} flagged; best of {args.repeat}")
    for name, t in rg.items():
        _rate(name + " (baseline)", args.n, mb, t, {})
    _rate("lexicon + prefilter scan", args.n, mb, best["scan"], rg)
    _rate("all detectors, 1 process", args.n, mb, best["detectors"], rg)
    _rate(f"all detectors, {args.workers} processes", args.n, mb, best["pool"], rg)
    print("goal (issue 5): all detectors >= 1.0x rg")
    print(f"{args.workers}-process pool flags identical to in-process flags: {results['pool'] == results['detectors']}")

    if args.dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as one, \
                LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as two:
            clusters = {1: one.scheduler_address, 2: two.scheduler_address}
            times: dict[int, float] = {}
            for _ in range(args.repeat):
                for w, address in clusters.items():
                    times[w] = min(times.get(w, float("inf")), timed(
                        lambda a=address: digest(run_batches(_screen_batch, wire, scheduler=a)), f"dask{w}"))
        print(f"Dask (batches sent and flags returned, as `screen run --scheduler`): 1 worker "
              f"{times[1]:.2f} s, 2 workers {times[2]:.2f} s: speed-up {times[1] / times[2]:.2f}x "
              "(goal >= 1.7x)")
        same = results["dask1"] == results["dask2"] == results["detectors"]
        print(f"Dask flags (1 and 2 workers) identical to in-process flags: {same}")


if __name__ == "__main__":
    main()
