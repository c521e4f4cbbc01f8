"""Catalog and control commands: ``catalog list|show|coverage`` and ``control list|show|set-owner``."""

from __future__ import annotations

from typing import Any

import click

from workbench.catalog import OWNERS, Catalog, load_catalog
from workbench.catalog.coverage import coverage
from workbench.cli.main import Context, pass_context
from workbench.cli.output import console, emit_json, json_option, styled_status, table
from workbench.collectors.registry import check_state, implemented_checks
from workbench.errors import InputError
from workbench.services.evidence import list_evidence, resolve_control_ids
from workbench.services.exceptions import exception_as_dict, list_exceptions
from workbench.services.ownership import responsibilities, set_owner
from workbench.services.status import STATUS_ORDER, control_status, control_statuses
from workbench.text import markup_safe as safe
from workbench.workspace import SETTINGS_NAME


def _catalog(context: Context) -> Catalog:
    """The catalog needs no workspace: the workspace's (with what it imported) when there is one, else the
    packaged library."""
    if (context.workspace_path / SETTINGS_NAME).is_file():
        return context.workspace().catalog
    return load_catalog()


@click.group("catalog")
def catalog_group() -> None:
    """Frameworks and their requirements."""


@catalog_group.command("list")
@json_option
@pass_context
def catalog_list(context: Context, as_json: bool) -> None:
    """List the frameworks."""
    catalog = _catalog(context)
    rows: list[dict[str, Any]] = [
        {
            "id": f.id,
            "title": f.title,
            "version": f.version,
            "requirements": len(f.requirements),
            "controls": len(catalog.controls_in(f.id)),
            "notice": f.notice,
        }
        for f in catalog.frameworks.values()
    ]
    if as_json:
        emit_json(rows)
        return
    grid = table("id", "framework", "version", "requirements", "controls")
    for row in rows:
        grid.add_row(
            safe(row["id"]), safe(row["title"]), safe(row["version"]), str(row["requirements"]), str(row["controls"])
        )
    console().print(grid)


@catalog_group.command("show")
@click.argument("framework")
@click.argument("requirement", required=False)
@json_option
@pass_context
def catalog_show(context: Context, framework: str, requirement: str | None, as_json: bool) -> None:
    """Show a framework's requirements, or one requirement with the controls that meet it."""
    catalog = _catalog(context)
    found = catalog.framework(framework.lower())
    if found is None:
        raise InputError(f"unknown framework {framework!r}; known: {', '.join(catalog.frameworks)}")
    if requirement is not None:
        item = found.requirement(requirement) or found.requirement(requirement.upper())
        if item is None:
            raise InputError(
                f"{found.id} has no requirement {requirement!r}; 'workbench catalog show {found.id}' lists them"
            )
        control_ids = catalog.controls_for(found.id, item.id)
        data: dict[str, Any] = {
            "framework": found.id,
            "id": item.id,
            "title": item.title,
            "kind": item.kind,
            "parent": item.parent,
            "text": item.text,
            "attributes": dict(item.attributes),
            "controls": [{"id": cid, "title": catalog.controls[cid].title} for cid in control_ids],
            "notice": found.notice,
        }
        if as_json:
            emit_json(data)
            return
        out = console()
        out.print(f"[bold]{safe(found.title)} {safe(item.id)}[/]: {safe(item.title)}")
        for key, value in item.attributes.items():
            out.print(f"  {key}: {value}")
        if item.text:
            out.print()
            out.print(item.text)
        out.print()
        out.print(f"Met by {len(control_ids)} control(s):" if control_ids else "[magenta]Not met by any control.[/]")
        for cid in control_ids:
            out.print(f"  {cid}  {safe(catalog.controls[cid].title)}")
        if found.notice:
            out.print(f"\n[dim]{found.notice}[/]")
        return
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "title": r.title,
            "kind": r.kind,
            "parent": r.parent,
            "attributes": dict(r.attributes),
            "controls": list(catalog.controls_for(found.id, r.id)),
        }
        for r in found.requirements
    ]
    if as_json:
        emit_json({"framework": found.id, "title": found.title, "notice": found.notice, "requirements": rows})
        return
    grid = table("id", "title", "kind", "controls", title=f"{safe(found.title)} ({safe(found.version)})")
    for row in rows:
        indent = "  " if row["parent"] else ""
        grid.add_row(
            indent + safe(row["id"]), safe(row["title"]), row["kind"], ", ".join(row["controls"]) or "[magenta]none[/]"
        )
    out = console()
    out.print(grid)
    if found.notice:
        out.print(f"[dim]{found.notice}[/]")


@catalog_group.command("coverage")
@json_option
@pass_context
def catalog_coverage(context: Context, as_json: bool) -> int:
    """Per framework, how many requirements the control library meets, naming any it does not."""
    results = coverage(_catalog(context))
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        out = console()
        for result in results:
            mark = "[green]complete[/]" if not result.unmapped else f"[red]{len(result.unmapped)} unmapped[/]"
            out.print(f"{safe(result.title)} ({result.framework_id}): {result.mapped}/{result.units} mapped, {mark}")
            for requirement in result.unmapped:
                out.print(f"    unmapped: {safe(requirement.id)}  {safe(requirement.title)}")
    return 0


@click.group("control")
def control_group() -> None:
    """The control library, with owners and status."""


@control_group.command("list")
@click.option("--framework", default=None, help="Only controls mapped to this framework.")
@click.option("--owner", type=click.Choice(OWNERS), default=None, help="Only controls with this owner.")
@click.option(
    "--status",
    "status_filter",
    type=click.Choice([s.value for s in STATUS_ORDER]),
    default=None,
    help="Only controls with this status.",
)
@json_option
@pass_context
def control_list(
    context: Context, framework: str | None, owner: str | None, status_filter: str | None, as_json: bool
) -> None:
    """List controls with owner and status."""
    workspace = context.workspace()
    catalog = workspace.catalog
    if framework is not None and catalog.framework(framework) is None:
        raise InputError(f"unknown framework {framework!r}; known: {', '.join(catalog.frameworks)}")
    statuses = control_statuses(workspace)
    rows = []
    for control in catalog.controls.values():
        status = statuses[control.id]
        if framework is not None and not control.maps.get(framework):
            continue
        if owner is not None and status.owner.value != owner:
            continue
        if status_filter is not None and status.status.value != status_filter:
            continue
        rows.append((control, status))
    if as_json:
        emit_json(
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "domain": c.domain,
                    "owner": s.owner.value,
                    "cadence": c.cadence,
                    "status": s.status.value,
                    "reason": s.reason,
                }
                for c, s in rows
            ]
        )
        return
    out = console()
    if not rows:
        out.print("No control matches these filters.")
        return
    grid = table("id", "title", "owner", "status", "reason")
    for control, status in rows:
        grid.add_row(
            control.id, safe(control.title), status.owner.value, styled_status(status.status.value), safe(status.reason)
        )
    out.print(grid)
    out.print(f"{len(rows)} control(s)")


@control_group.command("show")
@click.argument("control_id")
@json_option
@pass_context
def control_show(context: Context, control_id: str, as_json: bool) -> None:
    """Show a control: owner and each side's part, status with reason, requirements, checks, evidence."""
    workspace = context.workspace()
    catalog = workspace.catalog
    resolved = resolve_control_ids(catalog, [control_id])[0]
    control = catalog.controls[resolved]
    responsibility = responsibilities(workspace)[resolved]
    status = control_status(workspace, resolved)
    implemented = implemented_checks()
    evidence, total = list_evidence(workspace, control_id=resolved, limit=10)
    exceptions = list_exceptions(workspace, control_id=resolved)
    data: dict[str, Any] = {
        "id": control.id,
        "title": control.title,
        "domain": control.domain,
        "description": control.description,
        "cadence": control.cadence,
        "responsibility": responsibility.as_dict(),
        "status": status.as_dict(),
        "requirements": [
            {"framework": r.framework_id, "id": r.id, "title": r.title} for r in catalog.requirements_for(resolved)
        ],
        "checks": [{"id": c, "state": check_state(c, implemented)} for c in control.checks],
        "evidence_total": total,
        "evidence": [row.as_dict() for row in evidence],
        "exceptions": [exception_as_dict(e) for e in exceptions],
    }
    if as_json:
        emit_json(data)
        return
    out = console()
    out.print(f"[bold]{control.id}[/]  {safe(control.title)}")
    out.print(f"[dim]{safe(control.domain)}; reviewed {control.cadence}[/]")
    out.print(safe(control.description))
    out.print()
    out.print(f"Owner: [bold]{responsibility.owner.value}[/] ({responsibility.origin})")
    out.print(f"  Vendor's part:   {safe(responsibility.vendor_part)}")
    out.print(f"  Customer's part: {safe(responsibility.customer_part)}")
    out.print(f"Status: {styled_status(status.status.value)}: {safe(status.reason)}")
    out.print()
    grid = table("framework", "requirement", "title", title="Meets")
    for item in data["requirements"]:
        grid.add_row(item["framework"], safe(item["id"]), safe(item["title"]))
    out.print(grid)
    if control.checks:
        out.print()
        out.print("Checks: " + ", ".join(f"{c['id']} ({c['state']})" for c in data["checks"]))
    out.print()
    if evidence:
        grid = table(
            "evidence", "observed", "result", "source", "scope / note", title=f"Evidence ({total}, newest first)"
        )
        for row in evidence:
            scope = " ".join(p for p in (row.account, row.region, row.resource) if p) or row.note[:60]
            grid.add_row(row.id[:8], f"{row.observed_at:%Y-%m-%d}", row.result, row.source, safe(scope))
        out.print(grid)
    else:
        out.print("No evidence yet: 'workbench evidence add --control " + control.id + " --attach FILE --note TEXT'")
    for exception in exceptions:
        out.print(
            f"Exception {exception.id[:8]}: {exception.rationale} (approved by {exception.approver}, "
            f"until {exception.expires_at:%Y-%m-%d})"
        )


@control_group.command("set-owner")
@click.argument("control_id")
@click.argument("owner", type=click.Choice(OWNERS))
@click.option("--vendor-part", default=None, help="What the vendor does for this control, in words.")
@click.option("--customer-part", default=None, help="What the customer does for this control, in words.")
@click.option("--note", default="", help="Why the owner changed.")
@json_option
@pass_context
def control_set_owner(
    context: Context,
    control_id: str,
    owner: str,
    vendor_part: str | None,
    customer_part: str | None,
    note: str,
    as_json: bool,
) -> None:
    """Change who owns a control (recorded in the ledger; the library default stays as it is)."""
    result = set_owner(
        context.workspace(), control_id, owner=owner, vendor_part=vendor_part, customer_part=customer_part, note=note
    )
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(f"{result.control_id} is now owned by {result.owner.value}")


COMMANDS = (catalog_group, control_group)
