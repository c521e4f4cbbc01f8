"""The ``workbench`` command: a click group, and the one place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.workspace import Workspace, default_workspace_path, open_workspace


class Context:
    """What every command shares: the chosen workspace path, opened on demand."""

    def __init__(self, workspace_path: Path) -> None:
        self.workspace_path = workspace_path
        self._workspace: Workspace | None = None

    def workspace(self) -> Workspace:
        """Open the chosen workspace (once)."""
        if self._workspace is None:
            self._workspace = open_workspace(self.workspace_path)
        return self._workspace

    def close(self) -> None:
        """Release the workspace."""
        if self._workspace is not None:
            self._workspace.close()


pass_context = click.make_pass_decorator(Context)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    invoke_without_command=True,
)
@click.option(
    "--workspace",
    "-w",
    type=click.Path(path_type=Path, file_okay=True, dir_okay=True),
    default=None,
    help="Workspace directory (default: $WORKBENCH_WORKSPACE, else ./evidence_store).",
)
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """Compliance Evidence Workbench: one control set for SOC 2, HIPAA, GDPR and shared-responsibility matrices,
    with evidence you can prove.

    \b
    Start with:
      workbench init --org "Acme" --system "Acme Cloud"
      workbench status
      workbench control list
      workbench evidence add --control IAM-01 --attach policy.pdf --note "Annual review"
      workbench verify
    """
    context = Context(workspace if workspace is not None else default_workspace_path())
    ctx.obj = context
    ctx.call_on_close(context.close)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _register() -> None:
    from workbench.cli import commands_catalog, commands_collect, commands_evidence, commands_workspace

    for module in (commands_workspace, commands_catalog, commands_evidence, commands_collect):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: a user's mistake prints one line and exits non-zero; nothing prints a traceback by default."""
    try:
        result = cli.main(args=argv, prog_name="workbench", standalone_mode=False)
    except WorkbenchError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, never a raw traceback
        if os.environ.get("WORKBENCH_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set WORKBENCH_DEBUG=1 for the traceback, and please report it)",
            err=True,
        )
        sys.exit(70)
    sys.exit(result if isinstance(result, int) else 0)
