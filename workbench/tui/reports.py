"""Reports from the app: kind, as-of and audience; render and sign with progress; where the file went; verify."""

from __future__ import annotations

import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Header, Input, Label, ProgressBar, Select, Static

from workbench.errors import WorkbenchError
from workbench.reports.options import AUDIENCES, ReportKind, ReportOptions, parse_as_of
from workbench.reports.pipeline import ReportResult, render_report
from workbench.reports.verification import ReportVerification, verify_report
from workbench.tui.base import WorkbenchScreen
from workbench.tui.keybar import KeyBar
from workbench.workspace import Workspace

KIND_LABELS = {
    ReportKind.SOC2: "SOC 2 packet",
    ReportKind.HIPAA: "HIPAA Security Rule",
    ReportKind.GDPR: "GDPR",
    ReportKind.SRM: "Shared-responsibility matrix (for customers)",
}


class ReportsScreen(WorkbenchScreen):
    """Render and sign a report in a thread worker with progress; verify a PDF."""

    BINDINGS = [
        Binding("ctrl+r", "render", "Render", id="reports.render"),
        Binding("ctrl+v", "verify", "Verify PDF", id="reports.verify"),
        Binding("escape", "back", "Back", id="reports.back"),
    ]

    def __init__(self, workspace: Workspace, kind: ReportKind = ReportKind.SOC2) -> None:
        super().__init__()
        self.workspace = workspace
        self.kind = kind
        self.cancel = threading.Event()
        self.result: ReportResult | None = None
        self.verification: ReportVerification | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="reports-form"):
            yield Label("Report")
            yield Select(
                [(label, kind.value) for kind, label in KIND_LABELS.items()],
                value=self.kind.value,
                allow_blank=False,
                id="report-kind",
            )
            with Horizontal(classes="form-row"):
                yield Input(id="report-as-of", placeholder="As of (YYYY-MM-DD or instant; empty: now)")
                yield Select(
                    [("Audience: the usual reader", "")] + [(f"Audience: {a}", a) for a in AUDIENCES],
                    value="",
                    allow_blank=False,
                    id="report-audience",
                )
            yield Input(id="report-out", placeholder="Output PDF (empty: <kind>-report-<date>.pdf here)")
            yield Checkbox(
                "Sign (PAdES, with the workspace's identity from 'workbench keys init')", True, id="report-sign"
            )
            with Horizontal(classes="form-buttons"):
                yield Button("Render (ctrl+r)", variant="primary", id="report-render")
        yield ProgressBar(id="report-progress", show_eta=False, total=1)
        yield Static("", id="report-status", markup=False)
        with Vertical(id="verify-form"):
            yield Label("Verify a report (offline): the PDF, and optionally its bundle and the signer's certificate")
            with Horizontal(classes="form-row"):
                yield Input(id="verify-pdf", placeholder="REPORT.pdf")
                yield Input(id="verify-bundle", placeholder="Bundle .zip (optional)")
                yield Input(id="verify-trust", placeholder="Trusted certificate (optional)")
            with Horizontal(classes="form-buttons"):
                yield Button("Verify (ctrl+v)", id="report-verify")
        yield Static("", id="verify-status", markup=False)
        yield KeyBar()

    def options(self) -> ReportOptions:
        """Read the fields. Raises InputError for an as-of that is not a date or lies in the future."""
        kind = ReportKind(str(self.query_one("#report-kind", Select).value))
        as_of = parse_as_of(self.query_one("#report-as-of", Input).value.strip() or None)
        audience = str(self.query_one("#report-audience", Select).value) or None
        out_text = self.query_one("#report-out", Input).value.strip()
        out = Path(out_text).expanduser() if out_text else Path.cwd() / f"{kind.value}-report-{as_of:%Y-%m-%d}.pdf"
        return ReportOptions(
            kind=kind, as_of=as_of, out=out, audience=audience, sign=self.query_one("#report-sign", Checkbox).value
        )

    def action_render(self) -> None:
        try:
            options = self.options()
        except WorkbenchError as exc:
            self.query_one("#report-status", Static).update(exc.message)
            return
        self.query_one("#report-render", Button).disabled = True
        self.query_one("#report-status", Static).update(f"Rendering {options.out} ...")
        self.render_worker(options)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def render_worker(self, options: ReportOptions) -> ReportResult:
        try:
            result = render_report(
                self.workspace,
                options,
                progress=lambda stage, fraction: self.app.call_from_thread(self.show_progress, stage, fraction),
                cancel=self.cancel,
            )
        finally:
            self.app.call_from_thread(self._enable)
        self.app.call_from_thread(self.show_result, result)
        return result

    def show_progress(self, stage: str, fraction: float) -> None:
        self.query_one("#report-progress", ProgressBar).update(total=100, progress=round(fraction * 100))
        self.query_one("#report-status", Static).update(f"{stage} ...")

    def show_result(self, result: ReportResult) -> None:
        self.result = result
        signed = f"signed by {result.signer}" if result.signed else "unsigned draft"
        self.query_one("#report-status", Static).update(
            f"Wrote {result.path} ({result.pages} pages, {result.size:,} bytes, {signed}) in {result.seconds:.1f} s\n"
            f"manifest SHA-256 {result.manifest_digest}"
        )
        self.query_one("#verify-pdf", Input).value = str(result.path)

    def _enable(self) -> None:
        status = self.query_one("#report-status", Static)
        if not str(status.render()).startswith("Wrote"):
            status.update("No report was written.")
        self.query_one("#report-render", Button).disabled = False

    def action_verify(self) -> None:
        pdf = self.query_one("#verify-pdf", Input).value.strip()
        if not pdf:
            self.query_one("#verify-status", Static).update("Name the PDF to verify")
            return
        bundle = self.query_one("#verify-bundle", Input).value.strip()
        trust = self.query_one("#verify-trust", Input).value.strip()
        self.query_one("#verify-status", Static).update(f"Verifying {pdf} ...")
        self.verify_worker(Path(pdf), Path(bundle) if bundle else None, Path(trust) if trust else None)

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False)
    def verify_worker(self, pdf: Path, bundle: Path | None, trust: Path | None) -> None:
        result = verify_report(pdf, bundle, trust)
        self.app.call_from_thread(self.show_verification, result)

    def show_verification(self, result: ReportVerification) -> None:
        self.verification = result
        if result.ok:
            lines = [
                f"OK: {result.report}: the signature is intact and covers the whole file",
                f"signer: {result.signer}; {result.trust}",
            ]
            if result.signer_fingerprint:
                lines.append(f"signer certificate SHA-256: {result.signer_fingerprint}")
            if result.bundle is not None:
                lines.append(f"bundle: {result.bundle['blobs']} blobs checked")
        else:
            lines = ["FAILED:", *(f"  {problem}" for problem in result.problems)]
        self.query_one("#verify-status", Static).update("\n".join(lines))

    @on(Button.Pressed, "#report-render")
    def render_pressed(self) -> None:
        self.action_render()

    @on(Button.Pressed, "#report-verify")
    def verify_pressed(self) -> None:
        self.action_verify()

    def action_back(self) -> None:
        self.cancel.set()  # a render in flight stops at its next stage and writes nothing
        self.app.pop_screen()
