"""Workspace commands: ``init``, ``status`` and ``verify``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from workbench.catalog import OWNERS
from workbench.cli.main import Context, pass_context
from workbench.cli.output import console, emit_json, json_option, styled_status, table
from workbench.clock import parse_user_instant
from workbench.errors import InputError
from workbench.services.status import STATUS_ORDER
from workbench.services.summary import summarise
from workbench.services.verify import verify_workspace
from workbench.text import markup_safe as safe
from workbench.wording import OWNER_LABEL, STATUS_LABEL, counted
from workbench.workspace import init_workspace, parse_role


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{field}: {value!r} is not a date; use YYYY-MM-DD") from None


@click.command("init")
@click.option(
    "--role",
    type=click.Choice(["vendor", "customer"]),
    default="vendor",
    show_default=True,
    help="Whose side of the shared-responsibility matrix this workspace keeps.",
)
@click.option("--org", "organisation", default="", help="Organisation name, shown on reports.")
@click.option("--system", default="", help="Name of the system in scope, shown on reports.")
@click.option("--audit-start", default=None, metavar="YYYY-MM-DD", help="First day of the audit period.")
@click.option("--audit-end", default=None, metavar="YYYY-MM-DD", help="Last day of the audit period.")
@json_option
@pass_context
def init_command(
    context: Context,
    role: str,
    organisation: str,
    system: str,
    audit_start: str | None,
    audit_end: str | None,
    as_json: bool,
) -> None:
    """Create a workspace (the database, the blob directory and the settings)."""
    workspace = init_workspace(
        context.workspace_path,
        role=parse_role(role),
        organisation=organisation,
        system=system,
        audit_period_start=_day(audit_start, "--audit-start"),
        audit_period_end=_day(audit_end, "--audit-end"),
    )
    workspace.close()
    if as_json:
        emit_json({"workspace": str(workspace.path), **workspace.settings.model_dump(mode="json")})
        return
    click.echo(f"Created a {role} workspace in {workspace.path}")
    click.echo("Next: 'workbench status' for the overview, 'workbench control list' for the controls.")


@click.command("status")
@click.option("--as-of", default=None, metavar="DATE", help="Derive status as of this date or instant (default: now).")
@json_option
@pass_context
def status_command(context: Context, as_of: str | None, as_json: bool) -> None:
    """Per framework: requirements mapped, and controls by status and by owner."""
    workspace = context.workspace()
    moment = parse_user_instant(as_of, field="--as-of", end_of_day=True) if as_of else None
    summary = summarise(workspace, as_of=moment)
    if as_json:
        emit_json({"workspace": str(workspace.path), "role": workspace.settings.role, **summary.as_dict()})
        return
    out = console()
    settings = workspace.settings
    heading = " / ".join(part for part in (settings.organisation, settings.system) if part) or str(workspace.path)
    out.print(f"[bold]{safe(heading)}[/]  ({settings.role} workspace, as of {summary.as_of:%Y-%m-%d %H:%M} UTC)")
    statuses = [s.value for s in STATUS_ORDER]
    grid = table("framework", "mapped", "controls", *(STATUS_LABEL[s] for s in statuses))
    for line in summary.frameworks:
        grid.add_row(
            line.framework_id,
            f"{line.requirements_mapped}/{line.requirements}",
            str(line.controls),
            *(str(line.by_status[s]) for s in statuses),
        )
    out.print(grid)
    owners = table("framework", *(OWNER_LABEL[o] for o in OWNERS), title="Controls by owner")
    for line in summary.frameworks:
        owners.add_row(line.framework_id, *(str(line.by_owner[o]) for o in OWNERS))
    out.print()
    out.print(owners)
    counts = summary.as_dict()["controls"]["by_status"]
    out.print()
    out.print(
        f"{len(summary.statuses)} controls: " + ", ".join(f"{n} {styled_status(s)}" for s, n in counts.items() if n)
    )
    run = summary.last_run
    out.print(f"Last collection run: {run.describe()}" if run else "No collection run yet ('workbench collect aws').")


#: kind -> (singular, plural)
_RECORD_WORDS = {
    "evidence": ("evidence record", "evidence records"),
    "exception": ("exception", "exceptions"),
    "ownership": ("ownership change", "ownership changes"),
    "run": ("collection run", "collection runs"),
    "catalog": ("catalog entry", "catalog entries"),
    "packet": ("exchanged packet", "exchanged packets"),
    "attestation": ("attestation", "attestations"),
}


@click.command("verify")
@click.argument("report", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--bundle",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With REPORT: the auditor's bundle (zip) whose files are checked against the report's manifest.",
)
@click.option(
    "--trust",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With REPORT: a PEM certificate the signer must chain to.",
)
@json_option
@pass_context
def verify_command(
    context: Context, report: Path | None, bundle: Path | None, trust: Path | None, as_json: bool
) -> int:
    """Without REPORT: recompute the ledger, every record and every blob hash of the workspace.

    With REPORT (a PDF): check its signature covers the whole file, show the signer, extract the evidence manifest
    and, with --bundle, check every hash. With a packet (an SRM packet or a response, JSON): check its signature
    and show the signer's certificate fingerprint. Needs no workspace and no network. Exit 0 only when all holds.
    """
    if report is not None and _is_packet(report):
        if bundle is not None:
            raise click.UsageError("--bundle goes with a REPORT.pdf; a packet carries everything it covers")
        from workbench.cli.commands_srm_exchange import verify_packet_command_output

        return verify_packet_command_output(report, trust, as_json)
    if report is not None:
        from workbench.cli.commands_report import verify_report_command_output

        return verify_report_command_output(report, bundle, trust, as_json)
    if bundle is not None or trust is not None:
        raise click.UsageError("--bundle and --trust go with a REPORT to verify")
    workspace = context.workspace()
    outcome = verify_workspace(workspace)
    if as_json:
        emit_json(outcome.as_dict())
        return 0 if outcome.ok else 1
    records = ", ".join(
        counted(count, *_RECORD_WORDS.get(kind, (kind, kind))) for kind, count in outcome.records.items()
    )
    summary = (
        f"{counted(outcome.ledger_entries, 'ledger entry', 'ledger entries')}, {records}, "
        f"{counted(outcome.blobs, 'blob')} ({outcome.blob_bytes:,} bytes) "
        f"in {outcome.seconds:.2f} s"
    )
    if outcome.ok:
        click.echo(f"OK: {summary}")
        if outcome.unreferenced:
            click.echo(
                f"  note: {counted(outcome.unreferenced, 'stored file')} no record refers to (left by an interrupted "
                "write; harmless, and never cited by a report)"
            )
        return 0
    click.echo(f"FAILED: {outcome.problems[0]}", err=True)
    for problem in outcome.problems[1:]:
        click.echo(f"  also: {problem}", err=True)
    if outcome.truncated:
        click.echo("  ... and more", err=True)
    click.echo(f"checked {summary}", err=True)
    return 1


def _is_packet(path: Path) -> bool:
    from workbench.exchange.packet import looks_like_packet

    return looks_like_packet(path)


COMMANDS = (init_command, status_command, verify_command)
