"""A brief on one hospital for readers abroad (clinicians, insurers, patients): every line cited,
no conclusion beyond the sources, restricted sources never included. HTML or PDF (WeasyPrint)."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from harvestwatch import __version__
from harvestwatch.core.errors import HarvestwatchError, ValidationError
from harvestwatch.services import registry as registry_svc
from harvestwatch.services.store import Store


def _env() -> Environment:
    folder = str(resources.files("harvestwatch.report").joinpath("templates"))
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))


def brief_html(store: Store, name: str, *, base_url: str = "http://127.0.0.1:8000") -> str:
    view = registry_svc.show_hospital(store, name, include_restricted=False)
    try:
        capacity = registry_svc.run_capacity(store, hospital=view.hospital["id"], draws=20_000,
                                             seed=0).to_dict()
        capacity_note = None
    except HarvestwatchError as exc:
        capacity, capacity_note = None, str(exc)
    return _env().get_template("hospital_brief.html").render(
        v=view, capacity=capacity, capacity_note=capacity_note, base_url=base_url.rstrip("/"),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), version=__version__)


def brief_pdf(store: Store, name: str, *, base_url: str = "http://127.0.0.1:8000",
              actor: str | None = None, via: str = "cli") -> bytes:
    """The PDF bytes; the export is audited (access log and custody ledger)."""
    from weasyprint import HTML

    pdf = HTML(string=brief_html(store, name, base_url=base_url)).write_pdf()
    registry_svc.record_brief(store, name, pdf, actor=actor, via=via)
    return pdf


def write_brief(store: Store, name: str, out: str | Path, *, base_url: str = "http://127.0.0.1:8000",
                actor: str | None = None) -> Path:
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        out.write_bytes(brief_pdf(store, name, base_url=base_url, actor=actor))
    elif suffix in (".html", ".htm"):
        html = brief_html(store, name, base_url=base_url)
        out.write_text(html, encoding="utf-8")
        registry_svc.record_brief(store, name, html.encode("utf-8"), actor=actor)
    else:
        raise ValidationError(str(out), "the brief file must end in .pdf or .html")
    return out
