"""Report commands: ``report render``/``bundle``, ``keys init``/``show``, and the output of ``verify REPORT.pdf``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.main import Context, pass_context
from workbench.cli.output import emit_json, json_option, print_verification
from workbench.errors import InputError
from workbench.reports.bundle import write_bundle
from workbench.reports.embedded import manifest_of_report
from workbench.reports.identity import ALGORITHMS, create_identity, workspace_identity
from workbench.reports.options import AUDIENCES, ReportKind, ReportOptions, SigningChoice, parse_as_of, parse_kind
from workbench.reports.pipeline import render_report, report_manifest
from workbench.reports.verification import ReportVerification, verify_report
from workbench.wording import counted

_KINDS = [kind.value for kind in ReportKind]
_FILE = click.Path(path_type=Path, dir_okay=False)


@click.group("report")
def report_group() -> None:
    """Signed PDF reports (SOC 2, HIPAA, GDPR, SRM) and evidence bundles for auditors."""


@report_group.command("render")
@click.option(
    "--kind",
    "--framework",
    "kind",
    type=click.Choice(_KINDS),
    required=True,
    help="Which report (the framework follows).",
)
@click.option("--as-of", default=None, metavar="DATE", help="Report as of this date (end of day UTC) or instant.")
@click.option("--audience", type=click.Choice(AUDIENCES), default=None, help="Who reads it (default: by kind).")
@click.option("--out", type=_FILE, default=None, help="PDF to write (default: <kind>-report-<date>.pdf here).")
@click.option("--no-sign", is_flag=True, help="Write an unsigned draft (byte-identical for the same as-of).")
@click.option("--key", "key_file", type=_FILE, default=None, help="Sign with this PEM private key (with --cert).")
@click.option("--cert", "cert_file", type=_FILE, default=None, help="The PEM certificate of --key.")
@click.option("--p12", "p12_file", type=_FILE, default=None, help="Sign with this PKCS#12 identity.")
@click.option(
    "--evidence-per-control",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="How many of each control's newest evidence records the pages cite (the manifest lists all).",
)
@json_option
@pass_context
def render_command(
    context: Context,
    kind: str,
    as_of: str | None,
    audience: str | None,
    out: Path | None,
    no_sign: bool,
    key_file: Path | None,
    cert_file: Path | None,
    p12_file: Path | None,
    evidence_per_control: int,
    as_json: bool,
) -> None:
    """Render a report to PDF, sign it (PAdES B-B) and record its issuance in the ledger.

    The passphrase of a signing key comes from the OS keyring, or from WORKBENCH_SIGNING_PASSPHRASE in CI; it is
    never a command-line argument.
    """
    if no_sign and (key_file or cert_file or p12_file):
        raise InputError("--no-sign contradicts --key/--cert/--p12; drop one or the other")
    workspace = context.workspace()
    moment = parse_as_of(as_of)
    options = ReportOptions(
        kind=parse_kind(kind),
        as_of=moment,
        out=out if out is not None else Path(f"{kind}-report-{moment:%Y-%m-%d}.pdf"),
        audience=audience,
        sign=not no_sign,
        signing=SigningChoice(key_file=key_file, cert_file=cert_file, p12_file=p12_file),
        evidence_per_control=evidence_per_control,
    )
    show_progress = not as_json and sys.stderr.isatty()
    result = render_report(workspace, options, progress=_print_stage if show_progress else None)
    if as_json:
        emit_json(result.as_dict())
        return
    signed = f"signed by {result.signer}" if result.signed else "unsigned draft"
    click.echo(f"Wrote {result.path} ({result.pages} pages, {result.size:,} bytes, {signed})")
    click.echo(
        f"  {result.kind} report as of {result.as_of}, {result.audience} view: "
        f"{counted(result.evidence, 'evidence record')} in force, {result.cited:,} cited on the pages"
    )
    click.echo(f"  manifest SHA-256 {result.manifest_digest}; recorded in the ledger as report {result.report_id}")


@report_group.command("bundle")
@click.option("--report", "report_file", type=_FILE, default=None, help="Bundle the evidence this report cites.")
@click.option("--kind", "--framework", "kind", type=click.Choice(_KINDS), default=None, help="Or: for this kind ...")
@click.option("--as-of", default=None, metavar="DATE", help="... as of this date or instant (default: now).")
@click.option("--audience", type=click.Choice(AUDIENCES), default=None, help="... and audience (default: by kind).")
@click.option("--out", type=_FILE, required=True, help="Zip file to write.")
@json_option
@pass_context
def bundle_command(
    context: Context,
    report_file: Path | None,
    kind: str | None,
    as_of: str | None,
    audience: str | None,
    out: Path,
    as_json: bool,
) -> None:
    """Write the evidence bundle for an auditor: manifest.json, SHA256SUMS and every cited blob."""
    if (report_file is None) == (kind is None):
        raise InputError("give either --report FILE.pdf or --kind (with --as-of)")
    if report_file is not None and (as_of or audience):
        raise InputError("--as-of and --audience go with --kind; a report file fixes both")
    workspace = context.workspace()
    if report_file is not None:
        manifest = manifest_of_report(report_file)
    else:
        moment = parse_as_of(as_of)
        manifest = report_manifest(
            workspace, ReportOptions(kind=parse_kind(str(kind)), as_of=moment, out=out, audience=audience)
        )
    result = write_bundle(workspace, manifest, out)
    if as_json:
        emit_json(result.as_dict())
        return
    blobs = counted(result.blobs, "blob")
    click.echo(f"Wrote {result.path}: manifest.json, SHA256SUMS and {blobs} ({result.blob_bytes:,} bytes)")
    click.echo(f"  manifest SHA-256 {result.manifest_digest}")


@click.group("keys")
def keys_group() -> None:
    """The signing identity reports are signed with."""


@keys_group.command("init")
@click.option("--algorithm", type=click.Choice(ALGORITHMS), default="ec-p256", show_default=True)
@click.option("--name", "common_name", default=None, help="Certificate common name (default: '<org> report signing').")
@click.option("--replace", is_flag=True, help="Replace an existing identity (older reports keep verifying with it).")
@json_option
@pass_context
def keys_init_command(context: Context, algorithm: str, common_name: str | None, replace: bool, as_json: bool) -> None:
    """Create a self-signed signing identity; its key's passphrase goes only to the OS keyring."""
    info = create_identity(context.workspace(), algorithm=algorithm, common_name=common_name, replace=replace)
    if as_json:
        emit_json(info.as_dict())
        return
    click.echo(f"Created signing identity {info.subject} ({info.algorithm}), valid until {info.not_after}")
    click.echo(f"  certificate {info.cert_path} (SHA-256 {info.fingerprint_sha256})")
    click.echo(f"  encrypted key {info.key_path}; its passphrase is in the OS keyring only")
    click.echo(f"Give auditors the certificate: workbench verify REPORT.pdf --trust {info.cert_path.name}")


@keys_group.command("show")
@json_option
@pass_context
def keys_show_command(context: Context, as_json: bool) -> int:
    """Show the workspace's signing identity (exit 1 when it has none)."""
    info = workspace_identity(context.workspace())
    if as_json:
        emit_json(None if info is None else info.as_dict())
    elif info is None:
        click.echo("No signing identity; create one with 'workbench keys init'.")
    else:
        click.echo(f"{info.subject} ({info.algorithm}), valid until {info.not_after}")
        click.echo(f"  certificate {info.cert_path} (SHA-256 {info.fingerprint_sha256})")
    return 0 if info is not None else 1


def verify_report_command_output(pdf: Path, bundle: Path | None, trust: Path | None, as_json: bool) -> int:
    """Verify a report (and its bundle), print the findings, and return the exit code: 0 only when all holds.

    For ``workbench verify REPORT.pdf [--bundle ZIP] [--trust CERT]``.
    """
    result = verify_report(pdf, bundle, trust)
    if as_json:
        emit_json(result.as_dict())
        return 0 if result.ok else 1
    return print_verification(
        result.ok,
        f"OK: {pdf}: the signature is intact and covers the whole file",
        list(result.problems) or ["the report does not verify"],
        _details(result),
    )


def _details(result: ReportVerification) -> list[str]:
    lines = [f"signer: {result.signer}; {result.trust}"] if result.signed else []
    if result.signer_fingerprint is not None:
        lines.append(f"signer certificate SHA-256: {result.signer_fingerprint}")
        if not result.trust.startswith("trusted"):
            lines.append(
                "authenticity not established: anyone can sign with a certificate that bears this name; pass "
                "--trust with the signer's certificate, or compare the fingerprint above with the one they published"
            )
    if result.signed:
        lines.append(f"signature: coverage {result.coverage}; signed at {result.signed_at or 'unknown'}")
    if result.manifest is not None:
        m = result.manifest
        who = " / ".join(part for part in (m.organisation, m.system) if part) or "no organisation set"
        contents = f"{counted(m.evidence, 'evidence record')}, {counted(m.blobs, 'blob')}"
        lines.append(f"manifest: {m.kind} report as of {m.as_of} for {who}; {contents}")
        lines.append(f"manifest SHA-256: {m.digest}")
    if result.bundle is not None:
        b = result.bundle
        entries, blobs = counted(b["entries"], "entry", "entries"), counted(b["blobs"], "blob")
        lines.append(f"bundle: {entries}, {blobs} ({b['blob_bytes']:,} bytes) checked")
    return lines


def _print_stage(stage: str, fraction: float) -> None:
    click.echo(f"  {stage} ({fraction:.0%})", err=True)


COMMANDS = (report_group, keys_group)
