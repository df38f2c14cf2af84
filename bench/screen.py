"""Benchmark: screening N synthetic abstracts vs `rg -F -f lexicon` on the same text (same run).

    python bench/screen.py [--n 100000] [--dask]

Prints records/s and MB/s for (a) the hyperscan lexicon scan alone, (b) all detectors,
and for ripgrep with the same lexicon as fixed strings; ratios against rg. With --dask,
also the 1-worker vs 2-worker Dask ratio on a LocalCluster on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.screen.detectors import screen_records  # noqa: E402
from harvestwatch.screen.lexicon import default_matcher, load_terms  # noqa: E402
from harvestwatch.screen.records import Record  # noqa: E402

SENTENCES = [
    "We retrospectively analysed {n} kidney transplantations performed from {a} to {b}.",
    "After brain death was declared, the donor was intubated and ventilated.",
    "Graft survival at one year was {p}% and acute rejection occurred in {q} patients.",
    "Informed consent was obtained and the ethics committee approved the protocol.",
    "供体脑死亡后行气管插管，随后切取肝脏。",
    "The mean waiting time was {q} days for liver recipients.",
    "Organs were obtained from deceased donors through citizen donation.",
    "Immunosuppression consisted of tacrolimus, mycophenolate and steroids.",
]


def synth(n: int, seed: int = 0) -> list[Record]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts = rng.sample(SENTENCES, 4)
        text = " ".join(s.format(n=rng.randint(20, 400), a=rng.randint(1995, 2012), b=rng.randint(2013, 2020),
                                 p=rng.randint(70, 99), q=rng.randint(2, 60)) for s in parts)
        out.append(Record(id=str(i), title=f"Study {i}", abstract=text, year=rng.randint(2000, 2022)))
    return out


def _batch(recs):
    return sum(len(f) for f in screen_records(recs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args()
    recs = synth(args.n)
    texts = [r.text for r in recs]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    matcher = default_matcher()
    t0 = time.perf_counter()
    for i in range(0, len(texts), 5000):
        matcher.scan_many(texts[i:i + 5000])
    t_scan = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(0, len(recs), 5000):
        screen_records(recs[i:i + 5000], matcher)
    t_full = time.perf_counter() - t0
    print(f"{args.n:,} records, {mb:.1f} MB")
    print(f"hyperscan lexicon scan: {args.n / t_scan:,.0f} records/s, {mb / t_scan:.1f} MB/s")
    print(f"all detectors:          {args.n / t_full:,.0f} records/s, {mb / t_full:.1f} MB/s")
    rg = shutil.which("rg")
    if rg:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus.txt"
            corpus.write_text("\n".join(t.replace("\n", " ") for t in texts), encoding="utf-8")
            pats = Path(tmp) / "lexicon.txt"
            pats.write_text("\n".join(t.term for t in load_terms()), encoding="utf-8")
            t0 = time.perf_counter()
            subprocess.run([rg, "-F", "-i", "-c", "-f", str(pats), str(corpus)], capture_output=True)
            t_rg = time.perf_counter() - t0
        print(f"rg -F -i -f lexicon:    {args.n / t_rg:,.0f} records/s, {mb / t_rg:.1f} MB/s")
        print(f"ratio scan/rg: {t_rg / t_scan:.2f}x; detectors/rg: {t_rg / t_full:.2f}x (goal ≥ 1.0x)")
    else:
        print("rg not installed: apt-get install ripgrep")
    if args.dask:
        from distributed import Client, LocalCluster

        chunks = [recs[i:i + 5000] for i in range(0, len(recs), 5000)]
        times = {}
        for w in (1, 2):
            with LocalCluster(n_workers=w, threads_per_worker=1, host="127.0.0.1",
                              dashboard_address=None) as cluster, Client(cluster) as client:
                futs = client.scatter(chunks)
                t0 = time.perf_counter()
                client.gather(client.map(_batch, futs))
                times[w] = time.perf_counter() - t0
        print(f"Dask 1 worker {times[1]:.2f} s, 2 workers {times[2]:.2f} s: speed-up {times[1] / times[2]:.2f}x (goal ≥ 1.7x)")


if __name__ == "__main__":
    main()
