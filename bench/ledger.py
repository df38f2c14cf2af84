"""Custody ledger: signing a tree head and proving entries, against hashing the same entries.

    python bench/ledger.py [--sizes 10000 100000 1000000] [--proofs 200] [--quick]

For each ledger size n (a SQLite store filled with n chained entries):

- baseline: read the n entries and SHA-256 each one's canonical JSON (what ``verify``
  does to recompute the chain), and, for scale, SHA-256 of each stored entry hash alone;
- checkpoint from scratch: read the entry hashes, RFC 6962 tree, cache of subtree nodes,
  Ed25519 signature (goal ≤ 2× the baseline);
- checkpoint after 1,000 more entries (extends the last head's frontier);
- inclusion proof of a random entry against the head (goal: O(log n), about flat in n);
- consistency proof from a random earlier size (computed from the cached nodes).

Timings are the best of ``--repeats`` runs; the machine may be shared, so they are noisy.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import delete, insert, select  # noqa: E402

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.core.hashing import sha256_json  # noqa: E402
from harvestwatch.core.treehead import entry_hash  # noqa: E402
from harvestwatch.services import custody  # noqa: E402
from harvestwatch.store import open_store, tree  # noqa: E402
from harvestwatch.store.custody_models import MerkleNode, TreeHead  # noqa: E402
from harvestwatch.store.models import LedgerEntry  # noqa: E402

AT = "2026-12-03T00:00:00.000000Z"
FIELDS = (LedgerEntry.seq, LedgerEntry.at, LedgerEntry.actor, LedgerEntry.action,
          LedgerEntry.object_type, LedgerEntry.object_id, LedgerEntry.payload_hash,
          LedgerEntry.prev_hash)


def fill(store, start: int, n: int, prev: str) -> str:
    """Append n chained entries (seq start+1 ..) in bulk; returns the last entry hash."""
    rows = []
    for seq in range(start + 1, start + n + 1):
        payload = {"document_id": seq, "fingerprint": f"{seq:064x}"}
        ph = sha256_json(payload)
        h = entry_hash(seq, AT, "bench", "ingest", "document", f"{seq:064x}", ph, prev)
        rows.append({"seq": seq, "at": AT, "actor": "bench", "action": "ingest",
                     "object_type": "document", "object_id": f"{seq:064x}", "payload": payload,
                     "payload_hash": ph, "prev_hash": prev, "entry_hash": h})
        prev = h
        if len(rows) == 50_000:
            with store.session() as s:
                s.execute(insert(LedgerEntry), rows)
            rows = []
    if rows:
        with store.session() as s:
            s.execute(insert(LedgerEntry), rows)
    return prev


def best(fn, repeats: int) -> float:
    out = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def hash_entries(store) -> None:
    """Baseline: every entry's hash recomputed from its fields (the chain check's work)."""
    with store.session() as s:
        for row in s.execute(select(*FIELDS).order_by(LedgerEntry.seq).execution_options(yield_per=50_000)):
            entry_hash(*row)


def hash_stored(store) -> None:
    """For scale: one SHA-256 per stored entry hash, nothing else."""
    with store.session() as s:
        for h in s.scalars(select(LedgerEntry.entry_hash).execution_options(yield_per=50_000)):
            hashlib.sha256(bytes.fromhex(h)).digest()


def fresh_checkpoint(store) -> None:
    with store.session() as s:
        s.execute(delete(TreeHead))
        s.execute(delete(MerkleNode))
    custody.checkpoint(store)


def run(n: int, proofs: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(store_dir=Path(tmp) / "store", actor="bench"))
        custody.signing_key(store)  # entry 1
        with store.session() as s:
            last = s.scalar(select(LedgerEntry.entry_hash).where(LedgerEntry.seq == 1))
        t0 = time.perf_counter()
        last = fill(store, 1, n - 1, last)
        build = time.perf_counter() - t0
        base = best(lambda: hash_entries(store), repeats)
        raw = best(lambda: hash_stored(store), repeats)
        full = best(lambda: fresh_checkpoint(store), repeats)
        fill(store, n, 1000, last)
        t0 = time.perf_counter()
        head = custody.checkpoint(store)
        incr = time.perf_counter() - t0
        size = head.tree_size
        rng = random.Random(7)
        seqs = [rng.randint(1, size) for _ in range(proofs)]
        with store.session() as s:
            t0 = time.perf_counter()
            lengths = [len(tree.inclusion(s, seq, size)) for seq in seqs]
            per_proof = (time.perf_counter() - t0) / proofs
            olds = [rng.randint(1, size - 1) for _ in range(max(1, proofs // 10))]
            t0 = time.perf_counter()
            for m in olds:
                tree.consistency(s, m, size)
            per_consistency = (time.perf_counter() - t0) / len(olds)
            nodes = s.query(MerkleNode).count()
        ok = custody.prove_entry(store, seqs[0])["valid"]
        store.close()
    ratio = full / base
    print(f"n = {n:>9,}  (filled in {build:.1f} s; {nodes:,} cached nodes)")
    print(f"  baseline: hash each entry from its fields   {base:8.3f} s")
    print(f"  for scale: one SHA-256 per stored hash      {raw:8.3f} s")
    print(f"  checkpoint from scratch (sign + cache)      {full:8.3f} s = {ratio:4.2f}× baseline "
          f"[{'ok' if ratio <= 2 else 'over'}: goal ≤ 2×]")
    print(f"  checkpoint after +1,000 entries             {incr * 1000:8.1f} ms")
    print(f"  inclusion proof (mean of {proofs})            {per_proof * 1000:8.2f} ms, "
          f"{max(lengths)} hashes (log2 n = {size.bit_length() - 1}), valid: {ok}")
    print(f"  consistency proof (mean of {len(olds)})          {per_consistency * 1000:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--proofs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="10^3 and 10^4 entries only")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else args.sizes
    for n in sizes:
        run(n, args.proofs, args.repeats)


if __name__ == "__main__":
    main()
