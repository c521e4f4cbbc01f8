"""The Textual app: built by ``make_app`` from a workspace path, for the CLI and the tests alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from workbench.tui.base import StatusCache
from workbench.tui.controls import ControlDetailScreen, ControlsScreen
from workbench.tui.dashboard import DashboardScreen
from workbench.tui.evidence import EvidenceListScreen
from workbench.tui.help import HelpScreen
from workbench.tui.matrix import MatrixScreen
from workbench.tui.requirements import RequirementsScreen
from workbench.workspace import Workspace, open_workspace


class WorkbenchApp(App[None], StatusCache):
    """The workbench on one workspace: dashboard, controls and each control in full."""

    CSS_PATH = "workbench.tcss"
    TITLE = "Compliance Evidence Workbench"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("d", "dashboard", "Dashboard", id="app.dashboard"),
        Binding("c", "controls", "Controls", id="app.controls"),
        Binding("f", "requirements", "Frameworks", id="app.requirements"),
        Binding("m", "matrix", "Matrix", id="app.matrix"),
        Binding("g", "collect", "Collect", id="app.collect"),
        Binding("p", "reports", "Reports", id="app.reports"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        settings = self.workspace.settings
        self.sub_title = " · ".join(p for p in (settings.organisation, settings.system) if p) or str(
            self.workspace.path
        )
        self.push_screen(DashboardScreen(self.workspace))

    # ---- navigation -------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_dashboard(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def action_controls(
        self, framework_id: str | None = None, status: str | None = None, owner: str | None = None
    ) -> None:
        name = f"controls:{framework_id or 'all'}"
        if self.is_screen_installed(name) and self.get_screen(name) not in self.screen_stack:
            kept = self.get_screen(name)
            assert isinstance(kept, ControlsScreen)  # noqa: S101 - only this screen is installed by that name
            kept.filter_to(status, owner)
        self._push_kept(name, lambda: ControlsScreen(self.workspace, framework_id, status=status, owner=owner))

    def action_requirements(self, framework_id: str | None = None) -> None:
        """A framework's requirements and the controls that meet each (the first framework when none is named)."""
        chosen = framework_id or next(iter(self.workspace.catalog.frameworks))
        name = "requirements"
        if self.is_screen_installed(name) and self.get_screen(name) not in self.screen_stack:
            kept = self.get_screen(name)
            assert isinstance(kept, RequirementsScreen)  # noqa: S101 - only this screen is installed by that name
            if kept.framework_id != chosen:
                kept.show_framework(chosen)
        self._push_kept(name, lambda: RequirementsScreen(self.workspace, chosen))

    def action_matrix(self) -> None:
        self.push_screen(MatrixScreen(self.workspace))

    def action_collect(self) -> None:
        from workbench.tui.collect import CollectScreen  # boto3 is loaded when collection is first opened

        if not isinstance(self.screen, CollectScreen):
            self.push_screen(CollectScreen(self.workspace))

    def action_reports(self, kind: str = "soc2") -> None:
        from workbench.reports.options import ReportKind  # WeasyPrint and pyHanko load when reports are first opened
        from workbench.tui.reports import ReportsScreen

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen(self.workspace, ReportKind(kind)))

    def open_control(self, control_id: str) -> None:
        name = "control"
        if self.is_screen_installed(name) and self.get_screen(name) not in self.screen_stack:
            kept = self.get_screen(name)
            assert isinstance(kept, ControlDetailScreen)  # noqa: S101 - only this screen is installed by that name
            kept.show_control(control_id)
        self._push_kept(name, lambda: ControlDetailScreen(self.workspace, control_id))

    def _push_kept(self, name: str, build: Callable[[], Screen[None]]) -> None:
        """Push the screen kept under ``name`` (built and kept on first use): building a screen, and styling its
        widgets, costs more than refreshing what it shows. One already on the stack gets a fresh copy instead."""
        if not self.is_screen_installed(name):
            self.install_screen(build(), name)
        elif self.get_screen(name) in self.screen_stack:
            self.push_screen(build())
            return
        self.push_screen(name)

    def on_dashboard_screen_count_chosen(self, message: DashboardScreen.CountChosen) -> None:
        self.action_controls(message.framework_id, message.status, message.owner)

    def on_dashboard_screen_requirements_chosen(self, message: DashboardScreen.RequirementsChosen) -> None:
        self.action_requirements(message.framework_id)

    def on_dashboard_screen_run_chosen(self, message: DashboardScreen.RunChosen) -> None:
        self.push_screen(EvidenceListScreen(self.workspace, run_id=message.run_id, result=message.result))

    def on_controls_screen_control_chosen(self, message: ControlsScreen.ControlChosen) -> None:
        self.open_control(message.control_id)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("dashboard: show", "Requirements and controls by status and owner", self.action_dashboard)
        yield SystemCommand("controls: browse all", "Every control with its owner and status", self.action_controls)
        for framework in self.workspace.catalog.frameworks.values():
            yield SystemCommand(
                f"controls: {framework.title}",
                f"The controls mapped to {framework.title}",
                lambda framework_id=framework.id: self.action_controls(framework_id),
            )
            yield SystemCommand(
                f"requirements: {framework.title}",
                f"Each requirement of {framework.title} and the controls that meet it",
                lambda framework_id=framework.id: self.action_requirements(framework_id),
            )
        yield SystemCommand(
            "help: keys and areas", "What each area does and the keys that work everywhere", self.action_help
        )


def make_app(workspace_path: Path) -> WorkbenchApp:
    """Build the app on the workspace at ``workspace_path``.

    Raises:
        WorkspaceError: the path is not a workspace (the CLI prints it and exits before any screen opens).
    """
    return WorkbenchApp(open_workspace(workspace_path))
