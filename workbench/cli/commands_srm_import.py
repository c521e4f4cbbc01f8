"""``workbench srm import FILE``: an existing responsibility matrix, or the user's own CCM/CAIQ spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from workbench.cli.main import Context, pass_context
from workbench.cli.output import console, emit_json, json_option, table
from workbench.errors import InputError
from workbench.exchange.ccm import CcmPreview, apply_ccm, looks_like_ccm, preview_ccm
from workbench.exchange.matrix_import import (
    EXISTING,
    FLAGGED,
    NEW,
    MatrixPreview,
    Placement,
    apply_matrix,
    parse_decisions,
    preview_matrix,
)
from workbench.exchange.matrix_layout import CUSTOMER, VENDOR
from workbench.exchange.tables import read_tables
from workbench.wording import OWNER_LABEL, counted


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--preview", is_flag=True, help="Show how each row maps to a control; write nothing.")
@click.option(
    "--kind",
    type=click.Choice(["auto", "matrix", "ccm"]),
    default="auto",
    show_default=True,
    help="What the file is: a responsibility matrix, or a CCM/CAIQ spreadsheet (auto: by its header).",
)
@click.option(
    "--decide",
    "decisions",
    multiple=True,
    metavar="ROW=new|CONTROL-ID|skip",
    help="Decide a row (by the number the preview shows): a new control, an existing control, or skip it.",
)
@click.option("--accept-flagged", is_flag=True, help="Take the preview's suggestion for every flagged row.")
@click.option("--framework-id", default=None, help="CCM/CAIQ only: the id of the framework to create (default ccm).")
@json_option
@pass_context
def import_command(
    context: Context,
    file: Path,
    preview: bool,
    kind: str,
    decisions: tuple[str, ...],
    accept_flagged: bool,
    framework_id: str | None,
    as_json: bool,
) -> None:
    """Import an existing shared-responsibility matrix, or your own CSA CCM / CAIQ v4 spreadsheet.

    A matrix is a CSV, XLSX or Markdown table (a Markdown table anywhere in a text file counts) laid out as
    "Category | Security area | Vendor responsibility | Customer responsibility" with check marks (✓ ✔ ☑ x yes R)
    and qualifiers such as "✓ (provides)", or with an owner column (CSP-owned, customer-owned, shared, third
    party, N/A). A row whose category cell is missing takes the category above it.

    Each row updates the owner of the control it confidently matches, or becomes a new control (SRM-NNN) in a
    framework built from the matrix. Rows that match two controls closely, match only weakly, or cannot be read
    are flagged: decide them with --decide ROW=new|CONTROL-ID|skip, or take the suggestions with
    --accept-flagged. Columns the workbench does not understand are listed, never silently dropped.
    Everything is written in one transaction; the same file twice is refused.

    A CCM/CAIQ spreadsheet (columns such as Control Domain, Control Title, Control ID, Control Specification,
    Question ID, Question, CSP CAIQ Answer, SSRM Control Ownership) is recognised by its header (or --kind ccm)
    and becomes a framework whose requirements carry the ownership (CSP-owned: vendor, CSC-owned: customer,
    Shared CSP and CSC: shared, Third-party outsourced: third party, Shared CSP and 3rd-party: vendor and third
    party). Its text stays in your workspace.

    \b
    Examples:
      workbench srm import matrix.xlsx --preview
      workbench srm import matrix.xlsx --decide 12=IAM-07 --decide 15=new --decide 20=skip
      workbench srm import whitepaper.md --accept-flagged
      workbench srm import caiq-v4.xlsx --framework-id ccm_v4
    """
    workspace = context.workspace()
    source = read_tables(file)
    if kind == "ccm" or (kind == "auto" and looks_like_ccm(source)):
        if decisions:
            raise InputError("--decide is for matrices; a CCM/CAIQ import takes every row as it is")
        ccm = preview_ccm(workspace, file, source=source, framework_id=framework_id)
        if preview:
            _show_ccm(ccm, as_json)
            return
        result = apply_ccm(workspace, ccm, accept_flagged=accept_flagged)
        if as_json:
            emit_json({"preview": ccm.as_dict(), "written": result.as_dict()})
            return
        _show_ccm(ccm, False)
        click.echo(f"Imported {file.name} as framework {result.framework_id}.")
        return
    if framework_id is not None:
        raise InputError("--framework-id is for CCM/CAIQ imports; a matrix's framework is named after its file")
    matrix = preview_matrix(
        workspace, file, source=source, decisions=parse_decisions(decisions), accept_flagged=accept_flagged
    )
    if preview:
        if as_json:
            emit_json(matrix.as_dict())
        else:
            _show_matrix(matrix)
        return
    written = apply_matrix(workspace, matrix)
    if as_json:
        emit_json({"preview": matrix.as_dict(), "written": written.as_dict()})
        return
    _show_matrix(matrix)
    click.echo(
        f"Imported {file.name}: framework {written.framework_id} ({counted(written.requirements, 'requirement')}), "
        f"{counted(len(written.new_controls), 'new control')}, "
        f"{counted(len(written.owner_changes), 'owner change')}, {counted(len(written.skipped), 'row')} skipped."
    )


def _control_cell(placement: Placement) -> str:
    if placement.action == EXISTING:
        return f"{escape(placement.control_id)} [dim]({placement.change_words()})[/]"
    if placement.action == NEW:
        where = f" [dim]srm {escape(placement.srm_area)}[/]" if placement.srm_area else ""
        return f"[green]NEW {escape(placement.control_id)}[/]{where}"
    if placement.action == FLAGGED:
        return f"[bold yellow]FLAGGED[/] {escape(placement.reason)} [dim](suggest: {escape(placement.suggestion)})[/]"
    return f"[dim]skip ({escape(placement.reason)})[/]"


def _show_matrix(matrix: MatrixPreview) -> None:
    out = console()
    for note in matrix.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
    columns = ", ".join(f"{kind}={header!r}" for kind, header in matrix.layout.describe().items())
    out.print(f"{escape(matrix.layout.table.name)}, header on row {matrix.layout.header_row}: {escape(columns)}")
    grid = table("row", "category", "area", "vendor", "customer", "owner", "→ control")
    for placement in matrix.placements:
        row = placement.row
        category = f"[dim]{escape(row.category)} ↓[/]" if row.category_carried else escape(row.category)
        vendor, customer = row.marks.get(VENDOR), row.marks.get(CUSTOMER)
        grid.add_row(
            str(row.source_row),
            category,
            escape(row.area),
            escape(vendor.text if vendor else ""),
            escape(customer.text if customer else ""),
            OWNER_LABEL[row.owner.value] if row.owner else escape(row.owner_text or "?"),
            _control_cell(placement),
        )
    out.print(grid)
    if matrix.unknown_columns:
        shown = ", ".join(repr(c) for c in matrix.unknown_columns)
        out.print(f"[yellow]Columns not understood (not imported):[/] {escape(shown)}")
    counts = matrix.counts()
    out.print(
        f"{counted(counts['rows'], 'row')}: {counts[EXISTING]} existing controls, {counts[NEW]} new, "
        f"{counts[FLAGGED]} flagged, {counts['skip']} skipped"
    )
    if counts[FLAGGED]:
        out.print("Decide flagged rows with --decide ROW=new|CONTROL-ID|skip, or --accept-flagged.")


def _show_ccm(ccm: CcmPreview, as_json: bool) -> None:
    if as_json:
        emit_json(ccm.as_dict())
        return
    out = console()
    for note in ccm.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
    counts = ccm.counts()
    out.print(
        f"{escape(ccm.path.name)}: CCM/CAIQ framework {escape(ccm.framework_id)} from {escape(', '.join(ccm.sheets))}: "
        f"{counted(counts['domain'], 'domain')}, {counted(counts['control'], 'control')}, "
        f"{counted(counts['question'], 'question')}"
    )
    grid = table("ownership", "requirements")
    for owner, number in sorted(ccm.owners.items()):
        grid.add_row(OWNER_LABEL.get(owner, owner), str(number))
    out.print(grid)
    for row, why in ccm.flagged:
        out.print(f"[bold yellow]FLAGGED[/] row {row}: {escape(why)}")
    if ccm.unknown_columns:
        shown = ", ".join(repr(c) for c in ccm.unknown_columns)
        out.print(f"[yellow]Columns not understood (not imported):[/] {escape(shown)}")
