"""``workbench srm export|import-vendor|attest|respond|import-response`` and ``workbench export oscal-results``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.markup import escape

from workbench.cli.main import Context, pass_context
from workbench.cli.output import console, emit_json, json_option, print_verification, table
from workbench.clock import parse_user_instant
from workbench.errors import InputError
from workbench.exchange.packet import PacketCheck, load_signing_key, verify_packet
from workbench.wording import counted

F = TypeVar("F", bound=Callable[..., Any])
#: Control characters (C0 except newline, DEL, C1): text from another organisation's packet never reaches the
#: terminal with escape sequences in it.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def shown(value: str) -> str:
    """Untrusted text (from a packet) made safe to print: control characters replaced."""
    return _CONTROL.sub("?", value)


def markup_safe(value: str) -> str:
    """Untrusted text for a rich table or console: control characters replaced and markup escaped."""
    return escape(shown(value))


_FILE = click.Path(path_type=Path, dir_okay=False)
_UNTRUSTED = (
    "authenticity not established: compare this fingerprint with the one the sender published, or pass --trust CERT"
)


def _signing_options(function: F) -> F:
    for option in reversed(
        (
            click.option(
                "--key", "key_file", type=_FILE, default=None, help="Sign with this PEM private key (with --cert)."
            ),
            click.option("--cert", "cert_file", type=_FILE, default=None, help="The PEM certificate of --key."),
            click.option("--p12", "p12_file", type=_FILE, default=None, help="Sign with this PKCS#12 identity."),
        )
    ):
        function = option(function)
    return function


def _trust_option(function: F) -> F:
    return click.option(
        "--trust",
        type=_FILE,
        default=None,
        help="A PEM certificate the packet's signer must be (or chain to); without it the fingerprint is shown.",
    )(function)


def _out_options(function: F) -> F:
    function = click.option("--force", is_flag=True, help="Replace the output file if it exists.")(function)
    return click.option("--out", type=_FILE, default=None, help="File to write (default: a dated name here).")(function)


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "json", "oscal"]),
    required=True,
    help="xlsx/csv for people, json: the signed packet for the customer's workbench, oscal: component-definition.",
)
@_out_options
@_signing_options
@json_option
@pass_context
def export_command(
    context: Context,
    fmt: str,
    out: Path | None,
    force: bool,
    key_file: Path | None,
    cert_file: Path | None,
    p12_file: Path | None,
    as_json: bool,
) -> None:
    """Export the shared-responsibility matrix for a customer.

    The json packet is signed with the workspace's signing identity ('workbench keys init') and recorded in the
    ledger, so the customer's signed response to it can be imported later with 'workbench srm import-response'.
    """
    from workbench.exchange.export import export_srm

    workspace = context.workspace()
    if fmt == "json" and workspace.settings.role != "vendor":
        raise InputError(
            "the JSON packet is a vendor's matrix for its customers; a customer workspace answers one with "
            "'workbench srm respond'"
        )
    if fmt != "json" and (key_file or cert_file or p12_file):
        raise InputError("--key/--cert/--p12 sign the json packet; the other formats are not signed")
    key = (
        load_signing_key(workspace, key_file=key_file, cert_file=cert_file, p12_file=p12_file)
        if fmt == "json"
        else None
    )
    result = export_srm(workspace, format=fmt, out=out, force=force, signing_key=key)
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(f"Wrote {result.path} ({fmt}, {counted(result.rows, 'control')}, {result.size:,} bytes)")
    if result.packet_id is not None:
        click.echo(f"  packet {result.packet_id}, signed by {result.signer}")
        click.echo(f"  signer certificate SHA-256: {result.signer_fingerprint}")
        click.echo("  The customer imports it with: workbench srm import-vendor " + result.path.name)


@click.command("import-vendor")
@click.argument("packet", type=_FILE)
@_trust_option
@json_option
@pass_context
def import_vendor_command(context: Context, packet: Path, trust: Path | None, as_json: bool) -> None:
    """Import a vendor's signed SRM packet into this customer workspace.

    The vendor's rows are kept as signed and shown as inherited; controls the workspace lacks are added to its
    catalog (source vendor-packet) so evidence can be attached to them with 'workbench evidence add --control'.
    """
    from workbench.exchange.customer import import_vendor, view_of

    result = import_vendor(context.workspace(), packet, trust=trust)
    if as_json:
        emit_json(result.as_dict())
        return
    out = console()
    out.print(f"Imported vendor packet {result.packet_id} from {markup_safe(result.vendor)}")
    out.print(f"  signed by {markup_safe(result.signer)}; certificate SHA-256 {result.signer_fingerprint}")
    if trust is None:
        out.print(f"  {_UNTRUSTED}")
    grid = table("control", "title", "owner", "your view", "your part")
    fill = 0
    for row in result.rows:
        view = view_of(row)
        fill += 1 if view["to_fill"] else 0
        grid.add_row(
            row.control,
            markup_safe(row.title),
            row.owner.value,
            view["view"] + (" (to fill)" if view["to_fill"] else ""),
            markup_safe(row.customer_part),
        )
    out.print(grid)
    out.print(
        f"{counted(len(result.rows), 'row')}, {fill} with a customer part to fill; "
        f"{counted(len(result.added_controls), 'control')} added to the catalog, "
        f"{counted(len(result.owner_changes), 'owner')} taken from the vendor"
    )
    out.print("Next: 'workbench evidence add --control ID --attach FILE', 'workbench srm attest ID --text ...', then")
    out.print("      'workbench srm respond'.")


@click.command("attest")
@click.argument("control")
@click.option("--text", "statement", required=True, help="What the customer attests for its part of the control.")
@click.option("--packet", "packet_id", default=None, help="The vendor packet (id prefix; default: the newest).")
@json_option
@pass_context
def attest_command(context: Context, control: str, statement: str, packet_id: str | None, as_json: bool) -> None:
    """Attest to the customer's part of a row of the vendor's packet; it goes back with the next response."""
    from workbench.exchange.customer import attest

    record = attest(context.workspace(), control, text=statement, packet_id=packet_id)
    if as_json:
        emit_json(
            {
                "id": record.id,
                "control": record.control_id,
                "packet_id": record.packet_id,
                "text": record.text,
                "attested_by": record.attested_by,
            }
        )
        return
    click.echo(f"Recorded attestation {record.id[:8]} for {record.control_id}")


@click.command("respond")
@click.option("--packet", "packet_id", default=None, help="The vendor packet to answer (id prefix; default: newest).")
@_out_options
@_signing_options
@json_option
@pass_context
def respond_command(
    context: Context,
    packet_id: str | None,
    out: Path | None,
    force: bool,
    key_file: Path | None,
    cert_file: Path | None,
    p12_file: Path | None,
    as_json: bool,
) -> None:
    """Write the signed response to the vendor's packet: attestations, statuses and evidence with its files."""
    from workbench.clock import utc_now
    from workbench.exchange.customer import respond
    from workbench.exchange.export import output_path

    workspace = context.workspace()
    path = output_path(out, f"srm-response-{utc_now():%Y-%m-%d}.json", force=force)
    if workspace.settings.role != "customer":
        raise InputError("a response answers a vendor packet from a customer workspace; this is a vendor workspace")
    key = load_signing_key(workspace, key_file=key_file, cert_file=cert_file, p12_file=p12_file)
    result = respond(workspace, out=path, signing_key=key, packet_id=packet_id)
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(
        f"Wrote {result.path} ({result.size:,} bytes): response {result.response_id} to packet {result.packet_id[:8]}"
    )
    click.echo(
        f"  {result.answered} of {counted(result.answers, 'row')} answered, "
        f"{counted(result.evidence, 'evidence record')}, {counted(result.files_inline, 'file')} inline"
    )
    for item in result.files_left_out:
        click.echo(f"  left out (too large to travel inline; its hash is sent): {item}")
    click.echo(f"  signed by {result.signer}; certificate SHA-256 {result.signer_fingerprint}")


@click.command("import-response")
@click.argument("packet", type=_FILE)
@_trust_option
@json_option
@pass_context
def import_response_command(context: Context, packet: Path, trust: Path | None, as_json: bool) -> None:
    """Import a customer's signed response: its answers become evidence (source import); nothing is overwritten.

    An answer for a control the same customer already answered for the same packet is reported as a conflict and
    left out; an answer to a newer packet supersedes the one imported for the older packet.
    """
    from workbench.exchange.response import import_response

    result = import_response(context.workspace(), packet, trust=trust)
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(f"Response {result.response_id} from {shown(result.customer)} to packet {result.packet_id[:8]}")
    click.echo(f"  signed by {shown(result.signer)}; certificate SHA-256 {result.signer_fingerprint}")
    if result.already_imported_on is not None:
        click.echo(f"  already imported on {result.already_imported_on}; nothing changed")
        return
    if trust is None:
        click.echo(f"  {_UNTRUSTED}")
    click.echo(
        f"  {counted(len(result.imported), 'answer')} imported as evidence ({counted(result.files, 'file')}), "
        f"{counted(len(result.conflicts), 'conflict')}, {len(result.unanswered)} unanswered"
    )
    for control, evidence in result.imported:
        replaced = result.superseded.get(control)
        after = f" (supersedes {replaced[:8]}, the answer to an older packet)" if replaced else ""
        click.echo(f"  imported {control}: evidence {evidence[:8]}{after}")
    for conflict in result.conflicts:
        click.echo(f"  conflict {conflict.control_id}: {shown(conflict.reason)}")


@click.command("oscal-results")
@click.option("--as-of", default=None, metavar="DATE", help="Evidence as of this date (end of day UTC) or instant.")
@_out_options
@json_option
@pass_context
def oscal_results_command(context: Context, as_of: str | None, out: Path | None, force: bool, as_json: bool) -> None:
    """Export the evidence as OSCAL 1.1.2 assessment-results: an observation per record, a finding per control."""
    from workbench.exchange.oscal import export_assessment_results

    moment = parse_user_instant(as_of, field="--as-of", end_of_day=True) if as_of else None
    written = export_assessment_results(context.workspace(), out=out, force=force, as_of=moment)
    if as_json:
        emit_json(written.as_dict())
        return
    click.echo(
        f"Wrote {written.path} ({written.size:,} bytes): {counted(written.observations, 'observation')}, "
        f"{counted(written.findings, 'finding')}"
    )


def verify_packet_command_output(packet: Path, trust: Path | None, as_json: bool) -> int:
    """Verify a packet file, print the findings, and return the exit code (0 only when it verifies).

    For ``workbench verify PACKET.json [--trust CERT]``.
    """
    result = verify_packet(packet, trust)
    if as_json:
        emit_json(result.as_dict())
        return 0 if result.ok else 1
    problems = [f"{packet}: {result.problems[0]}", *result.problems[1:]] if result.problems else []
    return print_verification(
        result.ok, f"OK: {packet}: the signature over the packet is intact", problems, _details(result)
    )


def _details(result: PacketCheck) -> list[str]:
    if result.signer_fingerprint is None:
        return []
    who = " / ".join(str(result.issuer.get(k) or "") for k in ("organisation", "system") if result.issuer.get(k))
    lines = [
        shown(
            f"{result.kind} {result.packet_id} from {who or 'an unnamed workspace'}, made {result.created_at}, "
            f"{counted(result.rows, 'row')}"
        ),
        shown(f"signer: {result.signer}; {result.trust}"),
        f"signer certificate SHA-256: {result.signer_fingerprint}",
    ]
    if not result.trust.startswith("trusted"):
        lines.append(
            "authenticity not established: anyone can sign with a certificate that bears this name; pass --trust "
            "with the signer's certificate, or compare the fingerprint above with the one they published"
        )
    lines.append(f"body SHA-256: {result.body_sha256}")
    return lines
