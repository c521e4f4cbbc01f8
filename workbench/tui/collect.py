"""AWS collection from the app: choose profile, roles and regions; a live progress bar and counts; cancel; summary."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Header, Input, Label, ProgressBar, Static

from workbench.clock import utc_now
from workbench.collectors.aws.runner import Progress
from workbench.errors import InputError
from workbench.services.collection import CollectOptions, RunSummary, check_role_arn, collect_aws, resolve_regions
from workbench.tui.base import WorkbenchScreen, forget_statuses
from workbench.tui.keybar import KeyBar
from workbench.workspace import Workspace

#: what runs a collection: ``collect_aws``, or a stand-in with its signature (tests drive the screen with one)
Collector = Callable[..., RunSummary]


class CollectScreen(WorkbenchScreen):
    """Run ``collect aws`` in a thread worker; the screen stays responsive and can cancel the run.

    The collector and both clocks can be passed in: the elapsed time comes from ``clock`` (seconds, monotonic) and
    the start time from ``now``, so a test can show a run in progress exactly the same way every time.
    """

    BINDINGS = [
        Binding("ctrl+r", "run", "Run collection", id="collect.run"),
        Binding("ctrl+x", "cancel_run", "Cancel run", id="collect.cancel"),
        Binding("escape", "back", "Back", id="collect.back"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        collector: Collector = collect_aws,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.collector = collector
        self.clock = clock
        self.now = now
        self.cancel = threading.Event()
        self.running = False
        self.summary: RunSummary | None = None
        self.started_at: datetime | None = None
        self.started = 0.0
        self.progress: Progress | None = None
        self.ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="collect-form"):
            yield Label("AWS profile (empty: the standard chain: environment, SSO, instance role)")
            yield Input(id="collect-profile", placeholder="default")
            yield Label("Roles to assume in other accounts (ARNs separated by spaces or commas; empty: the caller's)")
            yield Input(id="collect-roles", placeholder="arn:aws:iam::123456789012:role/Audit")
            with Horizontal(classes="form-row"):
                yield Input(id="collect-regions", placeholder="Regions (empty: every enabled region)")
                yield Input(id="collect-checks", placeholder="Checks or services (empty: all)")
                yield Input("16", id="collect-workers", placeholder="Workers")
            with Horizontal(classes="form-buttons"):
                yield Button("Run (ctrl+r)", variant="primary", id="collect-run")
                yield Button("Cancel run (ctrl+x)", id="collect-cancel", disabled=True)
        yield ProgressBar(id="collect-progress", show_eta=False)
        yield Static("Ready. Credentials come only from boto3's standard chain.", id="collect-status", markup=False)
        yield Static("", id="collect-summary", markup=False)
        yield KeyBar()

    def options(self) -> CollectOptions:
        """Read the fields into collection options.

        Raises:
            InputError: a role, region or worker count that is not one.
        """
        value = {
            name: self.query_one(f"#collect-{name}", Input).value.strip()
            for name in ("profile", "roles", "regions", "checks", "workers")
        }
        roles = [check_role_arn(part) for part in value["roles"].replace(",", " ").split()]
        if not value["workers"].isdigit() or not 1 <= int(value["workers"]) <= 64:
            raise InputError("workers: give a number from 1 to 64")
        checks = [part.strip() for part in value["checks"].split(",") if part.strip()]
        return CollectOptions(
            profile=value["profile"] or None,
            roles=roles,
            regions=resolve_regions([value["regions"]]) if value["regions"] else None,
            checks=checks or None,
            workers=int(value["workers"]),
        )

    def action_run(self) -> None:
        if self.running:
            return
        try:
            options = self.options()
        except InputError as exc:
            self.query_one("#collect-status", Static).update(exc.message)
            return
        self.cancel.clear()
        self.running = True
        self.query_one("#collect-cancel", Button).disabled = False
        self.query_one("#collect-run", Button).disabled = True
        self.query_one("#collect-summary", Static).update("")
        self.query_one("#collect-status", Static).update("Connecting to AWS ...")
        self.started_at = self.now()
        self.started = self.clock()
        self.progress = None
        self.ticker = self.set_interval(1.0, self._show_state)  # the elapsed time moves on between tasks too
        self.collect(options)

    @work(thread=True, exclusive=True, group="collect", exit_on_error=False)
    def collect(self, options: CollectOptions) -> RunSummary:
        """The run, off the UI thread; progress comes back as calls on the UI thread."""
        try:
            summary = self.collector(
                self.workspace,
                options,
                progress=lambda state: self.app.call_from_thread(self.show_progress, _copy(state)),
                cancel=self.cancel,
            )
        finally:
            self.app.call_from_thread(self._stopped)
        self.app.call_from_thread(self.show_summary, summary)
        return summary

    def show_progress(self, state: Progress) -> None:
        self.progress = state
        bar = self.query_one("#collect-progress", ProgressBar)
        bar.update(total=max(state.total, 1), progress=state.done)
        self._show_state()

    def _show_state(self) -> None:
        """The counts of the newest progress, with the start time and the elapsed time."""
        state = self.progress
        if state is None or self.started_at is None:
            return
        counts = state.results
        elapsed = max(0, int(self.clock() - self.started))
        self.query_one("#collect-status", Static).update(
            f"{state.done} of {state.total} tasks · pass {counts['pass']} · fail {counts['fail']} · "
            f"error {counts['error']} · info {counts['info']}\n"
            f"Started {self.started_at:%H:%M:%S} UTC, {elapsed // 60}:{elapsed % 60:02d} elapsed"
            + (f" · last finished: {state.current}" if state.current else "")
        )

    def show_summary(self, summary: RunSummary) -> None:
        self.summary = summary
        forget_statuses(self.app)
        errors = "\n".join(f"  {line}" for line in summary.errors[:10])
        self.query_one("#collect-summary", Static).update(
            f"Run {summary.run_id[:8]} {summary.status} in {summary.seconds:.1f} s: "
            f"{len(summary.accounts)} accounts, {len(summary.regions)} regions, {summary.checks} checks, "
            f"{summary.tasks} tasks, {summary.api_calls} API calls, {summary.evidence_records} evidence records\n"
            + ", ".join(f"{n} {word}" for word, n in summary.counts.items())
            + (f"\nErrors (all recorded as evidence):\n{errors}" if errors else "")
        )

    def _stopped(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        status = self.query_one("#collect-status", Static)
        if str(status.render()).startswith("Connecting"):
            status.update("The run did not start; nothing was recorded.")
        self.running = False
        self.query_one("#collect-cancel", Button).disabled = True
        self.query_one("#collect-run", Button).disabled = False

    def action_cancel_run(self) -> None:
        if self.running:
            self.cancel.set()
            self.query_one("#collect-status", Static).update("Cancelling: what is recorded stays recorded ...")

    @on(Button.Pressed, "#collect-run")
    def run_pressed(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#collect-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel_run()

    def on_unmount(self) -> None:
        self.cancel.set()  # the app is closing during a run: stop it, keeping what was recorded

    def action_back(self) -> None:
        if self.running:
            self.notify("A collection is running: cancel it first (ctrl+x)", severity="warning")
            return
        self.app.pop_screen()


def _copy(state: Progress) -> Progress:
    """A snapshot of the runner's progress: the runner goes on changing its own object from another thread."""
    return Progress(total=state.total, done=state.done, results=dict(state.results), current=state.current)
