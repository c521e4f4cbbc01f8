"""``workbench tui`` (and ``workbench`` with no command, in a terminal): open the Textual app."""

from __future__ import annotations

import click

from workbench.cli.main import Context, pass_context


@click.command("tui")
@pass_context
def tui_command(context: Context) -> None:
    """Open the workbench app on the workspace: dashboard, controls and each control in full (? for help)."""
    from workbench.tui.app import make_app

    make_app(context.workspace_path).run()
