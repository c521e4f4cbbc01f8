"""'workbench srm import': existing matrices (Markdown in prose, CSV, XLSX) previewed, decided and applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner, snapshot
from tests.exchange.workbooks import seed_matrix, write_csv, write_xlsx
from workbench.errors import InputError
from workbench.exchange import matrix_import
from workbench.exchange.matrix_import import apply_matrix, preview_matrix, side_part
from workbench.exchange.matrix_layout import Mark, column_kind, parse_mark, parse_owner_word
from workbench.services.ownership import responsibilities
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace, open_workspace

SEED_CATEGORIES = {
    "Infrastructure & Compute": 2,
    "Software & Updates": 4,
    "Network Security": 5,
    "Identity & Access Management": 4,
    "Data Security": 5,
    "Monitoring & Incident Response": 6,
    "Compliance & Governance": 4,
}


def _preview_json(cli: CliRunner, workspace: Workspace, path: Path, *args: str) -> dict[str, Any]:
    result = cli("-w", workspace.path, "srm", "import", path, "--preview", "--json", *args)
    assert result.code == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def _row(data: dict[str, Any], number: int) -> dict[str, Any]:
    return next(r for r in data["rows"] if r["row"] == number)


def test_seed_004_preview_reads_all_30_rows_and_writes_nothing(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    path = seed_matrix(tmp_path)
    before = snapshot(workspace.path)
    data = _preview_json(cli, workspace, path)
    assert snapshot(workspace.path) == before
    rows = data["rows"]
    assert len(rows) == 30 and data["counts"]["rows"] == 30
    assert [r["row"] for r in rows] == list(range(66, 96))
    assert data["columns"] == {
        "category": "Category",
        "area": "Security Area",
        "vendor": "Supermetal Responsibility",
        "customer": "Customer Responsibility",
    }
    assert data["unknown_columns"] == []
    by_category: dict[str, int] = {}
    for row in rows:
        by_category[row["category"]] = by_category.get(row["category"], 0) + 1
    assert by_category == SEED_CATEGORIES
    # the flattened rows lost their category cell: it is carried down from the row above
    data_plane = _row(data, 67)
    assert data_plane["area"] == "Data Plane infrastructure"
    assert data_plane["category"] == "Infrastructure & Compute" and data_plane["category_carried"] is True
    assert data_plane["vendor"]["marked"] is True and data_plane["customer"]["marked"] is False
    assert data_plane["owner"] == "vendor"
    assert _row(data, 66)["category_carried"] is False
    # two-sided rows are shared, each side with its qualifier
    updates = _row(data, 71)
    assert updates["area"] == "Data Plane updates" and updates["owner"] == "shared"
    assert updates["vendor"]["qualifier"] == "provides" and updates["customer"]["qualifier"] == "applies"
    assert updates["vendor_part"] == "Provides the Data Plane updates."
    assert updates["customer_part"] == "Applies the Data Plane updates."
    risk = _row(data, 95)  # the last line ends without its closing pipe
    assert risk["area"] == "Risk assessments" and risk["category"] == "Compliance & Governance"
    assert (risk["vendor"]["qualifier"], risk["customer"]["qualifier"]) == ("platform", "implementation")
    shared = [r["row"] for r in rows if r["owner"] == "shared"]
    assert shared == [71, 73, 74, 78, 79, 82, 84, 85, 87, 89, 91, 92, 94, 95]
    assert all(r["owner"] == "vendor" for r in rows if r["row"] not in shared)
    # every row is placed: an existing control, a new one, or flagged with a reason and a suggestion
    assert sum(data["counts"][k] for k in ("existing", "new", "flagged", "skip")) == 30
    assert updates["action"] == "existing" and updates["control"] == "CHG-03"
    assert all(r["reason"] and r["suggestion"] for r in rows if r["action"] == "flagged")
    assert data["counts"]["flagged"] > 0
    # one mark on a row whose cells were moved along: which side it belongs to was guessed, so an existing
    # control's owner does not change on it without a person (the seed says customers secure their databases)
    for number, control in ((76, "NET-04"), (83, "DAT-04")):
        guessed = _row(data, number)
        assert guessed["action"] == "flagged" and guessed["control"] == control, guessed
        assert "moved along" in guessed["reason"] and guessed["suggestion"] == control


def test_seed_004_preview_table_for_people(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    result = cli("-w", workspace.path, "srm", "import", seed_matrix(tmp_path), "--preview")
    assert result.code == 0, result.err
    assert "Data Plane updates" in result.out and "✓ (provides)" in result.out
    assert "CHG-03" in result.out and "NEW SRM-001" in result.out and "FLAGGED" in result.out
    assert "30 rows:" in result.out and "--accept-flagged" in result.out


def test_seed_004_apply_refuses_flagged_rows_then_writes_everything_once(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    path = seed_matrix(tmp_path)
    preview = _preview_json(cli, workspace, path)
    flagged = [r["row"] for r in preview["rows"] if r["action"] == "flagged"]
    before = snapshot(workspace.path)
    refused = cli("-w", workspace.path, "srm", "import", path)
    assert refused.code == 1 and "flagged rows" in refused.err and str(flagged[0]) in refused.err
    assert snapshot(workspace.path) == before

    result = cli("-w", workspace.path, "srm", "import", path, "--accept-flagged", "--json")
    assert result.code == 0, result.err
    written = result.json()["written"]
    assert written["requirements"] == 30 + len(SEED_CATEGORIES)
    # a flagged row's suggestion is a new control, or (on a guessed owner change) the control it matched
    suggested_new = [r for r in preview["rows"] if r["action"] == "flagged" and r["suggestion"] == "new"]
    new_count = preview["counts"]["new"] + len(suggested_new)
    assert len(written["new_controls"]) == new_count and written["new_controls"][0] == "SRM-001"

    reopened = open_workspace(workspace.path)
    try:
        catalog = reopened.catalog
        framework = catalog.frameworks[written["framework"]]
        areas = [r for r in framework.requirements if r.kind == "area"]
        assert len(areas) == 30
        chg = responsibilities(reopened)["CHG-03"]
        assert chg.owner.value == "shared"
        assert (chg.vendor_part, chg.customer_part) == (
            "Provides the Data Plane updates.",
            "Applies the Data Plane updates.",
        )
        assert "CHG-03" in catalog.controls_for(
            framework.id, next(a.id for a in areas if a.title == "Data Plane updates")
        )
        new = catalog.controls["SRM-002"]
        assert (new.title, new.domain, new.owner.value, new.cadence) == (
            "Data Plane infrastructure",
            "Infrastructure & Compute",
            "vendor",
            "annual",
        )
        assert verify_workspace(reopened).ok
    finally:
        reopened.close()
    assert cli("-w", workspace.path, "verify").code == 0

    # the same file again: refused by its SHA-256, nothing written
    again_before = snapshot(workspace.path)
    again = cli("-w", workspace.path, "srm", "import", path, "--accept-flagged")
    assert again.code == 1 and "already imported" in again.err
    assert snapshot(workspace.path) == again_before


def test_decisions_place_flagged_rows(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = seed_matrix(tmp_path)
    data = _preview_json(cli, workspace, path, "--decide", "78=IAM-07", "--decide", "80=skip", "--decide", "85=new")
    assert (_row(data, 78)["action"], _row(data, 78)["control"]) == ("existing", "IAM-07")
    assert _row(data, 80)["action"] == "skip"
    assert _row(data, 85)["action"] == "new" and _row(data, 85)["control"].startswith("SRM-")
    result = cli(
        "-w", workspace.path, "srm", "import", path, "--decide", "78=IAM-07", "--decide", "80=skip", "--accept-flagged"
    )
    assert result.code == 0, result.err
    assert "1 row skipped" in result.out
    iam = responsibilities(workspace)["IAM-07"]
    assert iam.owner.value == "shared" and iam.vendor_part == "User access management: platform controls."
    assert iam.customer_part == "User access management: user assignment."


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("7=new", "has no data row 7"),
        ("78=NOPE-01", "no control 'NOPE-01'"),
        ("78", "write ROW=new"),
    ],
)
def test_bad_decisions(workspace: Workspace, cli: CliRunner, tmp_path: Path, decision: str, message: str) -> None:
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "srm", "import", seed_matrix(tmp_path), "--decide", decision)
    assert result.code == 1 and message in result.err and result.err.startswith("error: ")
    assert snapshot(workspace.path) == before


def test_csv_with_owner_words_and_an_unknown_column(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "matrix.csv",
        [
            ["Domain", "Control", "Owner", "Reviewer initials", "Notes"],
            ["Storage", "Backups of tenant archives", "CSP-owned", "JD", "Nightly"],
            ["", "Retention of tenant archives", "customer-owned", "JD", ""],
            ["Operations", "Change windows for tenant archives", "Shared", "", ""],
            ["", "Physical security of the archive vault", "Third party", "", ""],
            ["", "Paper records of tenant archives", "N/A", "", ""],
            ["", "Mystery duty of tenant archives", "whoever", "", ""],
        ],
    )
    data = _preview_json(cli, workspace, path)
    assert data["unknown_columns"] == ["Reviewer initials"]
    owners = [r["owner"] for r in data["rows"]]
    assert owners == ["vendor", "customer", "shared", "third_party", "not_applicable", None]
    assert [r["category"] for r in data["rows"]] == [
        "Storage",
        "Storage",
        "Operations",
        "Operations",
        "Operations",
        "Operations",
    ]
    mystery = data["rows"][-1]
    assert mystery["action"] == "flagged" and "whoever" in mystery["reason"] and mystery["suggestion"] == "skip"
    people = cli("-w", workspace.path, "srm", "import", path, "--preview")
    assert "Columns not understood (not imported): 'Reviewer initials'" in people.out

    result = cli("-w", workspace.path, "srm", "import", path, "--accept-flagged", "--json")
    assert result.code == 0, result.err
    written = result.json()["written"]
    assert len(written["new_controls"]) == 5 and written["skipped_rows"] == [7]
    catalog = open_workspace(workspace.path).catalog
    titles = {catalog.controls[c].title: catalog.controls[c] for c in written["new_controls"]}
    backups = titles["Backups of tenant archives"]
    assert backups.owner.value == "vendor" and "Nightly" in backups.description
    assert titles["Physical security of the archive vault"].owner.value == "third_party"


def test_xlsx_with_marks_raci_and_a_cloud_provider_column(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "matrix.xlsx",
        {
            "Cover": [["Responsibility matrix"], ["Prepared for Example Corp"]],
            "Matrix": [
                ["Shared responsibility matrix, v2"],
                [],
                ["Category", "Security area", "Vendor", "Customer", "Cloud provider"],
                ["Hosting", "Racks of the ingestion cluster", "", "", "✔"],
                [None, "Hardening of the ingestion cluster", "R", "I", ""],
                [None, "Quotas of the ingestion cluster", "A", "R", None],
                [None, "Disk wiping of the ingestion cluster", "yes", "no", "X (verified)"],
            ],
        },
    )
    data = _preview_json(cli, workspace, path)
    assert data["table"].endswith("sheet 'Matrix'") and data["header_row"] == 3
    assert [r["row"] for r in data["rows"]] == [4, 5, 6, 7]
    assert [r["owner"] for r in data["rows"]] == ["third_party", "vendor", "shared", "shared_vendor_third_party"]
    assert all(r["category"] == "Hosting" for r in data["rows"])


def test_reimporting_a_revised_matrix_reuses_the_controls_it_made(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    header = ["Category", "Area", "Vendor responsibility", "Customer responsibility"]
    first = write_csv(
        tmp_path / "v1.csv",
        [header, ["Telemetry", "Sampling of pipeline telemetry", "✓", ""], ["", "Quarantine of bad payloads", "✓", ""]],
    )
    assert cli("-w", workspace.path, "srm", "import", first).code == 0
    second = write_csv(
        tmp_path / "v2.csv",
        [
            header,
            ["Telemetry", "Sampling of pipeline telemetry", "✓ (provides)", "✓ (applies)"],
            ["", "Quarantine of bad payloads", "✓", ""],
            ["", "Alerting on ingestion lag", "", "✓"],
        ],
    )
    data = _preview_json(cli, workspace, second)
    assert [(r["action"], r["control"]) for r in data["rows"]] == [
        ("existing", "SRM-001"),
        ("existing", "SRM-002"),
        ("new", "SRM-003"),
    ]
    result = cli("-w", workspace.path, "srm", "import", second, "--json")
    assert result.code == 0, result.err
    written = result.json()["written"]
    assert written["new_controls"] == ["SRM-003"] and written["owner_changes"] == ["SRM-001"]  # SRM-002 unchanged
    assert responsibilities(open_workspace(workspace.path))["SRM-001"].owner.value == "shared"
    assert verify_workspace(open_workspace(workspace.path)).ok


def test_a_failure_inside_the_transaction_leaves_nothing_half_imported(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    preview = preview_matrix(workspace, seed_matrix(tmp_path), accept_flagged=True)
    assert any(p.action == "existing" for p in preview.placements)  # owner changes are written first
    before = snapshot(workspace.path)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(matrix_import, "add_catalog_entries", crash)
    with pytest.raises(RuntimeError):
        apply_matrix(workspace, preview)
    assert snapshot(workspace.path) == before


def test_untrusted_text_is_printed_not_interpreted(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "matrix.md"
    header = "| Category | Area | Vendor | Customer |\n|---|---|---|---|\n"
    path.write_text(header + "| [bold]Ops[/] | Rotation of [red]keys[/] | ✓ | |\n")
    result = cli("-w", workspace.path, "srm", "import", path, "--preview")
    assert result.code == 0, result.err
    assert "[bold]Ops[/]" in result.out and "Rotation of [red]keys[/]" in result.out


@pytest.mark.parametrize(
    ("cell", "present", "qualifier"),
    [
        ("✓", True, ""),
        ("✔ (provides)", True, "provides"),
        ("☑", True, ""),
        ("x", True, ""),
        ("X (applies)", True, "applies"),
        ("Yes", True, ""),
        ("y", True, ""),
        ("TRUE", True, ""),
        ("1", True, ""),
        ("R", True, ""),
        ("A", True, ""),
        ("R/A", True, ""),
        ("✓ agent logs", True, "agent logs"),
        ("", False, ""),
        ("-", False, ""),
        ("No", False, ""),
        ("I", False, ""),
        ("C (informed of changes)", False, "informed of changes"),
        ("perhaps", None, ""),
        ("(applies)", None, ""),
    ],
)
def test_marks(cell: str, present: bool | None, qualifier: str) -> None:
    mark = parse_mark(cell)
    assert (mark.present, mark.qualifier) == (present, qualifier)


@pytest.mark.parametrize(
    ("word", "owner"),
    [
        ("CSP-owned", "vendor"),
        ("Provider", "vendor"),
        ("vendor", "vendor"),
        ("Customer-owned", "customer"),
        ("CSC-owned", "customer"),
        ("Shared", "shared"),
        ("Shared CSP and CSC", "shared"),
        ("Third party", "third_party"),
        ("Inherited", "third_party"),
        ("Third-party outsourced", "third_party"),
        ("Shared CSP and 3rd-party", "shared_vendor_third_party"),
        ("N/A", "not_applicable"),
        ("Vendor / Customer", "shared"),
        ("someone", None),
    ],
)
def test_owner_words(word: str, owner: str | None) -> None:
    found = parse_owner_word(word)
    assert (found.value if found else None) == owner


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Category", "category"),
        ("Security Area", "area"),
        ("Supermetal Responsibility", "vendor"),
        ("Customer Responsibility", "customer"),
        ("Vendor part", "vendor_part"),
        ("Customer's part", "customer_part"),
        ("CSP", "vendor"),
        ("AWS", "third"),
        ("Owner", "owner"),
        ("Responsibility", "owner"),
        ("Control ID", "ref"),
        ("Comments", "notes"),
        ("Reviewer initials", None),
    ],
)
def test_column_kinds(header: str, kind: str | None) -> None:
    assert column_kind(header) == kind


def test_side_parts() -> None:
    assert (
        side_part("Data Plane updates", Mark("✓ (provides)", True, "provides"), "")
        == "Provides the Data Plane updates."
    )
    assert side_part("VPC/VNet configuration", Mark("✓ (requirements)", True, "requirements"), "") == (
        "VPC/VNet configuration: requirements."
    )
    assert side_part("Database security", Mark("", False), "") == "None."
    assert (
        side_part("Database security", Mark("✓", True), "Keeps the database patched") == "Keeps the database patched."
    )


def test_apply_refuses_a_preview_that_is_all_skipped(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["Area", "Owner"], ["Sampling of pipeline telemetry", "vendor"]])
    preview = preview_matrix(workspace, path, decisions={2: "skip"})
    with pytest.raises(InputError, match="every row is skipped"):
        apply_matrix(workspace, preview)


def test_a_matrix_with_control_ids_and_titles_is_not_taken_for_a_ccm(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["Control ID", "Control Title", "Vendor", "Customer"],
            ["T-1", "Sampling of pipeline telemetry", "yes", ""],
            ["T-2", "", "yes", ""],
        ],
    )
    data = _preview_json(cli, workspace, path)
    assert data["kind"] == "matrix" and data["columns"]["ref"] == "Control ID"
    assert data["rows"][1]["reason"] == "the area is empty"
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "srm", "import", path, "--decide", "3=new")
    assert result.code == 1 and "the row has no area" in result.err
    assert snapshot(workspace.path) == before


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("CSP-owned", "vendor"),
        ("CSC-owned", "customer"),
        ("Shared CSP and CSC", "shared"),
        ("Third-party outsourced", "third_party"),
        ("Shared CSP and 3rd-party", "shared_vendor_third_party"),
        ("N/A", "not_applicable"),
        # turned around or hedged: not read, so the row is flagged for a person to decide
        ("not CSP-owned", None),
        ("Not shared", None),
        ("Partially CSP-owned", None),
        ("Vendor (not customer)", None),
        ("Customer is not responsible", None),
        ("Shared CSC and 3rd-party", None),
    ],
)
def test_owner_words_are_read_only_when_they_say_one_thing(text: str, owner: str | None) -> None:
    from workbench.exchange.matrix_layout import parse_owner_word

    found = parse_owner_word(text)
    assert (found.value if found else None) == owner


def test_a_second_matrix_table_in_the_file_is_named_not_dropped_silently(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "two.md"
    source.write_text(
        "# Matrix\n\n| Category | Security area | Vendor | Customer |\n|---|---|---|---|\n| Net | Firewalls | ✓ | |\n\n"
        "And for identity:\n\n| Category | Security area | Vendor | Customer |\n|---|---|---|---|\n"
        "| IAM | SSO | | ✓ |\n",
        encoding="utf-8",
    )
    preview = cli("-w", workspace.path, "srm", "import", source, "--preview", "--json")
    assert preview.code == 0, preview.err
    notes = " ".join(preview.json()["notes"])
    assert "holds 1 more table with a matrix header, which were not read" in notes


def test_the_workbenchs_own_export_edited_and_imported_again_updates_its_controls(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    exported = tmp_path / "srm.xlsx"
    assert cli("-w", workspace.path, "srm", "export", "--format", "xlsx", "--out", exported).code == 0
    book = load_workbook(exported)
    sheet = book["SRM"]
    ids = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    row = ids.index("NET-05") + 2
    sheet.cell(row, 4).value = "customer"  # the owner drop-down, changed by someone at the vendor
    sheet.cell(row, 6).value = "Builds and runs the VPC."
    book.save(exported)

    preview = cli("-w", workspace.path, "srm", "import", exported, "--preview", "--json")
    assert preview.code == 0, preview.err
    data = preview.json()
    assert data["counts"]["new"] == 0 and data["counts"]["flagged"] == 0 and data["unknown_columns"] == []
    assert {r["control"] for r in data["rows"]} == set(ids), "every row on the control its id names"
    applied = cli("-w", workspace.path, "srm", "import", exported, "--json")
    assert applied.code == 0, applied.err
    assert applied.json()["written"]["new_controls"] == []
    after = responsibilities(open_workspace(workspace.path))["NET-05"]
    assert (after.owner.value, after.customer_part) == ("customer", "Builds and runs the VPC.")
