"""The ``workbench`` command: a click group, and the one place where errors become messages and exit codes."""

from __future__ import annotations

import importlib
import os
import sys
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

#: command name -> (module, attribute); a module is imported only when its command runs (or help lists it),
#: so ``workbench status`` does not pay for boto3, WeasyPrint or the other commands' imports.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("workbench.cli.commands_workspace", "init_command"),
    "status": ("workbench.cli.commands_workspace", "status_command"),
    "verify": ("workbench.cli.commands_workspace", "verify_command"),
    "catalog": ("workbench.cli.commands_catalog", "catalog_group"),
    "control": ("workbench.cli.commands_catalog", "control_group"),
    "evidence": ("workbench.cli.commands_evidence", "evidence_group"),
    "exception": ("workbench.cli.commands_evidence", "exception_group"),
    "collect": ("workbench.cli.commands_collect", "collect_group"),
    "report": ("workbench.cli.commands_report", "report_group"),
    "keys": ("workbench.cli.commands_report", "keys_group"),
    "tui": ("workbench.cli.commands_tui", "tui_command"),
    "demo": ("workbench.cli.commands_demo", "demo_command"),
    "srm": ("workbench.cli.commands_srm", "srm_group"),
    "export": ("workbench.cli.commands_srm", "export_group"),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        command = getattr(importlib.import_module(target[0]), target[1])
        assert isinstance(command, click.Command)  # noqa: S101 - a wrong table entry is a programming error
        return command


@click.group(
    cls=LazyGroup,
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

    In a terminal, 'workbench' alone opens the app on the workspace.

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
        if sys.stdin.isatty() and sys.stdout.isatty():
            from workbench.cli.commands_tui import tui_command  # in a terminal: open the app

            ctx.invoke(tui_command)
        else:
            click.echo(ctx.get_help())


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
            import traceback

            traceback.print_exc()
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set WORKBENCH_DEBUG=1 for the traceback, and please report it)",
            err=True,
        )
        sys.exit(70)
    sys.exit(result if isinstance(result, int) else 0)
