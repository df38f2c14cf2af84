"""Briefs in the workbench: building one is a POST that runs in the background with progress;
the built file is cached by the ledger's Merkle root and the options, and GET only downloads it."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse

from harvestwatch.core.errors import NotFound, PermissionDenied
from harvestwatch.services import report as report_svc
from harvestwatch.web.links import base_url
from harvestwatch.web.render import page
from harvestwatch.web.security import check_csrf, is_cleared, require

router = APIRouter(include_in_schema=False)
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
KEEP_JOBS = 200  # job pages kept while the workbench runs (the built briefs stay in the cache)


@dataclass
class Job:
    """One brief being built: who asked, with which options, how far it got, and its result."""

    id: str
    user: str
    options: report_svc.ReportOptions
    started: str
    done: int = 0
    total: int = 1
    step: str = "queued"
    state: str = "running"  # running | done | failed
    key: str | None = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, done: int, total: int, step: str) -> None:
        with self.lock:
            self.done, self.total, self.step = done, max(total, 1), step

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else int(100 * self.done / max(self.total, 1))


def _jobs(request: Request) -> dict[str, Job]:
    state = request.app.state
    if not hasattr(state, "report_jobs"):
        state.report_jobs = {}
        state.report_jobs_lock = threading.Lock()
    return state.report_jobs


def _run(store, job: Job) -> None:
    from harvestwatch.report.brief import build_cached

    try:
        key, _ = build_cached(store, job.options, actor=job.user, progress=job.progress, via="web")
        with job.lock:
            job.key, job.state, job.step = key, "done", "built"
    except Exception as exc:  # noqa: BLE001 - shown on the job page; the workbench keeps serving
        with job.lock:
            job.state, job.error = "failed", " ".join(str(exc).split()) or type(exc).__name__


@router.post("/reports")
def start_report(request: Request, format: str = Form("html"), tag: str = Form(""), csrf: str = Form("")):
    """Start building the sourced brief (whole store or one tag) and show its progress page."""
    user = require(request)
    check_csrf(request, csrf)
    if format not in report_svc.FORMATS:
        raise NotFound(f"no report format {format!r}")
    options = report_svc.ReportOptions(format=format, scope=f"tag:{tag}" if tag.strip() else None,
                                       include_restricted=is_cleared(user),
                                       base_url=base_url(request), reader_cleared=is_cleared(user))
    jobs = _jobs(request)
    with request.app.state.report_jobs_lock:
        running = next((j for j in jobs.values() if j.state == "running" and j.options == options), None)
        job = running or Job(id=uuid.uuid4().hex, user=user["name"], options=options,
                             started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))
        jobs[job.id] = job
        finished = [k for k, j in jobs.items() if j.state != "running"]
        for k in finished[:max(0, len(jobs) - KEEP_JOBS)]:  # oldest first: dicts keep insertion order
            del jobs[k]
    if running is None:
        threading.Thread(target=_run, args=(request.app.state.store, job), daemon=True,
                         name=f"report-{job.id[:8]}").start()
    return RedirectResponse(f"/reports/jobs/{job.id}", status_code=303)


@router.get("/reports/jobs/{job_id}")
def report_job(request: Request, job_id: str):
    """How far a brief has got; refreshes itself until it is built, then offers the download."""
    user = require(request)
    job = _jobs(request).get(job_id)
    if job is None or (job.options.include_restricted and not is_cleared(user)):
        raise NotFound(f"no report job {job_id!r} (jobs last while the workbench runs)")
    return page(request, "report_job.html", {"job": job})


@router.get("/reports/{key}.{fmt}")
def download_report(request: Request, key: str, fmt: str):
    """A built brief; building happens only through POST /reports."""
    user = require(request)
    st = request.app.state.store
    path = report_svc.cached_path(st, key, fmt)
    if path is None:
        raise NotFound(f"no built report {key}.{fmt}; build one from the dashboard")
    meta = report_svc.cached_options(st, key)
    if (meta is None or meta.get("include_restricted")) and not is_cleared(user):
        raise PermissionDenied("this brief includes restricted sources; only cleared roles may download it")
    if is_cleared(user):  # every view and export of a cleared user is audited (issue #18)
        report_svc.record_download(st, f"{key}.{fmt}", actor=user["name"])
    return FileResponse(path, media_type=MEDIA[fmt], filename=f"brief.{fmt}")
