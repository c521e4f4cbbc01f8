"""Forms over the services: add evidence (with a file picker), supersede, add an exception, change an owner.

Each form runs its service call in a thread worker and stays open on an error, with the message under the fields
and everything typed still there; it closes with the result only when the write has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from workbench.catalog import OWNERS
from workbench.clock import parse_user_instant, utc_now
from workbench.errors import WorkbenchError
from workbench.services.evidence import EvidenceView, add_manual_evidence
from workbench.services.exceptions import add_exception
from workbench.services.ownership import Responsibility, set_owner
from workbench.store.models import ControlException
from workbench.wording import OWNER_LABEL
from workbench.workspace import Workspace


class ServiceForm(ModalScreen[Any]):
    """A modal form whose submit runs ``self.submit_work()`` off the UI thread and closes with its result."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "submit", "Save", id="form.save"),
    ]

    def compose_buttons(self) -> ComposeResult:
        yield Static("", classes="form-error", id="form-error", markup=False)
        with Horizontal(classes="form-buttons"):
            yield Button("Save (ctrl+s)", variant="primary", id="form-save")
            yield Button("Cancel (esc)", id="form-cancel")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        self.query_one("#form-error", Static).update("Saving ...")
        self.run_submit()

    @on(Button.Pressed, "#form-save")
    def save_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#form-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def submit_work(self) -> Callable[[], Any]:
        """Read the fields (on the UI thread) and return the call that writes (run in a thread)."""
        raise NotImplementedError

    def run_submit(self) -> None:
        try:
            call = self.submit_work()
        except WorkbenchError as exc:
            self.query_one("#form-error", Static).update(exc.message)
            return
        self._write(call)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def _write(self, call: Callable[[], Any]) -> Any:
        return call()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "form":
            return
        if event.state is WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            message = error.message if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"
            self.query_one("#form-error", Static).update(message)


def _instant(text: str, field: str) -> datetime | None:
    return parse_user_instant(text, field=field) if text.strip() else None


class EvidenceForm(ServiceForm):
    """Manual evidence for a control: files (typed or picked), a note, observed and valid-until dates."""

    def __init__(self, workspace: Workspace, control_id: str, supersedes: str | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.control_id = control_id
        self.supersedes = supersedes

    def compose(self) -> ComposeResult:
        title = f"Supersede evidence {self.supersedes[:8]}" if self.supersedes else "Add evidence"
        with Vertical(classes="form", id="evidence-form"):
            yield Label(f"{title} for {self.control_id}", classes="form-title")
            yield Label("Files (pick below, or type paths separated by ';')")
            yield Input(id="evidence-files", placeholder="review.pdf; screenshot.png")
            yield DirectoryTree(Path.cwd(), id="evidence-picker")
            yield Label("Note")
            yield Input(id="evidence-note", placeholder="What this shows, and who reviewed it")
            with Horizontal(classes="form-row"):
                yield Input(id="evidence-observed", placeholder="Observed (YYYY-MM-DD, default now)")
                yield Input(id="evidence-valid-until", placeholder="Valid until (optional)")
            yield from self.compose_buttons()

    @on(DirectoryTree.FileSelected, "#evidence-picker")
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        files = self.query_one("#evidence-files", Input)
        chosen = [part.strip() for part in files.value.split(";") if part.strip()]
        if str(event.path) not in chosen:
            chosen.append(str(event.path))
        files.value = "; ".join(chosen)

    def submit_work(self) -> Callable[[], EvidenceView]:
        files = [part.strip() for part in self.query_one("#evidence-files", Input).value.split(";") if part.strip()]
        note = self.query_one("#evidence-note", Input).value
        observed = _instant(self.query_one("#evidence-observed", Input).value, "observed")
        valid_until = _instant(self.query_one("#evidence-valid-until", Input).value, "valid until")
        workspace, control_id, supersedes = self.workspace, self.control_id, self.supersedes
        return lambda: add_manual_evidence(
            workspace,
            control_ids=[control_id],
            attachments=files,
            note=note,
            observed_at=observed,
            valid_until=valid_until,
            supersedes=supersedes,
        )


class ExceptionForm(ServiceForm):
    """An exception for a control: rationale, approver and expiry."""

    def __init__(self, workspace: Workspace, control_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.control_id = control_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="exception-form"):
            yield Label(f"Add an exception for {self.control_id}", classes="form-title")
            yield Label("Rationale")
            yield Input(id="exception-rationale", placeholder="Why the control does not operate, and what mitigates it")
            yield Label("Approver")
            yield Input(id="exception-approver", placeholder="Who approved it")
            yield Label("Expires")
            default = (utc_now() + timedelta(days=90)).date().isoformat()
            yield Input(default, id="exception-expires", placeholder="YYYY-MM-DD")
            yield from self.compose_buttons()

    def submit_work(self) -> Callable[[], ControlException]:
        rationale = self.query_one("#exception-rationale", Input).value
        approver = self.query_one("#exception-approver", Input).value
        expires = parse_user_instant(
            self.query_one("#exception-expires", Input).value, field="expires", end_of_day=True
        )
        workspace, control_id = self.workspace, self.control_id
        return lambda: add_exception(
            workspace, control_id=control_id, rationale=rationale, approver=approver, expires_at=expires
        )


class OwnerForm(ServiceForm):
    """A control's owner and each side's part in words."""

    def __init__(self, workspace: Workspace, responsibility: Responsibility) -> None:
        super().__init__()
        self.workspace = workspace
        self.responsibility = responsibility

    def compose(self) -> ComposeResult:
        current = self.responsibility
        with Vertical(classes="form", id="owner-form"):
            yield Label(f"Owner of {current.control_id}", classes="form-title")
            yield Select(
                [(OWNER_LABEL[owner], owner) for owner in OWNERS],
                value=current.owner.value,
                allow_blank=False,
                id="owner-select",
            )
            yield Label("Vendor's part")
            yield TextArea(current.vendor_part, id="owner-vendor-part", soft_wrap=True)
            yield Label("Customer's part")
            yield TextArea(current.customer_part, id="owner-customer-part", soft_wrap=True)
            yield from self.compose_buttons()

    def submit_work(self) -> Callable[[], Responsibility]:
        owner = str(self.query_one("#owner-select", Select).value)
        vendor_part = self.query_one("#owner-vendor-part", TextArea).text
        customer_part = self.query_one("#owner-customer-part", TextArea).text
        workspace, control_id = self.workspace, self.responsibility.control_id
        return lambda: set_owner(
            workspace, control_id, owner=owner, vendor_part=vendor_part, customer_part=customer_part
        )
