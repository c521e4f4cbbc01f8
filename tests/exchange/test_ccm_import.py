"""The user's own CCM / CAIQ v4 spreadsheet as a framework with its ownership (synthetic, made-up text only)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliRunner, snapshot
from tests.exchange.workbooks import write_xlsx
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace, open_workspace

CAIQ_HEADER = [
    "Question ID",
    "Question",
    "CSP CAIQ Answer",
    "SSRM Control Ownership",
    "CSP Implementation Description (Optional/Recommended)",
    "CSC Responsibilities (Optional/Recommended)",
    "CCM Control ID",
    "CCM Control Specification",
    "CCM Control Title",
    "CCM Domain Title",
    "Internal tracking code",
]


def _caiq_rows() -> list[list[str]]:
    """Made-up questions in the CAIQ v4 shape: two domains, three controls, five ownership values."""
    return [
        ["Synthetic CAIQ for tests", "", "", "", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", "", "", ""],
        CAIQ_HEADER,
        [
            "ZZA&Q-01.1",
            "Is the widget ledger reconciled?",
            "Yes",
            "CSP-owned",
            "Nightly reconciliation.",
            "",
            "ZZA&Q-01",
            "Widgets are reconciled against the ledger.",
            "Widget reconciliation",
            "Widget Assurance & Quality",
            "T-1",
        ],
        [
            "ZZA&Q-01.2",
            "Are reconciliation gaps escalated?",
            "Yes",
            "CSP-owned",
            "",
            "",
            "ZZA&Q-01",
            "Widgets are reconciled against the ledger.",
            "Widget reconciliation",
            "Widget Assurance & Quality",
            "T-2",
        ],
        [
            "ZZA&Q-02.1",
            "Are gadget keys held by the tenant?",
            "NA",
            "CSC-owned",
            "",
            "Tenant keeps gadget keys.",
            "ZZA&Q-02",
            "Gadget keys are held by whoever runs the gadget.",
            "Gadget custody",
            "Widget Assurance & Quality",
            "",
        ],
        [
            "ZZB-01.1",
            "Is sprocket tuning agreed?",
            "Yes",
            "Shared CSP and CSC",
            "",
            "",
            "ZZB-01",
            "Sprocket tuning is agreed by both parties.",
            "Sprocket tuning",
            "Bolt Basics",
            "",
        ],
        [
            "ZZB-01.2",
            "Are sprocket racks outsourced?",
            "Yes",
            "Third-party outsourced",
            "",
            "",
            "ZZB-01",
            "Sprocket tuning is agreed by both parties.",
            "Sprocket tuning",
            "Bolt Basics",
            "",
        ],
        [
            "ZZB-01.3",
            "Is sprocket disposal shared with a sub-processor?",
            "Yes",
            "Shared CSP and 3rd-party",
            "",
            "",
            "ZZB-01",
            "Sprocket tuning is agreed by both parties.",
            "Sprocket tuning",
            "Bolt Basics",
            "",
        ],
    ]


def test_caiq_becomes_a_framework_with_its_ownership(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "my-caiq.xlsx", {"CAIQv4": _caiq_rows()})
    before = snapshot(workspace.path)
    preview = cli("-w", workspace.path, "srm", "import", path, "--preview", "--json")
    assert preview.code == 0, preview.err
    data = preview.json()
    assert snapshot(workspace.path) == before
    assert data["kind"] == "ccm" and data["framework"] == "ccm"
    assert data["counts"] == {"domain": 2, "control": 3, "question": 6, "flagged": 0}
    assert data["owners"] == {
        "vendor": 2,
        "customer": 1,
        "shared": 1,
        "third_party": 1,
        "shared_vendor_third_party": 1,
    }
    assert data["unknown_columns"] == ["Internal tracking code"]

    result = cli("-w", workspace.path, "srm", "import", path)
    assert result.code == 0, result.err
    assert "Imported my-caiq.xlsx as framework ccm." in result.out
    reopened = open_workspace(workspace.path)
    try:
        framework = reopened.catalog.frameworks["ccm"]
        by_id = {r.id: r for r in framework.requirements}
        domain = by_id["ZZA&Q"]  # the spreadsheet's own ids, ampersand and all
        assert (domain.kind, domain.title) == ("domain", "Widget Assurance & Quality")
        control = by_id["ZZA&Q-01"]
        assert (control.kind, control.parent, control.title) == ("control", "ZZA&Q", "Widget reconciliation")
        assert control.text == "Widgets are reconciled against the ledger."
        assert control.attributes["ccm_id"] == "ZZA&Q-01" and control.attributes["default_owner"] == "vendor"
        question = by_id["ZZA&Q-02.1"]
        assert (question.kind, question.parent) == ("question", "ZZA&Q-02")
        assert question.attributes["default_owner"] == "customer"
        assert question.attributes["customer_part"] == "Tenant keeps gadget keys."
        assert question.attributes["caiq_answer"] == "NA"
        owners = {by_id[f"ZZB-01.{n}"].attributes["default_owner"] for n in (1, 2, 3)}
        assert owners == {"shared", "third_party", "shared_vendor_third_party"}
        assert "default_owner" not in by_id["ZZB-01"].attributes  # its questions disagree beyond vendor/customer
        assert "not distributed with the workbench" in framework.notice
        assert verify_workspace(reopened).ok
    finally:
        reopened.close()

    again_before = snapshot(workspace.path)
    again = cli("-w", workspace.path, "srm", "import", path)
    assert again.code == 1 and "already imported" in again.err
    assert snapshot(workspace.path) == again_before


def test_ccm_and_caiq_sheets_together_and_a_chosen_framework_id(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    ccm = [
        ["Control Domain", "Control Title", "Control ID", "Control Specification"],
        ["Bolt Basics", "Sprocket tuning", "ZZB-01", "Sprocket tuning is agreed by both parties."],
        ["Bolt Basics", "Nut inventory", "ZZB-02", "Nuts are counted each quarter."],
    ]
    caiq = [
        ["Question ID", "Question", "CSP CAIQ Answer", "SSRM Control Ownership"],
        ["ZZB-02.1", "Are nuts counted?", "Yes", "CSP-owned"],
    ]
    path = write_xlsx(tmp_path / "ccm.xlsx", {"CCM": ccm, "CAIQ": caiq})
    result = cli("-w", workspace.path, "srm", "import", path, "--framework-id", "ccm_v4", "--json")
    assert result.code == 0, result.err
    assert result.json()["written"] == {
        "framework": "ccm_v4",
        "requirements": {"domain": 1, "control": 2, "question": 1, "flagged": 0},
    }
    framework = open_workspace(workspace.path).catalog.frameworks["ccm_v4"]
    nuts = framework.requirement("ZZB-02")
    assert nuts is not None and nuts.attributes["default_owner"] == "vendor"
    assert nuts.text == "Nuts are counted each quarter."


def test_an_unreadable_ownership_is_flagged_until_accepted(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    rows = _caiq_rows()
    rows[4][3] = "Somebody else"
    path = write_xlsx(tmp_path / "caiq.xlsx", {"CAIQ": rows})
    before = snapshot(workspace.path)
    preview = cli("-w", workspace.path, "srm", "import", path, "--preview")
    assert preview.code == 0 and "FLAGGED row 5: cannot read the ownership 'Somebody else'" in preview.out
    refused = cli("-w", workspace.path, "srm", "import", path)
    assert refused.code == 1 and "1 flagged rows (5)" in refused.err
    assert snapshot(workspace.path) == before
    accepted = cli("-w", workspace.path, "srm", "import", path, "--accept-flagged")
    assert accepted.code == 0, accepted.err
    question = open_workspace(workspace.path).catalog.frameworks["ccm"].requirement("ZZA&Q-01.2")
    assert question is not None and question.attributes["ownership"] == "Somebody else"
    assert "default_owner" not in question.attributes


def test_kind_ccm_on_a_matrix_is_a_clear_error(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "matrix.md"
    path.write_text("| Category | Area | Vendor | Customer |\n|---|---|---|---|\n| Ops | Rotation | ✓ | |\n")
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "srm", "import", path, "--kind", "ccm")
    assert result.code == 1 and "no CCM/CAIQ header" in result.err
    taken = cli("-w", workspace.path, "srm", "import", path, "--framework-id", "x")
    assert taken.code == 1 and "--framework-id is for CCM/CAIQ imports" in taken.err
    assert snapshot(workspace.path) == before


def test_a_framework_id_already_in_use_is_refused(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "caiq.xlsx", {"CAIQ": _caiq_rows()})
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "srm", "import", path, "--framework-id", "soc2")
    assert result.code == 1 and "a framework 'soc2' already exists" in result.err
    assert snapshot(workspace.path) == before


def test_the_same_spreadsheet_under_another_framework_id_is_refused(
    workspace: Workspace, cli: CliRunner, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "my-caiq.xlsx", {"CAIQv4": _caiq_rows()})
    assert cli("-w", workspace.path, "srm", "import", path).code == 0
    before = snapshot(workspace.path)
    again = cli("-w", workspace.path, "srm", "import", path, "--framework-id", "ccm_copy")
    assert again.code == 1 and "already imported (framework ccm)" in again.err
    assert snapshot(workspace.path) == before
