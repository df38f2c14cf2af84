"""Render a ``Report`` to self-contained HTML (links to the workbench) or PDF (WeasyPrint)."""

from __future__ import annotations

import base64
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape

from harvestwatch.report.build import Report


def _env() -> Environment:
    folder = str(resources.files("harvestwatch.report").joinpath("templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    env.filters["svg_uri"] = lambda svg: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return env


def to_html(report: Report, *, base_url: str = "http://127.0.0.1:8000", for_pdf: bool = False) -> str:
    return _env().get_template("report.html").render(r=report, base_url=base_url.rstrip("/"),
                                                      for_pdf=for_pdf)


def to_pdf(report: Report, *, base_url: str = "http://127.0.0.1:8000") -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(report, base_url=base_url, for_pdf=True)).write_pdf()
