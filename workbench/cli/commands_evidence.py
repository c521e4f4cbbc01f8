"""Evidence and exception commands: ``evidence add|list|show`` and ``exception add|list``."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.main import Context, pass_context
from workbench.cli.output import console, emit_json, json_option, table
from workbench.clock import parse_user_instant
from workbench.services.evidence import RESULTS, add_manual_evidence, get_evidence, list_evidence
from workbench.services.exceptions import add_exception, exception_as_dict, list_exceptions
from workbench.text import markup_safe as safe


@click.group("evidence")
def evidence_group() -> None:
    """Evidence records: add manual evidence with attachments, list and show them."""


@evidence_group.command("add")
@click.option(
    "--control",
    "controls",
    multiple=True,
    required=True,
    metavar="ID",
    help="Control the evidence is for (repeat for several).",
)
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="File to attach (repeat for several).")
@click.option("--note", default="", help="What the evidence shows.")
@click.option("--observed-at", default=None, metavar="DATE", help="When the fact held (default: now).")
@click.option(
    "--valid-until",
    default=None,
    metavar="DATE",
    help="When the evidence stops counting (default: one review cadence).",
)
@click.option(
    "--result",
    type=click.Choice(RESULTS),
    default="pass",
    show_default=True,
    help="What the evidence shows about the control.",
)
@click.option(
    "--supersedes", default=None, metavar="EVIDENCE_ID", help="Correct an earlier record: this one replaces it."
)
@json_option
@pass_context
def evidence_add(
    context: Context,
    controls: tuple[str, ...],
    attachments: tuple[str, ...],
    note: str,
    observed_at: str | None,
    valid_until: str | None,
    result: str,
    supersedes: str | None,
    as_json: bool,
) -> None:
    """Add manual evidence: a note and attachments for one or more controls."""
    view = add_manual_evidence(
        context.workspace(),
        control_ids=controls,
        attachments=[Path(a) for a in attachments],
        note=note,
        observed_at=parse_user_instant(observed_at, field="--observed-at") if observed_at else None,
        valid_until=parse_user_instant(valid_until, field="--valid-until", end_of_day=True) if valid_until else None,
        result=result,
        supersedes=supersedes,
    )
    if as_json:
        emit_json(view.as_dict())
        return
    click.echo(f"Recorded evidence {view.record.id} for {', '.join(view.control_ids)}")
    for blob in view.blobs:
        click.echo(f"  {blob.name}  {blob.size:,} bytes  sha256:{blob.sha256[:16]}")


@evidence_group.command("list")
@click.option("--control", default=None, metavar="ID", help="Only evidence for this control.")
@click.option("--all", "include_superseded", is_flag=True, help="Include superseded records.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@json_option
@pass_context
def evidence_list(
    context: Context, control: str | None, include_superseded: bool, limit: int, offset: int, as_json: bool
) -> None:
    """List evidence, newest observation first."""
    rows, total = list_evidence(
        context.workspace(), control_id=control, include_superseded=include_superseded, limit=limit, offset=offset
    )
    if as_json:
        emit_json({"total": total, "offset": offset, "records": [row.as_dict() for row in rows]})
        return
    grid = table("id", "observed", "result", "source", "controls", "files", "scope / note")
    for row in rows:
        scope = " ".join(p for p in (row.account, row.region, row.resource) if p) or row.note[:60]
        grid.add_row(
            row.id[:8] + (" (superseded)" if row.superseded else ""),
            f"{row.observed_at:%Y-%m-%d %H:%M}",
            row.result,
            row.check_id or row.source,
            ", ".join(row.controls),
            str(row.attachments),
            safe(scope),
        )
    out = console()
    out.print(grid)
    out.print(f"{len(rows)} of {total} record(s)")


@evidence_group.command("show")
@click.argument("evidence_id")
@json_option
@pass_context
def evidence_show(context: Context, evidence_id: str, as_json: bool) -> None:
    """Show one evidence record (an id or a unique prefix of at least 6 characters)."""
    view = get_evidence(context.workspace(), evidence_id)
    data = view.as_dict()
    if as_json:
        emit_json(data)
        return
    out = console()
    out.print(f"[bold]Evidence {data['id']}[/]")
    for key in (
        "source",
        "check_id",
        "result",
        "error_code",
        "observed_at",
        "collected_at",
        "valid_until",
        "collected_by",
        "supersedes",
        "superseded_by",
        "run_id",
    ):
        if data[key]:
            out.print(f"  {key.replace('_', ' ')}: {safe(str(data[key]))}")
    scope = " ".join(v for v in data["scope"].values() if v)
    if scope:
        out.print(f"  scope: {safe(scope)}")
    out.print(f"  controls: {', '.join(data['controls'])}")
    if data["note"]:
        out.print(f"  note: {safe(data['note'])}")
    for blob in view.blobs:
        out.print(
            f"  {blob.role}: {safe(blob.name)} ({safe(blob.media_type)}, {blob.size:,} bytes) sha256:{blob.sha256}"
        )


@click.group("exception")
def exception_group() -> None:
    """Exceptions: accepted deviations from a control."""


@exception_group.command("add")
@click.option("--control", required=True, metavar="ID", help="The control the exception is for.")
@click.option("--rationale", required=True, help="Why the deviation is accepted.")
@click.option("--approver", required=True, help="Who approved it.")
@click.option("--expires", required=True, metavar="DATE", help="When the exception ends.")
@json_option
@pass_context
def exception_add(context: Context, control: str, rationale: str, approver: str, expires: str, as_json: bool) -> None:
    """Record an exception for a control."""
    exception = add_exception(
        context.workspace(),
        control_id=control,
        rationale=rationale,
        approver=approver,
        expires_at=parse_user_instant(expires, field="--expires", end_of_day=True),
    )
    if as_json:
        emit_json(exception_as_dict(exception))
        return
    click.echo(f"Recorded exception {exception.id} for {exception.control_id}, until {exception.expires_at:%Y-%m-%d}")


@exception_group.command("list")
@click.option("--control", default=None, metavar="ID", help="Only exceptions for this control.")
@json_option
@pass_context
def exception_list(context: Context, control: str | None, as_json: bool) -> None:
    """List exceptions, newest first."""
    exceptions = list_exceptions(context.workspace(), control_id=control)
    if as_json:
        emit_json([exception_as_dict(e) for e in exceptions])
        return
    grid = table("id", "control", "expires", "approver", "rationale")
    for e in exceptions:
        grid.add_row(e.id[:8], e.control_id, f"{e.expires_at:%Y-%m-%d}", safe(e.approver), safe(e.rationale))
    console().print(grid)


COMMANDS = (evidence_group, exception_group)
