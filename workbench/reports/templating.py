"""Turn a report's content into HTML with the packaged Jinja2 templates: autoescaped, and strict about names."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from workbench import __version__
from workbench.clock import to_utc
from workbench.reports.asset_fetcher import ASSET_SCHEME
from workbench.reports.model import DISPLAY_ORDER, OWNER_LABEL, STATUS_MEANING, ReportContent, StatusBadge
from workbench.resources import data_dir
from workbench.wording import counted

#: How much of an evidence note the appendix prints; the record itself keeps all of it.
NOTE_LIMIT = 400


def report_environment(templates: Path | None = None) -> Environment:
    """A Jinja2 environment over the packaged templates.

    Every value is escaped (``autoescape=True``, whatever the file name), so evidence notes, resource names and
    approvers print as text and can never add markup, such as an ``<img>`` that WeasyPrint would try to load.
    A name missing from the context is an error (``StrictUndefined``), never an empty string.
    """
    environment = Environment(
        loader=FileSystemLoader(templates if templates is not None else data_dir("templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters["day"] = _day
    environment.filters["instant"] = _instant
    environment.filters["w3c"] = _w3c
    environment.filters["clip"] = _clip
    environment.filters["thousands"] = _thousands
    environment.filters["counted"] = counted
    environment.filters["bytes"] = _bytes
    environment.globals["asset"] = _asset_url
    environment.globals["owner_labels"] = OWNER_LABEL
    return environment


def render_html(content: ReportContent, *, manifest_digest: str, environment: Environment | None = None) -> str:
    """Render the report's HTML (the template is ``<kind>.html.j2``)."""
    env = environment or report_environment()
    template = env.get_template(f"{content.kind}.html.j2")
    return template.render(
        report=content,
        manifest_digest=manifest_digest,
        generator=f"Compliance Evidence Workbench {__version__}",
        note_limit=NOTE_LIMIT,
        audit_period=_period(content),
        legend=[(StatusBadge(key), STATUS_MEANING[key]) for key in DISPLAY_ORDER],
    )


def _period(content: ReportContent) -> str:
    start, end = content.audit_period_start, content.audit_period_end
    if start is None and end is None:
        return "not set"
    return f"{_day(start) if start else 'open'} to {_day(end) if end else 'open'}"


def _asset_url(name: str) -> str:
    return f"{ASSET_SCHEME}{name}"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "not set"
    if isinstance(value, datetime):
        return to_utc(value).strftime("%Y-%m-%d")
    return value.isoformat()


def _instant(value: datetime | None) -> str:
    if value is None:
        return "not set"
    return to_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def _w3c(value: datetime) -> str:
    """The instant as PDF metadata takes it (W3C date-time), so the PDF's dates come from the as-of, never now."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def _thousands(value: int) -> str:
    return f"{value:,}"


def _bytes(value: int) -> str:
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"
