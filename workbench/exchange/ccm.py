"""Importing the user's own CSA CCM / CAIQ v4 spreadsheet as a framework, with its SSRM ownership column.

None of the CCM's text ships with the workbench: the framework is built from the user's licensed copy and stays
in their workspace. Domains, controls and (for a CAIQ) questions become requirements; the "SSRM Control
Ownership" values (CSP-owned, CSC-owned, Shared CSP and CSC, Third-party outsourced, Shared CSP and 3rd-party)
become each requirement's ``default_owner``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.catalog import Owner
from workbench.catalog.schema import FrameworkFile, FrameworkMeta, RequirementSpec
from workbench.errors import InputError
from workbench.exchange.matrix_layout import HEADER_SEARCH_ROWS, parse_owner_word
from workbench.exchange.tables import Table, TableSource, file_sha256, read_tables
from workbench.services.catalog_entries import add_catalog_entries
from workbench.workspace import Workspace, default_actor

SOURCE = "ccm-import"
DEFAULT_FRAMEWORK_ID = "ccm"
_FRAMEWORK_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9_.()&\-]")

#: column -> header texts that name it (lower case, brackets and extra spaces removed)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "domain": ("control domain", "ccm domain title", "domain title", "domain"),
    "control_title": ("control title", "ccm control title"),
    "control_id": ("control id", "ccm control id"),
    "specification": ("control specification", "ccm control specification", "specification"),
    "question_id": ("question id", "caiq question id"),
    "question": ("question", "caiq question", "question text"),
    "answer": ("csp caiq answer", "caiq answer", "answer", "csp answer"),
    "ownership": ("ssrm control ownership", "control ownership", "ownership", "ssrm ownership"),
    "vendor_part": ("csp implementation description", "implementation description", "csp implementation"),
    "customer_part": ("csc responsibilities", "customer responsibilities", "csc responsibility"),
}
_BY_HEADER = {text: column for column, texts in _COLUMNS.items() for text in texts}


def _normalise_header(text: str) -> str:
    return " ".join(re.sub(r"\([^)]*\)", " ", text.lower()).replace("_", " ").split())


@dataclass(frozen=True)
class CcmSheet:
    """One table of the workbook with its CCM columns."""

    table: Table
    header_row: int
    columns: dict[str, int]
    unknown: tuple[str, ...]


def ccm_sheets(tables: list[Table]) -> list[CcmSheet]:
    """The tables whose header names a CCM control id with a specification, title or CAIQ question."""
    found: list[CcmSheet] = []
    for table in tables:
        for number, cells in table.rows[:HEADER_SEARCH_ROWS]:
            columns: dict[str, int] = {}
            unknown: list[str] = []
            for index, cell in enumerate(cells):
                column = _BY_HEADER.get(_normalise_header(cell))
                if column is None or column in columns:
                    if cell:
                        unknown.append(cell)
                    continue
                columns[column] = index
            has_id = "control_id" in columns or "question_id" in columns
            # a title alone is any matrix's: a specification, a CAIQ question or the SSRM ownership is the CCM's
            if has_id and ({"specification", "question", "ownership"} & columns.keys()):
                found.append(CcmSheet(table, number, columns, tuple(unknown)))
                break
    return found


def looks_like_ccm(source: TableSource) -> bool:
    """True when the file holds a CCM- or CAIQ-shaped table."""
    return bool(ccm_sheets(source.tables))


@dataclass
class CcmItem:
    """One requirement to be: a domain, a control or a question."""

    id: str
    kind: str
    title: str
    parent: str | None
    text: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    source_row: int = 0


@dataclass
class CcmPreview:
    """What a CCM/CAIQ import would add; nothing is written until :func:`apply_ccm`."""

    path: Path
    sha256: str
    framework_id: str
    items: list[CcmItem]
    owners: dict[str, int]
    flagged: list[tuple[int, str]]
    unknown_columns: tuple[str, ...]
    sheets: list[str]
    already_imported: bool
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Requirements by kind, and the rows flagged."""
        result = {"domain": 0, "control": 0, "question": 0}
        for item in self.items:
            result[item.kind] += 1
        result["flagged"] = len(self.flagged)
        return result

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "file": self.path.name,
            "sha256": self.sha256,
            "kind": "ccm",
            "framework": self.framework_id,
            "sheets": self.sheets,
            "already_imported": self.already_imported,
            "unknown_columns": list(self.unknown_columns),
            "counts": self.counts(),
            "owners": self.owners,
            "flagged": [{"row": row, "reason": why} for row, why in self.flagged],
            "notes": self.notes,
        }


def requirement_id(ccm_id: str) -> str:
    """A CCM id as a requirement id: characters ids may not hold (the ``&`` of ``A&A-01``) become ``_``."""
    return _BAD_ID_CHARS.sub("_", ccm_id.strip())


def preview_ccm(
    workspace: Workspace, path: Path, *, source: TableSource | None = None, framework_id: str | None = None
) -> CcmPreview:
    """Read a CCM/CAIQ spreadsheet and work out the framework it becomes; writes nothing.

    Raises:
        InputError: the file cannot be read, has no CCM-shaped table, or holds no controls.
    """
    source = source or read_tables(path)
    sheets = ccm_sheets(source.tables)
    name = path.name
    if not sheets:
        raise InputError(
            f"{name}: no CCM/CAIQ header (wanted columns such as 'Control Domain', 'Control Title', 'Control ID', "
            "'Control Specification', or 'Question ID', 'Question', 'SSRM Control Ownership')"
        )
    wanted = (framework_id or DEFAULT_FRAMEWORK_ID).strip()
    if not _FRAMEWORK_ID.match(wanted):
        raise InputError(f"--framework-id {wanted!r}: use lower-case letters, digits and _ starting with a letter")
    sha = file_sha256(path)
    items: dict[str, CcmItem] = {}
    flagged: list[tuple[int, str]] = []
    owners: dict[str, int] = {}
    for sheet in sheets:
        _read_sheet(sheet, items, flagged, owners)
    if not any(item.kind == "control" for item in items.values()):
        raise InputError(f"{name}: the CCM table has a header but no controls")
    for item in items.values():
        if item.kind == "control":
            _control_owner(item, [i for i in items.values() if i.parent == item.id and i.kind == "question"])
    existing = workspace.catalog.framework(wanted)
    # the same file under any framework id: its SHA-256 is in the framework's source line
    same_file = next((f for f in workspace.catalog.frameworks.values() if f"(sha256 {sha})" in f.source), None)
    already = same_file is not None
    if same_file is not None:
        wanted = same_file.id
    notes = list(source.notes)
    if already:
        notes.append(f"{name} was already imported (framework {wanted}); applying it again is refused")
    elif existing is not None:
        notes.append(f"a framework {wanted!r} already exists; choose another id with --framework-id")
    unknown = tuple(dict.fromkeys(u for s in sheets for u in s.unknown))
    ordered = _ordered(items)
    return CcmPreview(
        path, sha, wanted, ordered, owners, flagged, unknown, [s.table.name for s in sheets], already, notes
    )


def _cell(cells: tuple[str, ...], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _read_sheet(
    sheet: CcmSheet, items: dict[str, CcmItem], flagged: list[tuple[int, str]], owners: dict[str, int]
) -> None:
    columns = sheet.columns
    for number, cells in sheet.table.rows:
        if number <= sheet.header_row:
            continue
        control_id = _cell(cells, columns, "control_id")
        question_id = _cell(cells, columns, "question_id")
        if not control_id and question_id:
            control_id = question_id.rsplit(".", 1)[0]
        if not control_id:
            if any(c.strip() for c in cells):
                flagged.append((number, "no control id"))
            continue
        if any(c.startswith("=") for c in cells):
            flagged.append((number, "a cell holds a formula (kept as text, not evaluated)"))
        domain_code = requirement_id(control_id.rsplit("-", 1)[0]) if "-" in control_id else "DOMAIN"
        domain_title = _cell(cells, columns, "domain") or control_id.rsplit("-", 1)[0]
        domain = items.setdefault(domain_code, CcmItem(domain_code, "domain", domain_title, None, source_row=number))
        if domain.title == domain_code and domain_title != domain_code:
            domain.title = domain_title
        cid = requirement_id(control_id)
        title = _cell(cells, columns, "control_title")
        control = items.get(cid)
        if control is None:
            control = CcmItem(cid, "control", title or control_id, domain_code, source_row=number)
            control.attributes["ccm_id"] = control_id
            items[cid] = control
        if not control.text:
            control.text = _cell(cells, columns, "specification")
        target = control
        if question_id:
            qid = requirement_id(question_id)
            if qid in items:
                flagged.append((number, f"question {question_id} repeats row {items[qid].source_row}"))
                continue
            question = _cell(cells, columns, "question") or question_id
            target = CcmItem(qid, "question", question, cid, source_row=number)
            target.attributes["ccm_id"] = question_id
            items[qid] = target
            answer = _cell(cells, columns, "answer")
            if answer:
                target.attributes["caiq_answer"] = answer
        _ownership(target, _cell(cells, columns, "ownership"), number, flagged, owners)
        for column in ("vendor_part", "customer_part"):
            text = _cell(cells, columns, column)
            if text:
                target.attributes[column] = text


def _ownership(item: CcmItem, text: str, number: int, flagged: list[tuple[int, str]], owners: dict[str, int]) -> None:
    if not text:
        return
    owner = parse_owner_word(text)
    item.attributes["ownership"] = text
    if owner is None:
        flagged.append((number, f"cannot read the ownership {text!r}"))
        return
    item.attributes["default_owner"] = owner.value
    owners[owner.value] = owners.get(owner.value, 0) + 1


def _control_owner(control: CcmItem, questions: list[CcmItem]) -> None:
    """A control's owner is its questions' when they agree (CAIQ records ownership per question)."""
    if "default_owner" in control.attributes:
        return
    found = {q.attributes["default_owner"] for q in questions if "default_owner" in q.attributes}
    if len(found) == 1:
        control.attributes["default_owner"] = found.pop()
    elif found:
        control.attributes["default_owner"] = Owner.SHARED.value if found <= {"vendor", "customer", "shared"} else ""
        control.attributes["ownership"] = "mixed: " + ", ".join(sorted(found))
        if not control.attributes["default_owner"]:
            del control.attributes["default_owner"]


def _ordered(items: dict[str, CcmItem]) -> list[CcmItem]:
    """Parents before children: each domain, then its controls, each followed by its questions."""
    ordered: list[CcmItem] = []
    children: dict[str | None, list[CcmItem]] = {}
    for item in items.values():
        children.setdefault(item.parent, []).append(item)

    def walk(parent: str | None) -> None:
        for item in children.get(parent, []):
            ordered.append(item)
            walk(item.id)

    walk(None)
    return ordered


@dataclass
class CcmImportResult:
    """What a CCM import wrote."""

    framework_id: str
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"framework": self.framework_id, "requirements": self.counts}


def apply_ccm(
    workspace: Workspace, preview: CcmPreview, *, accept_flagged: bool = False, actor: str | None = None
) -> CcmImportResult:
    """Add the CCM framework to the workspace's catalog in one transaction.

    Raises:
        InputError: already imported, the framework id is taken, or rows are flagged and not accepted.
    """
    name = preview.path.name
    if preview.already_imported:
        raise InputError(f"{name} was already imported (framework {preview.framework_id}); nothing written")
    if workspace.catalog.framework(preview.framework_id) is not None:
        raise InputError(
            f"a framework {preview.framework_id!r} already exists; choose another id with --framework-id; "
            "nothing written"
        )
    if preview.flagged and not accept_flagged:
        shown = ", ".join(str(row) for row, _ in preview.flagged[:8])
        raise InputError(
            f"{name}: {len(preview.flagged)} flagged rows ({shown}); fix the file or pass --accept-flagged to import "
            "the rest as they are; nothing written"
        )
    meta = FrameworkMeta(
        id=preview.framework_id,
        title=f"Cloud Controls Matrix ({name})"[:200],
        version=preview.sha256[:12],
        source=f"The user's own CSA CCM/CAIQ spreadsheet {name} (sha256 {preview.sha256})",
        notice="CSA CCM/CAIQ content from the user's own copy; it is not distributed with the workbench.",
    )
    requirements = [
        RequirementSpec(id=i.id, title=i.title, kind=i.kind, parent=i.parent, text=i.text, attributes=i.attributes)
        for i in preview.items
    ]
    framework = FrameworkFile(framework=meta, requirements=requirements)
    add_catalog_entries(
        workspace,
        frameworks=[framework],
        source=SOURCE,
        origin=f"{name} sha256:{preview.sha256}",
        actor=actor or default_actor(),
    )
    return CcmImportResult(preview.framework_id, preview.counts())
