"""The workbench served on a free 127.0.0.1 port for page benchmarks, logged in as a viewer."""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from collections.abc import Callable

import httpx

from harvestwatch.core.config import Settings
from harvestwatch.services import users as users_svc


def serve_as_viewer(settings: Settings, store, *, timeout: float = 60,
                    ) -> tuple[Callable[[str], float], Callable[[], None]]:
    """Start uvicorn in a thread; return ``timed(path)`` (one GET's wall time in seconds) and ``stop()``.

    Each calling thread gets its own client carrying the viewer's session; a non-200 answer fails.
    """
    import uvicorn

    from harvestwatch.web.app import create_app

    name = f"bench-{secrets.token_hex(4)}"  # a viewer of its own: a kept store may be served again
    users_svc.add_user(store, name, "viewer", "benchmark-pass")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    login = httpx.Client(base_url=base)
    token = re.search(r'name="csrf" value="([^"]+)"', login.get("/login").text).group(1)
    login.post("/login", data={"username": name, "password": "benchmark-pass", "csrf": token, "next": "/"})
    local = threading.local()

    def timed(path: str) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, cookies=login.cookies, timeout=timeout)
        t = time.perf_counter()
        r = local.client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return time.perf_counter() - t

    def stop() -> None:
        server.should_exit = True

    return timed, stop
