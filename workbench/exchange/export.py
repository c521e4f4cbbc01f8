"""Export the shared-responsibility matrix for a customer: XLSX and CSV for people, a signed JSON packet for the tool.

Spreadsheet cells are written as text, never formulas: a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return) gets a leading quote, so a spreadsheet program shows it instead of evaluating it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.catalog import OWNERS
from workbench.clock import format_stored, utc_now
from workbench.errors import InputError
from workbench.exchange.packet import FORMAT_VERSION, PACKET_KIND, SigningKey, canonical_body, packet_bytes, sign_packet
from workbench.reports.atomic_file import AtomicFile, check_output_path
from workbench.services.ownership import responsibilities
from workbench.store.digests import packet_digest
from workbench.store.models import ExchangePacket, new_id
from workbench.text import strip_controls
from workbench.workspace import Workspace, default_actor

FORMATS = ("xlsx", "csv", "json", "oscal")
COLUMNS = ("Control", "Title", "Area", "Owner", "Vendor part", "Customer part", "Requirements")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: control characters a CSV cell loses (a tab, carriage return or newline is data there)
_CSV_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_OWNER_COLUMN = COLUMNS.index("Owner") + 1


@dataclass(frozen=True)
class SrmRow:
    """One control of the matrix as exported: who owns it, each side's part, the requirements it meets."""

    control_id: str
    title: str
    domain: str
    description: str
    cadence: str
    owner: str
    vendor_part: str
    customer_part: str
    requirements: dict[str, list[str]]

    def requirements_text(self) -> str:
        """``soc2: CC6.1, C1.1; hipaa: 164.312(a)(2)(iv)``."""
        return "; ".join(f"{framework}: {', '.join(ids)}" for framework, ids in self.requirements.items())

    def cells(self) -> tuple[str, ...]:
        """The row's cells in :data:`COLUMNS` order."""
        return (
            self.control_id,
            self.title,
            self.domain,
            self.owner,
            self.vendor_part,
            self.customer_part,
            self.requirements_text(),
        )

    def as_packet_row(self) -> dict[str, Any]:
        """The row as a packet carries it."""
        return {
            "control": self.control_id,
            "title": self.title,
            "domain": self.domain,
            "description": self.description,
            "cadence": self.cadence,
            "owner": self.owner,
            "vendor_part": self.vendor_part,
            "customer_part": self.customer_part,
            "requirements": {framework: list(ids) for framework, ids in self.requirements.items()},
        }


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str
    rows: int
    size: int
    packet_id: str | None = None
    signer: str | None = None
    signer_fingerprint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "path": str(self.path),
            "format": self.format,
            "rows": self.rows,
            "size": self.size,
            "packet_id": self.packet_id,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
        }


def srm_rows(workspace: Workspace) -> list[SrmRow]:
    """Every control of the workspace's catalog with the responsibility in force now, in catalog order."""
    catalog = workspace.catalog
    owners = responsibilities(workspace)
    rows = []
    for control in catalog.controls.values():
        held = owners[control.id]
        rows.append(
            SrmRow(
                control_id=control.id,
                title=control.title,
                domain=control.domain,
                description=control.description,
                cadence=control.cadence,
                owner=held.owner.value,
                vendor_part=held.vendor_part,
                customer_part=held.customer_part,
                requirements={framework: list(ids) for framework, ids in control.maps.items() if ids},
            )
        )
    return rows


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet program could evaluate ``value``: it starts (after any whitespace) with = + - @, or
    with a tab or carriage return."""
    return value.startswith(_FORMULA_PREFIXES) or value.lstrip().startswith(_FORMULA_PREFIXES)


def neutralise(value: str) -> str:
    """Return ``value`` safe for a CSV cell: no control characters, and a leading quote before anything a program
    would evaluate."""
    cleaned = _CSV_CONTROL.sub("", value)
    return "'" + cleaned if looks_like_formula(value) or looks_like_formula(cleaned) else cleaned


def output_path(out: Path | None, default_name: str, *, force: bool) -> Path:
    """The file to write: ``out`` or ``default_name`` here; refused when it exists and ``force`` is not given.

    Raises:
        InputError: the file exists (without ``force``).
        OutputPathError: the directory is missing or not writable, or the path is a directory.
    """
    chosen = out if out is not None else Path(default_name)
    path = check_output_path(chosen)
    if path.exists() and not force:
        raise InputError(f"{chosen}: already exists; give --force to replace it, or another --out")
    return path


def write_file(path: Path, data: bytes) -> int:
    """Write ``data`` to ``path`` atomically and return its size."""
    with AtomicFile(path) as handle:
        handle.write(data)
        handle.commit()
    return len(data)


def csv_bytes(rows: Sequence[SrmRow]) -> bytes:
    """The matrix as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row.cells()])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: Sequence[SrmRow], *, title: str) -> bytes:
    """The matrix as a formatted workbook: bold frozen header, filters, wrapped text, owner as a drop-down."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = "SRM"
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F3864")
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column)
        cell.value = name
        cell.data_type = "s"
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
    for index, row in enumerate(rows, start=2):
        for column, value in enumerate(row.cells(), start=1):
            cell = sheet.cell(row=index, column=column)
            cell.value = strip_controls(value)  # characters XML forbids cannot go into a workbook
            cell.data_type = "s"  # text, never a formula, whatever it looks like
            cell.alignment = wrap
            if looks_like_formula(value):
                cell.quotePrefix = True  # and it stays text when someone edits the cell
    widths = (12, 48, 24, 14, 56, 56, 48)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    last_row = max(len(rows) + 1, 2)
    last_column = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last_column}{last_row}"
    owners = DataValidation(
        type="list",
        formula1='"' + ",".join(OWNERS) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Owner",
        error="Choose one of: " + ", ".join(OWNERS),
    )
    sheet.add_data_validation(owners)
    owner_letter = get_column_letter(_OWNER_COLUMN)
    owners.add(f"{owner_letter}2:{owner_letter}{last_row}")
    book.properties.title = title[:255]
    book.properties.creator = "Compliance Evidence Workbench"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def packet_body(workspace: Workspace, rows: Sequence[SrmRow], *, created_at: datetime) -> dict[str, Any]:
    """The body of a vendor's SRM packet (what its signature covers)."""
    settings = workspace.settings
    return {
        "kind": PACKET_KIND,
        "format": FORMAT_VERSION,
        "id": new_id(),
        "created_at": _instant(created_at),
        "issuer": {
            "workspace_id": workspace.workspace_id,
            "organisation": settings.organisation,
            "system": settings.system,
            "role": settings.role,
        },
        "rows": [row.as_packet_row() for row in rows],
    }


def export_srm(
    workspace: Workspace,
    *,
    format: str,
    out: Path | None,
    force: bool = False,
    signing_key: SigningKey | None = None,
    actor: str | None = None,
) -> ExportResult:
    """Write the matrix in ``format`` (xlsx, csv, json or oscal).

    ``json`` writes the signed SRM packet (``signing_key`` is required) and records its issuance in the ledger, so
    the customer's response to it can be recognised later.

    Raises:
        InputError: an unknown format, the file exists (without ``force``), or json without a signing key.
    """
    if format not in FORMATS:
        raise InputError(f"format {format!r} is not one of {', '.join(FORMATS)}")
    now = utc_now()
    stamp = f"{now:%Y-%m-%d}"
    names = {
        "xlsx": f"srm-{stamp}.xlsx",
        "csv": f"srm-{stamp}.csv",
        "json": f"srm-packet-{stamp}.json",
        "oscal": f"srm-component-definition-{stamp}.json",
    }
    path = output_path(out, names[format], force=force)
    rows = srm_rows(workspace)
    if format == "csv":
        return ExportResult(path, format, len(rows), write_file(path, csv_bytes(rows)))
    if format == "xlsx":
        title = " / ".join(p for p in (workspace.settings.organisation, workspace.settings.system) if p)
        data = xlsx_bytes(rows, title=f"Shared-responsibility matrix {title}".strip())
        return ExportResult(path, format, len(rows), write_file(path, data))
    if format == "oscal":
        from workbench.exchange.oscal import component_definition, oscal_bytes

        document = component_definition(workspace, rows, created_at=now)
        return ExportResult(path, format, len(rows), write_file(path, oscal_bytes(document)))
    if workspace.settings.role != "vendor":
        raise InputError(
            "the JSON packet is a vendor's matrix for its customers; a customer workspace answers one with "
            "'workbench srm respond'"
        )
    if signing_key is None:
        raise InputError("the JSON packet is signed: a signing key is needed")
    body = packet_body(workspace, rows, created_at=now)
    document = sign_packet(body, signing_key)
    data = packet_bytes(document)
    who = actor or default_actor()
    record = ExchangePacket(
        id=body["id"],
        kind=PACKET_KIND,
        direction="issued",
        issuer_workspace_id=workspace.workspace_id,
        issuer_organisation=workspace.settings.organisation,
        issuer_system=workspace.settings.system,
        in_response_to=None,
        created_at=now,
        recorded_at=now,
        recorded_by=who,
        body_sha256=document["signature"]["body_sha256"],
        signer_fingerprint=signing_key.fingerprint,
        body=canonical_body(body).decode("utf-8"),
    )
    with AtomicFile(path) as handle:
        handle.write(data)
        # Recorded before the file appears: a packet out in the world is always one this workspace knows it issued.
        with workspace.store.transaction(who) as writer:
            writer.add(record)
            writer.record(kind="packet", entity_id=record.id, digest=packet_digest(record, []))
        handle.commit()
    return ExportResult(
        path,
        format,
        len(rows),
        len(data),
        packet_id=body["id"],
        signer=signing_key.certificate.subject.rfc4514_string(),
        signer_fingerprint=signing_key.fingerprint,
    )


def _instant(moment: datetime) -> str:
    return format_stored(moment)
