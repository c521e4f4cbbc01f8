"""``collect aws``: gather evidence from AWS accounts and regions; list the checks; print the IAM policy."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workbench.catalog import load_catalog
from workbench.cli.main import Context, pass_context
from workbench.cli.output import console, emit_json, json_option, table

if TYPE_CHECKING:
    from workbench.collectors.aws.runner import Progress as RunProgress


@click.group("collect")
def collect_group() -> None:
    """Automated evidence collection."""


@collect_group.command("aws")
@click.option("--profile", default=None, help="AWS profile (default: boto3's standard chain: env, SSO, instance role).")
@click.option(
    "--assume-role",
    "roles",
    multiple=True,
    metavar="ARN",
    help="Collect from the account of this role (repeatable). Without it: the caller's own account.",
)
@click.option(
    "--roles-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File of roles to assume: one 'ROLE_ARN [EXTERNAL_ID]' a line.",
)
@click.option(
    "--regions",
    multiple=True,
    metavar="LIST",
    help="Regions, comma-separated or repeated (default: the regions enabled for the account).",
)
@click.option(
    "--checks",
    multiple=True,
    metavar="LIST",
    help="Checks by id, service or pattern, e.g. s3 or aws.iam.* (default: all).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Size of the one pool shared by all accounts, regions and services.",
)
@click.option("--connect-timeout", type=click.FloatRange(0.1), default=5.0, show_default=True, help="Seconds.")
@click.option("--read-timeout", type=click.FloatRange(0.1), default=20.0, show_default=True, help="Seconds.")
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="Attempts per call, with adaptive backoff for throttling.",
)
@click.option("--list-checks", is_flag=True, help="List the checks (id, service, title, severity, controls) and exit.")
@click.option(
    "--print-iam-policy", is_flag=True, help="Print the minimal read-only IAM policy for the selected checks."
)
@json_option
@pass_context
def collect_aws_command(
    context: Context,
    profile: str | None,
    roles: tuple[str, ...],
    roles_file: Path | None,
    regions: tuple[str, ...],
    checks: tuple[str, ...],
    workers: int,
    connect_timeout: float,
    read_timeout: float,
    max_attempts: int,
    list_checks: bool,
    print_iam_policy: bool,
    as_json: bool,
) -> int:
    """Collect evidence from AWS: every result is recorded, a failed call as an error with its AWS code."""
    # boto3 is imported only by the commands that talk to AWS, so every other command starts faster.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from workbench.collectors.aws.session import Timeouts
    from workbench.collectors.registry import referenced_checks, select_checks
    from workbench.services.collection import (
        CollectOptions,
        RoleTarget,
        check_role_arn,
        collect_aws,
        iam_policy,
        read_role_file,
    )

    selected = select_checks(list(checks) or None)
    if list_checks:
        controls_of = referenced_checks(load_catalog())
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "service": c.service,
                "scope": c.scope,
                "title": c.title,
                "severity": c.severity,
                "calls": list(c.calls),
                "controls": list(controls_of.get(c.id, ())),
            }
            for c in selected
        ]
        if as_json:
            emit_json(rows)
        else:
            grid = table("id", "service", "severity", "title", "controls")
            for row in rows:
                grid.add_row(row["id"], row["service"], row["severity"], row["title"], ", ".join(row["controls"]))
            console().print(grid)
            console().print(f"{len(rows)} check(s)")
        return 0
    if print_iam_policy:
        click.echo(json.dumps(iam_policy(selected), indent=2))
        return 0

    targets: list[RoleTarget] = [check_role_arn(arn) for arn in roles]
    if roles_file is not None:
        targets.extend(read_role_file(roles_file))
    options = CollectOptions(
        profile=profile,
        roles=targets,
        regions=list(regions) or None,
        checks=list(checks) or None,
        workers=workers,
        timeouts=Timeouts(connect=connect_timeout, read=read_timeout, max_attempts=max_attempts),
    )
    workspace = context.workspace()
    cancel = threading.Event()
    err = Console(stderr=True)
    show_bar = err.is_terminal and not as_json
    with Progress(
        TextColumn("[bold]collecting[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=err,
        disable=not show_bar,
        transient=False,
    ) as bar:
        task_id = bar.add_task("collect", total=None, counts="")

        def on_progress(state: RunProgress) -> None:
            r = state.results
            counts = f"pass {r['pass']}  fail {r['fail']}  error {r['error']}  info {r['info']}"
            bar.update(task_id, total=state.total, completed=state.done, counts=counts)
            if not show_bar and not as_json and state.done and (state.done == state.total or state.done % 25 == 0):
                print(f"collecting: {state.done}/{state.total} tasks; {counts}", file=sys.stderr, flush=True)

        summary = collect_aws(workspace, options, progress=on_progress, cancel=cancel)
    if as_json:
        emit_json(summary.as_dict())
    else:
        c = summary.counts
        click.echo(
            f"Run {summary.run_id} {summary.status}: {len(summary.accounts)} account(s) x {len(summary.regions)} "
            f"region(s), {summary.checks} checks, {summary.tasks} tasks, {summary.api_calls} API calls in "
            f"{summary.seconds:.1f} s"
        )
        click.echo(
            f"  {c['pass']} pass, {c['fail']} fail, {c['error']} error, {c['info']} info "
            f"-> {summary.evidence_records} evidence records"
        )
        for line in summary.errors[:10]:
            click.echo(f"  error: {line}")
        if len(summary.errors) > 10:
            click.echo(f"  ... and {len(summary.errors) - 10} more errors (all recorded as evidence)")
    return 0 if summary.status == "completed" else 130


COMMANDS = (collect_group,)
