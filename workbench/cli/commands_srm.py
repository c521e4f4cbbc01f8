"""``workbench srm ...`` and ``workbench export ...``: the shared-responsibility matrix as files for others.

The subcommands live in their own modules and are imported only when they run.
"""

from __future__ import annotations

import importlib

import click

#: subcommand -> (module, attribute)
SRM_COMMANDS: dict[str, tuple[str, str]] = {
    "import": ("workbench.cli.commands_srm_import", "import_command"),
    "export": ("workbench.cli.commands_srm_exchange", "export_command"),
    "import-vendor": ("workbench.cli.commands_srm_exchange", "import_vendor_command"),
    "attest": ("workbench.cli.commands_srm_exchange", "attest_command"),
    "respond": ("workbench.cli.commands_srm_exchange", "respond_command"),
    "import-response": ("workbench.cli.commands_srm_exchange", "import_response_command"),
}

#: ``workbench export`` subcommands
EXPORT_COMMANDS: dict[str, tuple[str, str]] = {
    "oscal-results": ("workbench.cli.commands_srm_exchange", "oscal_results_command"),
}


class _LazySubcommands(click.Group):
    table: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.table)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.table.get(cmd_name)
        if target is None:
            return None
        command = getattr(importlib.import_module(target[0]), target[1])
        assert isinstance(command, click.Command)  # noqa: S101 - a wrong table entry is a programming error
        return command


class _SrmGroup(_LazySubcommands):
    table = SRM_COMMANDS


class _ExportGroup(_LazySubcommands):
    table = EXPORT_COMMANDS


@click.group("srm", cls=_SrmGroup)
def srm_group() -> None:
    """The shared-responsibility matrix: import an existing one, send it to a customer, take their answers back.

    \b
    Vendor:    workbench srm import matrix.xlsx --preview
               workbench srm export --format xlsx --out srm.xlsx
               workbench srm import-response response.json
    Customer:  workbench srm import-vendor packet.json
               workbench srm attest NET-05 --text "We build the VPC as specified"
               workbench srm respond --out response.json
    """


@click.group("export", cls=_ExportGroup)
def export_group() -> None:
    """Export the workspace's evidence for other tools (OSCAL)."""
