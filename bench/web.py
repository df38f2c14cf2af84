"""Benchmark: p50/p95 latency of search and document pages under 20 concurrent clients,
against a raw FTS5 query on the same database (same run).

    python bench/web.py [--docs 2000] [--requests 400] [--clients 20]
"""

from __future__ import annotations

import argparse
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.services import store as store_svc  # noqa: E402
from harvestwatch.services import users as users_svc  # noqa: E402

WORDS = ("transplant hospital kidney liver donor waiting time prisoner report evidence witness "
         "official statistics registry surgeon volunteer consent tribunal 器官 移植 等待").split()
QUERIES = ["kidney", "waiting time", "donor consent", "器官", "tribunal evidence", "surgeon"]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def main() -> None:
    import uvicorn

    from harvestwatch.web.app import create_app

    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(0)
    tmp = Path(tempfile.mkdtemp(prefix="hw-webbench-"))
    corpus = tmp / "corpus"
    corpus.mkdir()
    for i in range(args.docs):
        (corpus / f"d{i:05}.txt").write_text(f"Report {i}\n" + " ".join(rng.choice(WORDS) for _ in range(300)))
    settings = Settings(store_dir=tmp / "store")
    st = store_svc.open(settings)
    store_svc.ingest(st, [str(corpus)], extract=False, workers=2)
    users_svc.add_user(st, "bench", "viewer", "benchmark-pass")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    login = httpx.Client(base_url=base)
    import re

    token = re.search(r'name="csrf" value="([^"]+)"', login.get("/login").text).group(1)
    login.post("/login", data={"username": "bench", "password": "benchmark-pass", "csrf": token, "next": "/"})
    cookies = login.cookies

    def timed(path: str) -> float:
        with httpx.Client(base_url=base, cookies=cookies) as c:
            t0 = time.perf_counter()
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code)
            return time.perf_counter() - t0

    db = str(settings.store_dir / "harvestwatch.sqlite3")

    def raw(q: str) -> float:
        con = sqlite3.connect(db)
        t0 = time.perf_counter()
        con.execute("SELECT rowid, bm25(search_fts) FROM search_fts WHERE search_fts MATCH ? "
                    "ORDER BY bm25(search_fts) LIMIT 20", (f'"{q}"',)).fetchall()
        dt = time.perf_counter() - t0
        con.close()
        return dt

    paths_search = [f"/search?q={rng.choice(QUERIES)}" for _ in range(args.requests)]
    paths_doc = [f"/documents/{rng.randint(1, args.docs)}" for _ in range(args.requests)]
    with ThreadPoolExecutor(args.clients) as pool:
        t_search = list(pool.map(timed, paths_search))
        t_doc = list(pool.map(timed, paths_doc))
        t_raw = list(pool.map(raw, [rng.choice([q for q in QUERIES if len(q) >= 3]) for _ in range(args.requests)]))
    server.should_exit = True
    print(f"{args.docs} documents, {args.requests} requests each, {args.clients} concurrent clients")
    for name, xs in (("search page", t_search), ("document page", t_doc), ("raw FTS query", t_raw)):
        print(f"{name:14}: p50 {pct(xs, .5):7.1f} ms  p95 {pct(xs, .95):7.1f} ms  mean {statistics.mean(xs) * 1000:7.1f} ms")
    print(f"ratio search page / raw FTS (p50): {pct(t_search, .5) / pct(t_raw, .5):.1f}x")


if __name__ == "__main__":
    main()
