"""Render a report off the calling thread: collect, render, sign, write, with progress and cancellation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.clock import format_stored
from workbench.reports.atomic_file import AtomicFile, check_output_path
from workbench.reports.collect import collect_content
from workbench.reports.errors import ReportCancelled
from workbench.reports.manifest import build_manifest, manifest_bytes, manifest_digest
from workbench.reports.options import ReportOptions
from workbench.reports.pdf_render import html_to_pdf
from workbench.reports.signing import ReportSigner, load_signer, sign_pdf
from workbench.reports.templating import render_html
from workbench.store.models import new_id
from workbench.workspace import Workspace, default_actor

#: ``progress(stage, fraction)``: stage is ``collecting``, ``rendering``, ``signing``, ``writing`` or ``done``.
Progress = Callable[[str, float], None]

STAGES = ("collecting", "rendering", "signing", "writing", "done")


@dataclass(frozen=True)
class ReportResult:
    """A report written to disk and recorded in the ledger."""

    path: Path
    kind: str
    audience: str
    as_of: str
    pages: int
    size: int
    signed: bool
    signer: str | None
    manifest_digest: str
    evidence: int
    cited: int
    report_id: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**self.__dict__, "path": str(self.path), "seconds": round(self.seconds, 3)}


def report_manifest(workspace: Workspace, options: ReportOptions) -> dict[str, Any]:
    """Return the manifest the report ``options`` describe would carry, without rendering it (for a bundle).

    Raises:
        NoMappedControlsError: the framework has no mapped controls.
    """
    content = collect_content(
        workspace,
        kind=options.kind,
        audience=options.resolved_audience(workspace.settings.role),
        as_of=options.as_of,
        evidence_per_control=options.evidence_per_control,
    )
    return build_manifest(content)


def start_render(
    workspace: Workspace,
    options: ReportOptions,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Future[ReportResult]:
    """Start rendering in a worker thread and return its future at once.

    ``progress`` is called from the worker thread (a Textual app hands it on with ``call_from_thread``). Setting
    ``cancel`` stops the work at the next stage boundary; the future then raises :class:`ReportCancelled` and no file
    is written.
    """
    future: Future[ReportResult] = Future()
    future.set_running_or_notify_cancel()

    def work() -> None:
        try:
            future.set_result(_render(workspace, options, progress, cancel or threading.Event()))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future, where the caller re-raises it
            future.set_exception(exc)

    threading.Thread(target=work, name=f"workbench-report-{options.kind.value}", daemon=True).start()
    return future


def render_report(
    workspace: Workspace,
    options: ReportOptions,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ReportResult:
    """Render, sign and write a report; the heavy work runs in a worker thread while this one waits.

    Args:
        workspace: the workspace to report on.
        options: kind, as-of, audience, output file and signing choice.
        progress: called as ``progress(stage, fraction)`` from the worker thread.
        cancel: set it to stop at the next stage; an interrupt (Ctrl-C) while waiting sets it too.

    Returns:
        What was written.

    Raises:
        WorkbenchError: a clear one-line reason (no mapped controls, no signing identity, wrong passphrase, no
            keyring, an unwritable output path, cancelled); nothing is left behind.
    """
    stop = cancel or threading.Event()
    future = start_render(workspace, options, progress, stop)
    try:
        return future.result()
    except KeyboardInterrupt:
        stop.set()
        future.exception()  # wait for the worker to notice and clean up
        raise


def _render(
    workspace: Workspace, options: ReportOptions, progress: Progress | None, cancel: threading.Event
) -> ReportResult:
    started = time.perf_counter()

    def stage(name: str, fraction: float) -> None:
        if cancel.is_set():
            raise ReportCancelled("report rendering was cancelled; nothing was written")
        if progress is not None:
            progress(name, fraction)

    target = check_output_path(options.out)
    audience = options.resolved_audience(workspace.settings.role)
    # Load the identity before the long work, so a missing identity or a wrong passphrase fails at once.
    signer: ReportSigner | None = load_signer(workspace, options.signing) if options.sign else None

    stage("collecting", 0.0)
    content = collect_content(
        workspace,
        kind=options.kind,
        audience=audience,
        as_of=options.as_of,
        evidence_per_control=options.evidence_per_control,
    )
    manifest = build_manifest(content)
    digest = manifest_digest(manifest)

    stage("rendering", 0.2)
    html = render_html(content, manifest_digest=digest)
    rendered = html_to_pdf(html, manifest=manifest_bytes(manifest), manifest_digest=digest, as_of=options.as_of)
    data = rendered.data

    if signer is not None:
        stage("signing", 0.85)
        reason = f"Issued {content.title}, as of {format_stored(options.as_of)}, manifest SHA-256 {digest}"
        data = sign_pdf(data, signer, reason=reason)

    stage("writing", 0.95)
    report_id = new_id()
    actor = options.actor or default_actor()
    with AtomicFile(target) as output:
        output.write(data)
        # The ledger entry and the rename succeed together: a failed rename rolls the entry back.
        with workspace.store.transaction(actor) as writer:
            writer.record(kind="report", entity_id=report_id, digest=digest)
            output.commit()
    if progress is not None:
        progress("done", 1.0)
    return ReportResult(
        path=target,
        kind=content.kind,
        audience=audience,
        as_of=format_stored(options.as_of),
        pages=rendered.pages,
        size=len(data),
        signed=signer is not None,
        signer=signer.subject if signer is not None else None,
        manifest_digest=digest,
        evidence=len(content.evidence),
        cited=len(content.cited),
        report_id=report_id,
        seconds=time.perf_counter() - started,
    )
