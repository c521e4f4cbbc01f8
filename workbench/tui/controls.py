"""Controls: the list (filtered by framework or by typing) and one control in full."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static, Tree

from workbench.services.evidence import EvidenceRow, list_evidence
from workbench.services.exceptions import list_exceptions
from workbench.services.ownership import Responsibility, responsibilities
from workbench.services.status import ControlStatus, control_status, control_statuses
from workbench.store.models import ControlException
from workbench.text import markup_safe
from workbench.tui.base import PlainTable, StatusCache, WorkbenchScreen, forget_statuses
from workbench.tui.evidence import EvidenceScreen
from workbench.tui.forms import EvidenceForm, ExceptionForm, OwnerForm
from workbench.tui.keybar import KeyBar
from workbench.wording import OWNER_LABEL, STATUS_LABEL, counted
from workbench.workspace import Workspace

#: how many evidence records the detail screen lists (the CLI's 'evidence list' pages through all of them)
EVIDENCE_SHOWN = 100
#: the data of the evidence tree's last line when there are more records than it holds: Enter reads the next page
MORE = "more"
#: how long the cursor rests on a control in a list before the app reads that control ahead (seconds)
READ_AHEAD_DELAY = 0.05


class ControlsScreen(WorkbenchScreen):
    """Every control (or a framework's), with owner and status; type to filter, Enter to open."""

    #: the list has focus from the start, so keys typed while the rows load are never taken from the user
    AUTO_FOCUS = "#controls-table"

    BINDINGS = [
        Binding("enter", "open_control", "Open", id="controls.open"),
        Binding("slash", "focus_filter", "Filter", id="controls.filter"),
        Binding("x", "clear_filters", "Clear status/owner filter", id="controls.clear_filters"),
        Binding("escape", "back", "Back", id="controls.back"),
    ]

    @dataclass
    class ControlChosen(Message):
        """The user chose a control row."""

        control_id: str

    def __init__(
        self,
        workspace: Workspace,
        framework_id: str | None = None,
        *,
        status: str | None = None,
        owner: str | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.framework_id = framework_id
        #: only the controls of this status / owner (the dashboard's numbers open the list with these set)
        self.status = status
        self.owner = owner
        self.rows: list[tuple[str, str, str, str, str]] = []
        #: control id -> (status, owner) as stored values, for the status and owner filters
        self.facts: dict[str, tuple[str, str]] = {}
        self._read_ahead_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._heading(), id="controls-heading")
        yield Input(placeholder="Filter: id, title, owner or status", id="controls-filter")
        yield PlainTable(id="controls-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def _heading(self) -> str:
        if self.framework_id is None:
            heading = "All controls"
        else:
            heading = f"Controls mapped to {markup_safe(self.workspace.catalog.frameworks[self.framework_id].title)}"
        filters = []
        if self.status is not None:
            filters.append(f"status [b]{STATUS_LABEL[self.status]}[/b]")
        if self.owner is not None:
            filters.append(f"owner [b]{OWNER_LABEL[self.owner]}[/b]")
        if filters:
            heading += ", " + " and ".join(filters)  # the key bar shows x, which clears them
        return heading

    def filter_to(self, status: str | None = None, owner: str | None = None) -> None:
        """Show only the controls of ``status`` and ``owner`` (None: any); the app keeps this screen and points it
        at each number opened on the dashboard."""
        if (status, owner) == (self.status, self.owner):
            return  # the same list: it keeps its rows and the lines it has already rendered
        self.status = status
        self.owner = owner
        self.query_one("#controls-heading", Static).update(self._heading())
        self.refresh_bindings()
        if self.rows:
            self._fill(self.query_one("#controls-filter", Input).value)

    def action_clear_filters(self) -> None:
        self.filter_to(None, None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filters":
            return self.status is not None or self.owner is not None
        return True

    def on_mount(self) -> None:
        table = self.query_one("#controls-table", DataTable)
        table.add_column("Control", width=8)
        table.add_column("Title", width=46)
        table.add_columns("Owner", "Status", "Reason")
        self.load()

    @work(thread=True, exclusive=True, group="controls", exit_on_error=False)
    def load(self) -> None:
        """Read statuses and owners off the UI thread."""
        catalog = self.workspace.catalog
        statuses = self.app.statuses if isinstance(self.app, StatusCache) else None  # as the dashboard read them
        if statuses is None:
            statuses = control_statuses(self.workspace)
        owners = {control_id: status.owner for control_id, status in statuses.items()}
        wanted = (
            set(catalog.controls)
            if self.framework_id is None
            else {c for c, control in catalog.controls.items() if control.maps.get(self.framework_id)}
        )
        ordered = sorted(wanted)
        rows = [
            (
                control_id,
                catalog.controls[control_id].title,
                OWNER_LABEL[owners[control_id].value],
                STATUS_LABEL[statuses[control_id].status.value],
                statuses[control_id].reason,
            )
            for control_id in ordered
        ]
        facts = {control_id: (statuses[control_id].status.value, owners[control_id].value) for control_id in ordered}
        self.app.call_from_thread(self.show, rows, facts)

    def on_screen_resume(self) -> None:
        if self.rows:  # shown again (the app keeps this screen): owners and statuses may have changed
            self.load()

    def show(self, rows: list[tuple[str, str, str, str, str]], facts: dict[str, tuple[str, str]]) -> None:
        if rows == self.rows and self.query_one("#controls-table", DataTable).row_count:
            return  # unchanged: the table keeps its rows and the lines it has already rendered
        self.rows = rows
        self.facts = facts
        self._fill(self.query_one("#controls-filter", Input).value)

    def _fill(self, text: str) -> None:
        table = self.query_one("#controls-table", DataTable)
        table.clear()
        needle = text.strip().lower()
        for row in self.rows:
            status, owner = self.facts[row[0]]
            if (self.status is not None and status != self.status) or (self.owner is not None and owner != self.owner):
                continue
            if not needle or any(needle in cell.lower() for cell in row):
                table.add_row(*row, key=row[0])
        self.sub_title = f"{table.row_count} of {counted(len(self.rows), 'control')}"

    @on(Input.Changed, "#controls-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#controls-filter")
    def filter_submitted(self) -> None:
        """Enter in the filter opens the control when only one matches, else moves to the list."""
        table = self.query_one("#controls-table", DataTable)
        if table.row_count == 1:
            self.action_open_control()
        else:
            self.set_focus(table)

    def action_focus_filter(self) -> None:
        # at once, not on the next turn of the loop (as Widget.focus does), so keys typed right after '/' land there
        self.set_focus(self.query_one("#controls-filter", Input))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open_control(self) -> None:
        table = self.query_one("#controls-table", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key is not None:
                self.post_message(self.ControlChosen(str(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ControlChosen(str(event.row_key.value)))

    @on(DataTable.RowHighlighted, "#controls-table")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Read the control under the cursor ahead, once the cursor rests on it, so Enter shows it in one go."""
        if self._read_ahead_timer is not None:
            self._read_ahead_timer.stop()
        control_id = event.row_key.value
        if control_id is None or not isinstance(self.app, StatusCache):
            return
        if self.app.details is not None and control_id in self.app.details:
            return
        self._read_ahead_timer = self.set_timer(READ_AHEAD_DELAY, lambda: self.read_ahead(str(control_id)))

    @work(thread=True, exclusive=True, group="read-ahead", exit_on_error=False)
    def read_ahead(self, control_id: str) -> None:
        """Read a control off the UI thread into the app's cache; a failure here is reported when it is opened."""
        try:
            detail = read_control_detail(self.workspace, control_id)
        except Exception:  # noqa: BLE001 - opening the control reads it again and reports what went wrong
            return
        self.app.call_from_thread(remember_detail, self.app, detail)


@dataclass(frozen=True)
class EvidenceGroup:
    """Evidence of one scope (account, region, resource), or all manual (or imported) evidence, newest first."""

    label: str
    records: tuple[EvidenceRow, ...]


def evidence_groups(rows: list[EvidenceRow]) -> list[EvidenceGroup]:
    """Group evidence by scope, keeping the order of ``rows`` (newest first) inside each group; the group with the
    newest record comes first. Evidence without a scope is grouped by its source: manual, or imported."""
    grouped: dict[tuple[str, ...], list[EvidenceRow]] = {}
    for row in rows:
        scoped = bool(row.account or row.region or row.resource)
        key: tuple[str, ...] = (row.account, row.region, row.resource) if scoped else (row.source,)
        grouped.setdefault(key, []).append(row)
    groups = []
    for key, records in grouped.items():
        if len(key) == 1:
            label = {"manual": "Manual evidence", "import": "Imported evidence"}.get(key[0], f"{key[0]} evidence")
        else:
            account, region, resource = key
            label = " · ".join(
                part for part in (f"account {account}" if account else "", region or "global", resource) if part
            )
        groups.append(EvidenceGroup(label, tuple(records)))
    return groups


@dataclass(frozen=True)
class ControlDetail:
    """Everything the detail screen shows, read in one go off the UI thread."""

    control_id: str
    responsibility: Responsibility
    status: ControlStatus
    evidence: list[EvidenceRow]
    evidence_total: int
    exceptions: list[ControlException]

    def same_as(self, other: ControlDetail | None) -> bool:
        """True when ``other`` shows the same thing (exceptions are never changed once written: ids suffice)."""
        return (
            other is not None
            and self.control_id == other.control_id
            and self.responsibility == other.responsibility
            and self.status == other.status
            and self.evidence_total == other.evidence_total
            and self.evidence == other.evidence
            and [e.id for e in self.exceptions] == [e.id for e in other.exceptions]
        )


def read_control_detail(workspace: Workspace, control_id: str, shown: int = 0) -> ControlDetail:
    """Read what the control screen shows, with its ``shown`` newest records (about 35 ms for 100 of them on a
    workspace of 100,000 records)."""
    evidence, total = list_evidence(workspace, control_id=control_id, limit=max(shown, EVIDENCE_SHOWN))
    return ControlDetail(
        control_id=control_id,
        responsibility=responsibilities(workspace)[control_id],
        status=control_status(workspace, control_id),
        evidence=evidence,
        evidence_total=total,
        exceptions=list_exceptions(workspace, control_id=control_id),
    )


def remember_detail(app: object, detail: ControlDetail) -> None:
    """Keep a control read ahead (on the UI thread) until something is written."""
    if isinstance(app, StatusCache):
        if app.details is None:
            app.details = {}
        app.details[detail.control_id] = detail


class ControlDetailScreen(WorkbenchScreen):
    """One control: description, each side's part, status with reason, requirements, evidence, exceptions."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="control.back"),
        Binding("a", "add_evidence", "Add evidence", id="control.add_evidence"),
        Binding("s", "supersede", "Supersede", id="control.supersede"),
        Binding("x", "add_exception", "Exception", id="control.add_exception"),
        Binding("o", "change_owner", "Owner", id="control.owner"),
        Binding("t", "attest", "Attest", id="control.attest"),
    ]

    def __init__(self, workspace: Workspace, control_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.control_id = control_id
        self.detail: ControlDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="control-body"):
            yield Static("", id="control-title")
            yield Static("", classes="muted", id="control-domain")
            yield Static("", id="control-description", markup=False)
            yield Static("Loading ...", id="control-ownership")
            yield Static("", id="control-status")
            yield Static("Meets", classes="section-title")
            yield PlainTable(id="control-requirements", cursor_type="row", zebra_stripes=True)
            yield Static("Evidence", classes="section-title", id="control-evidence-title")
            yield Tree[str | None]("Evidence", id="control-evidence")
            yield Static("", id="control-exceptions", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#control-requirements", DataTable).add_columns("Framework", "Requirement", "Title")
        evidence: Tree[str | None] = self.query_one("#control-evidence", Tree)
        evidence.show_root = False
        evidence.guide_depth = 2
        self.show_control(self.control_id)

    def show_control(self, control_id: str) -> None:
        """Show ``control_id``: what the catalog says at once, its state from the store when read.

        The app keeps one of these screens and points it at each control it opens: building a screen costs more
        than reading a control.
        """
        self.control_id = control_id
        self.detail = None
        control = self.workspace.catalog.controls[control_id]
        self.sub_title = control_id
        self.query_one("#control-title", Static).update(f"[b]{control.id}[/b]  {_plain(control.title)}")
        self.query_one("#control-domain", Static).update(f"{markup_safe(control.domain)} · reviewed {control.cadence}")
        self.query_one("#control-description", Static).update(control.description)
        self.query_one("#control-ownership", Static).update("Loading ...")
        self.query_one("#control-status", Static).update("")
        self.query_one("#control-exceptions", Static).update("")
        requirements = self.query_one("#control-requirements", DataTable)
        requirements.clear()
        for requirement in self.workspace.catalog.requirements_for(control_id):
            requirements.add_row(requirement.framework_id, requirement.id, requirement.title)
        self.query_one("#control-evidence", Tree).clear()
        self.query_one("#control-body", VerticalScroll).scroll_home(animate=False)
        read_ahead = (
            self.app.details.get(control_id) if isinstance(self.app, StatusCache) and self.app.details else None
        )
        if read_ahead is not None:
            # Shown at once, in the same frame as the catalog's part; read again once drawn, redrawn only if changed.
            self.show(read_ahead)
            self.call_after_refresh(self.load)
        else:
            # Not read ahead (Enter right after the cursor moved): read it here. One control is a bounded read
            # (about 35 ms on 100,000 records), cheaper than drawing the screen twice, once without its state.
            self.show(read_control_detail(self.workspace, control_id))

    @work(thread=True, exclusive=True, group="control", exit_on_error=False)
    def load(self) -> None:
        """Read the control's state off the UI thread (as many records as are shown now)."""
        shown = len(self.detail.evidence) if self.detail is not None else 0
        detail = read_control_detail(self.workspace, self.control_id, shown)
        self.app.call_from_thread(self.show, detail)

    @work(thread=True, exclusive=True, group="control-more", exit_on_error=False)
    def read_more(self, control_id: str, offset: int) -> None:
        """Read the next page of the control's evidence off the UI thread."""
        rows, total = list_evidence(self.workspace, control_id=control_id, limit=EVIDENCE_SHOWN, offset=offset)
        self.app.call_from_thread(self._more, control_id, offset, rows, total)

    def _more(self, control_id: str, offset: int, rows: list[EvidenceRow], total: int) -> None:
        detail = self.detail
        if detail is None or control_id != self.control_id or len(detail.evidence) != offset:
            return  # another control, or the list changed meanwhile
        tree: Tree[str | None] = self.query_one("#control-evidence", Tree)
        line = tree.cursor_line
        self.show(dataclasses.replace(detail, evidence=[*detail.evidence, *rows], evidence_total=total))
        tree.cursor_line = line  # where the reader was, not back at the top

    def show(self, detail: ControlDetail) -> None:
        if detail.control_id != self.control_id or detail.same_as(self.detail):
            return  # another control was opened meanwhile, or nothing changed
        remember_detail(self.app, detail)
        self.detail = detail
        owner = detail.responsibility
        ownership = self.query_one("#control-ownership", Static)
        ownership.update(
            f"Owner: [b]{OWNER_LABEL[owner.owner.value]}[/b] ({owner.origin})\n"
            f"  Vendor's part:   {_plain(owner.vendor_part)}\n"
            f"  Customer's part: {_plain(owner.customer_part)}"
        )
        status = detail.status
        self.query_one("#control-status", Static).update(
            f"Status: [b]{STATUS_LABEL[status.status.value]}[/b]: {_plain(status.reason)}"
        )
        self.query_one("#control-evidence-title", Static).update(
            f"Evidence ({counted(detail.evidence_total, 'record')}, by scope, newest first"
            + (
                f"; the newest {len(detail.evidence):,} read, Enter on the last line reads more)"
                if detail.evidence_total > len(detail.evidence)
                else ")"
            )
        )
        tree: Tree[str | None] = self.query_one("#control-evidence", Tree)
        tree.clear()
        width = max((len(row.check_id or row.source) for row in detail.evidence), default=0)
        for group in evidence_groups(detail.evidence):
            node = tree.root.add(
                Text(f"{group.label} ({counted(len(group.records), 'record')})", style="bold"), expand=True
            )
            for row in group.records:
                line = (
                    f"{row.id[:8]}  {row.observed_at:%Y-%m-%d %H:%M}  {row.result:<5}  "
                    f"{row.check_id or row.source:<{width}}  {row.note[:100]}"
                )
                node.add_leaf(Text(line), data=row.id)
        remaining = detail.evidence_total - len(detail.evidence)
        if remaining > 0:
            tree.root.add_leaf(
                Text(f"… {counted(remaining, 'more record')}: Enter reads the next {EVIDENCE_SHOWN}", style="italic"),
                data=MORE,
            )
        if detail.evidence:
            tree.cursor_line = 1  # on the newest record, not on its group's heading
        exceptions = self.query_one("#control-exceptions", Static)
        exceptions.update(
            "\n".join(
                f"Exception {item.id[:8]}: {item.rationale} "
                f"(approved by {item.approver}, until {item.expires_at:%Y-%m-%d})"
                for item in detail.exceptions
            )
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    # ---- changes, each through a form that closes only once the write has committed -----------------------------

    def _after(self, done: str) -> Callable[[object], None]:
        def reload(result: object) -> None:
            if result is not None:
                self.notify(done)
                forget_statuses(self.app)  # the lists and the dashboard read afresh
                self.load()

        return reload

    def action_add_evidence(self) -> None:
        self.app.push_screen(EvidenceForm(self.workspace, self.control_id), self._after("Evidence recorded"))

    def action_supersede(self) -> None:
        selected = self._selected_evidence()
        if selected is None:
            self.notify("Choose the evidence record to supersede in the list first", severity="warning")
            return
        self.app.push_screen(
            EvidenceForm(self.workspace, self.control_id, supersedes=selected), self._after("Evidence superseded")
        )

    def action_add_exception(self) -> None:
        self.app.push_screen(ExceptionForm(self.workspace, self.control_id), self._after("Exception recorded"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Attesting is a customer's answer to a vendor packet: the key shows in a customer workspace only."""
        return action != "attest" or self.workspace.settings.role == "customer"

    def action_attest(self) -> None:
        from workbench.tui.exchange import AttestForm

        self.app.push_screen(AttestForm(self.workspace, self.control_id), self._after("Attestation recorded"))

    def action_change_owner(self) -> None:
        if self.detail is not None:
            self.app.push_screen(OwnerForm(self.workspace, self.detail.responsibility), self._after("Owner recorded"))

    def _selected_evidence(self) -> str | None:
        node = self.query_one("#control-evidence", Tree).cursor_node
        if node is None or not isinstance(node.data, str) or node.data == MORE:
            return None  # a group's heading, or the line that reads more
        return node.data

    @on(Tree.NodeSelected, "#control-evidence")
    def evidence_chosen(self, event: Tree.NodeSelected[str | None]) -> None:
        event.stop()
        if event.node.data == MORE and self.detail is not None:
            self.read_more(self.control_id, len(self.detail.evidence))
        elif isinstance(event.node.data, str):  # a record; Enter on a group's heading folds or unfolds it
            self.app.push_screen(EvidenceScreen(self.workspace, event.node.data))


def _plain(text: str) -> str:
    """Text from the workspace, shown literally inside a markup string (brackets are not markup)."""
    return text.replace("[", "\\[")
