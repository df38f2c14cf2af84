"""``schemathesis run`` against the workbench on 127.0.0.1: every operation in the OpenAPI
schema, every check (server errors, undocumented status codes and content types, schema-valid
requests refused, invalid ones accepted, response schemas), a fixed seed and a bounded number
of examples, as a logged-in investigator with a valid CSRF header. Zero failures expected."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harvestwatch.core.config import Settings
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from tests.live import live_server
from tests.web.conftest import PASSWORD

EXAMPLES = 12  # per operation and phase: a few hundred requests in all, well under a minute
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("schemathesis")
    settings = Settings(store_dir=root / "store", actor="setup")
    store = store_svc.open(settings)
    public = root / "tianjin.txt"
    public.write_text("Tianjin First Central Hospital advertised liver transplants with a waiting "
                      "time of two weeks in 2006, the report by David Matas said.")
    secret = root / "witness.txt"
    secret.write_text("Witness statement: a guard at Sujiatun said 43 prisoners were blood-tested.")
    store_svc.ingest(store, [str(public)], kind="news", tags=["open"])
    store_svc.ingest(store, [str(secret)], kind="testimony", restricted=True)
    users_svc.add_user(store, "ivan", "investigator", PASSWORD)
    with live_server(settings) as url:
        yield url


def _session(base: str, name: str) -> tuple[str, str]:
    """Cookie header and CSRF token of a fresh login."""
    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        r = client.post("/login", data={"username": name, "password": PASSWORD, "csrf": token, "next": "/"})
        assert r.status_code == 303, r.text[:300]
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items()), csrf


def test_schemathesis_finds_no_failure(server, tmp_path):
    assert SCHEMATHESIS.exists(), "schemathesis is missing: pip install -e '.[test]'"
    cookie, csrf = _session(server, "ivan")
    cmd = [str(SCHEMATHESIS), "run", f"{server}/api/openapi.json", "--checks", "all",
           "--max-examples", str(EXAMPLES), "--seed", "18", "--workers", "1",
           "--generation-database", "none", "--no-color", "--continue-on-failure",
           "--max-failures", "30", "--output-truncate", "true", "--request-timeout", "30",
           "-H", f"Cookie: {cookie}", "-H", f"X-CSRF-Token: {csrf}"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    summary = re.search(r"(\d+) generated, .*", run.stdout)
    print(f"\nschemathesis: {summary.group(0) if summary else 'no summary'}")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert summary and int(summary.group(1)) >= 100, run.stdout[-2000:]
    operations = re.search(r"Tested: (\d+)", run.stdout)
    assert operations and int(operations.group(1)) >= 8, run.stdout[-2000:]
