"""``workbench demo``: create a sample workspace of a fictional vendor, and open it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.main import Context
from workbench.cli.output import emit_json, json_option
from workbench.wording import STATUS_LABEL


@click.command("demo")
@click.argument("path", type=click.Path(path_type=Path, file_okay=True, dir_okay=True), required=False)
@click.option(
    "--open/--no-open",
    "open_app",
    default=None,
    help="Open the app on the demo workspace afterwards (default: when run in a terminal).",
)
@json_option
@click.pass_context
def demo_command(ctx: click.Context, path: Path | None, open_app: bool | None, as_json: bool) -> None:
    """Create a sample workspace to explore: a fictional vendor (Tallowmere Data) with manual evidence and
    attachments, a filled responsibility matrix, an exception, and evidence collected from a fake AWS account that
    moto simulates on this machine (no real account is touched).

    PATH is a new or empty directory (default: ./demo_workspace). Needs the 'demo' extra (moto).
    """
    from workbench.demo import DEFAULT_PATH, build_demo

    target = path if path is not None else DEFAULT_PATH
    say = (lambda _line: None) if as_json else click.echo
    demo = build_demo(target, progress=say)
    if as_json:
        emit_json(
            {
                "workspace": str(demo.path),
                "manual_records": demo.manual_records,
                "attachments": demo.attachments,
                "superseded": demo.superseded,
                "ownership_changes": demo.ownership_changes,
                "exception_control": demo.exception_control,
                "collection_run": demo.run.as_dict(),
                "by_status": demo.by_status,
            }
        )
        return
    click.echo("Controls: " + ", ".join(f"{n} {STATUS_LABEL[status]}" for status, n in demo.by_status.items()))
    shown = str(target)
    click.echo(f"Open it with:  workbench -w {shown}      (or: workbench -w {shown} status)")
    if open_app is None:
        open_app = sys.stdin.isatty() and sys.stdout.isatty()
    if open_app:
        from workbench.cli.commands_tui import tui_command

        workspace_context = Context(target)
        with click.Context(tui_command, parent=ctx, obj=workspace_context) as app_ctx:
            try:
                app_ctx.invoke(tui_command)
            finally:
                workspace_context.close()
