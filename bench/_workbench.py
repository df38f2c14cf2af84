"""The workbench served on a free 127.0.0.1 port for page benchmarks, logged in as a viewer.

The server runs in a process of its own, as ``harvestwatch web`` would: the benchmark's client
threads (and its raw-query threads) never compete with it for one interpreter lock.
"""

from __future__ import annotations

import atexit
import os
import pickle
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from harvestwatch.core.config import Settings
from harvestwatch.services import users as users_svc

SRC = Path(__file__).resolve().parents[1] / "src"
SERVE = ("import pickle, sys; sys.path.insert(0, sys.argv[1]); import uvicorn; "
         "from harvestwatch.web.app import create_app; "
         "uvicorn.run(create_app(pickle.loads(bytes.fromhex(sys.argv[2]))), host='127.0.0.1', "
         "port=int(sys.argv[3]), log_level='error')")


def serve_as_viewer(settings: Settings, store, *, timeout: float = 60,
                    ) -> tuple[Callable[[str], float], Callable[[], None]]:
    """Start uvicorn in a child process; return ``timed(path)`` (one GET's wall time in seconds)
    and ``stop()``.

    Each calling thread gets its own client carrying the viewer's session; a non-200 answer fails.
    """
    name = f"bench-{secrets.token_hex(4)}"  # a viewer of its own: a kept store may be served again
    users_svc.add_user(store, name, "viewer", "benchmark-pass")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(SRC), pickle.dumps(settings).hex(), str(port)])
    atexit.register(server.kill)  # never left behind, whatever ends the benchmark
    base = f"http://127.0.0.1:{port}"
    login = httpx.Client(base_url=base)
    deadline = time.monotonic() + 120
    while True:
        try:
            form = login.get("/login")
            break
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the workbench did not start on port {port}") from None
            time.sleep(0.1)
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    login.post("/login", data={"username": name, "password": "benchmark-pass", "csrf": token, "next": "/"})
    local = threading.local()

    def timed(path: str) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, cookies=login.cookies, timeout=timeout)
        t = time.perf_counter()
        r = local.client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return time.perf_counter() - t

    def server_cpu() -> float | None:
        """CPU seconds the server process has used so far (Linux; None elsewhere)."""
        try:
            fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop() -> None:
        server.terminate()
        server.wait(30)

    timed.server_cpu = server_cpu  # for a load-independent cost per page
    return timed, stop
