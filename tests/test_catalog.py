"""The shipped catalogs and control library, and how malformed catalog files are reported."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from workbench.catalog import CADENCE_DAYS, OWNERS, load_catalog
from workbench.catalog.coverage import coverage
from workbench.errors import CatalogError
from workbench.resources import controls_dir

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
GDPR_ARTICLES = [
    "Art.5",
    "Art.24",
    "Art.25",
    "Art.28",
    "Art.30",
    "Art.32",
    "Art.33",
    "Art.34",
    "Art.35",
    "Art.36",
    "Art.44",
    "Art.45",
    "Art.46",
]


def test_soc2_has_all_61_criteria_with_own_titles_and_no_aicpa_text() -> None:
    soc2 = load_catalog().frameworks["soc2"]
    ids = [r.id for r in soc2.requirements]
    expected = (
        [f"CC1.{i}" for i in range(1, 6)]
        + [f"CC2.{i}" for i in range(1, 4)]
        + [f"CC3.{i}" for i in range(1, 5)]
        + ["CC4.1", "CC4.2"]
        + [f"CC5.{i}" for i in range(1, 4)]
        + [f"CC6.{i}" for i in range(1, 9)]
        + [f"CC7.{i}" for i in range(1, 6)]
        + ["CC8.1", "CC9.1", "CC9.2", "A1.1", "A1.2", "A1.3", "C1.1", "C1.2"]
        + [f"PI1.{i}" for i in range(1, 6)]
        + ["P1.1", "P2.1", "P3.1", "P3.2", "P4.1", "P4.2", "P4.3", "P5.1", "P5.2"]
        + [f"P6.{i}" for i in range(1, 8)]
        + ["P7.1", "P8.1"]
    )
    assert ids == expected
    assert len(ids) == 61
    for requirement in soc2.requirements:
        assert requirement.title
        assert requirement.text == ""  # the criterion wording is AICPA's: never shipped
        assert requirement.attributes["series"] and requirement.attributes["category"]
    # The known opening of the AICPA wording of CC1.1 must not appear anywhere in what we ship.
    shipped = "\n".join(p.read_text() for p in controls_dir().rglob("*.yaml"))
    assert "demonstrates a commitment to integrity and ethical values" not in shipped


def test_hipaa_has_every_specification_with_text_and_flag() -> None:
    hipaa = load_catalog().frameworks["hipaa"]
    with (REFERENCE / "hipaa_security_rule_specs.csv").open() as handle:
        rows = list(csv.reader(handle))[1:]
    assert [r.id for r in hipaa.requirements] == [row[0] for row in rows]
    flags = {"S": "standard", "R": "required", "A": "addressable"}
    for requirement, row in zip(hipaa.requirements, rows, strict=True):
        assert requirement.attributes["flag"] == flags[row[4]], requirement.id
        assert len(requirement.text) > 20 and requirement.text.endswith("."), requirement.id
        assert requirement.attributes["safeguard"] == row[1]
    assert hipaa.requirement("164.312(a)(2)(iv)").attributes["flag"] == "addressable"
    assert hipaa.requirement("164.312(a)(2)(iv)").parent == "164.312(a)(1)"


def test_gdpr_articles_at_paragraph_level_with_acknowledgement() -> None:
    gdpr = load_catalog().frameworks["gdpr"]
    articles = [r for r in gdpr.requirements if r.parent is None]
    assert [a.id for a in articles] == GDPR_ARTICLES
    assert "© European Union" in gdpr.notice and "eur-lex.europa.eu" in gdpr.notice
    for article in articles:
        paragraphs = gdpr.children(article.id)
        assert paragraphs, article.id
        for paragraph in paragraphs:
            assert re.fullmatch(rf"{re.escape(article.id)}\(\d+\)", paragraph.id)
            assert len(paragraph.text) > 40, paragraph.id
    assert len(gdpr.children("Art.28")) == 10
    assert "72 hours" in gdpr.requirement("Art.33(1)").text


def test_srm_template_follows_the_seed_matrix_categories() -> None:
    srm = load_catalog().frameworks["srm"]
    categories = [r.title for r in srm.requirements if r.parent is None]
    assert categories == [
        "Infrastructure and compute",
        "Software and updates",
        "Network security",
        "Identity and access management",
        "Data security",
        "Monitoring and incident response",
        "Compliance and governance",
    ]
    areas = [r for r in srm.requirements if r.parent is not None]
    assert len(areas) >= 30
    for area in areas:
        assert area.attributes["default_owner"] in OWNERS
        assert area.attributes["vendor_part"] and area.attributes["customer_part"]


def test_control_library_is_complete() -> None:
    catalog = load_catalog()
    assert len(catalog.controls) >= 60
    for control in catalog.controls.values():
        assert control.title and control.description and control.domain
        assert control.owner.value in OWNERS
        assert control.vendor_part and control.customer_part
        assert control.cadence in CADENCE_DAYS
        assert control.maps, control.id
    owners = {c.owner.value for c in catalog.controls.values()}
    assert {"vendor", "customer", "shared", "third_party"} <= owners


def test_every_requirement_is_met_by_a_control() -> None:
    results = {r.framework_id: r for r in coverage(load_catalog())}
    assert set(results) == {"soc2", "hipaa", "gdpr", "srm"}
    for result in results.values():
        assert result.unmapped == (), (result.framework_id, [r.id for r in result.unmapped])
    assert results["soc2"].units == 61
    assert results["hipaa"].units == 65
    assert results["gdpr"].units == 13


def test_catalog_coverage_command_reports_zero_unmapped(cli: CliRunner) -> None:
    result = cli("catalog", "coverage", "--json")
    assert result.code == 0
    data = {row["framework"]: row for row in result.json()}
    assert data["soc2"]["mapped"] == 61 and data["soc2"]["unmapped"] == []
    assert data["hipaa"]["mapped"] == 65 and data["gdpr"]["mapped"] == 13
    human = cli("catalog", "coverage")
    assert "SOC 2 Trust Services Criteria (soc2): 61/61 mapped, complete" in human.out


def test_coverage_names_unmapped_requirements(tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_catalog(tmp_path)
    library = root / "library"
    for path in library.glob("*.yaml"):
        path.unlink()
    (library / "one.yaml").write_text(
        "controls:\n"
        "  - id: ENC-99\n    title: Only one\n    domain: Test\n    description: One control.\n    owner: vendor\n"
        "    vendor_part: All.\n    customer_part: None.\n    cadence: annual\n    maps:\n      soc2: [CC6.1]\n"
    )
    monkeypatch.setenv("WORKBENCH_CONTROLS", str(root))
    result = cli("catalog", "coverage", "--json")
    soc2 = next(r for r in result.json() if r["framework"] == "soc2")
    assert soc2["mapped"] == 1
    assert {"id": "CC1.1", "title": soc2["unmapped"][0]["title"]} == soc2["unmapped"][0]
    assert len(soc2["unmapped"]) == 60
    assert "unmapped: CC9.2" in cli("catalog", "coverage").out


def _copy_catalog(tmp_path: Path) -> Path:
    root = tmp_path / "controls"
    shutil.copytree(controls_dir(), root)
    return root


def _break(tmp_path: Path, relative: str, old: str, new: str) -> tuple[Path, Path]:
    root = _copy_catalog(tmp_path)
    target = root / relative
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    return root, target


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def _first_control_file(tmp_path: Path) -> tuple[Path, str]:
    library = sorted((controls_dir() / "library").glob("*.yaml"))[0]
    return library, library.name


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root, target = _break(tmp_path, "frameworks/srm.yaml", '  - id: "SRM.NET"', '  - id: "SRM.NET\n    : [')
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert re.match(rf"{re.escape(str(target))}:\d+: invalid YAML", caught.value.message)


def test_invalid_owner_names_the_line(tmp_path: Path) -> None:
    _source, name = _first_control_file(tmp_path)
    root = _copy_catalog(tmp_path)
    target = root / "library" / name
    text = target.read_text()
    owner_line = next(line for line in text.splitlines() if line.strip().startswith("owner:"))
    target.write_text(text.replace(owner_line, owner_line.split(":")[0] + ": everyone", 1))
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    line = _line_of(target, "owner: everyone")
    assert caught.value.message.startswith(f"{target}:{line}: controls.0.owner: Input should be 'vendor'")


def test_unknown_requirement_in_a_mapping_names_the_line(tmp_path: Path) -> None:
    _source, name = _first_control_file(tmp_path)
    root = _copy_catalog(tmp_path)
    target = root / "library" / name
    text = target.read_text()
    match = re.search(r"soc2: \[([A-Z0-9.]+)", text)
    assert match
    target.write_text(text.replace(match.group(0), "soc2: [CC99.9", 1))
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert caught.value.message == f"{target}:{_line_of(target, 'CC99.9')}: soc2 has no requirement 'CC99.9'"


def test_duplicate_key_and_duplicate_id_and_missing_field(tmp_path: Path) -> None:
    root, target = _break(tmp_path, "frameworks/soc2.yaml", "  coverage: all\n", "  coverage: all\n  coverage: top\n")
    with pytest.raises(CatalogError, match=rf"{re.escape(str(target))}:\d+: duplicate key 'coverage'"):
        load_catalog(root)
    root2, target2 = _break(tmp_path / "b", "frameworks/soc2.yaml", 'id: "CC1.2"', 'id: "CC1.1"')
    with pytest.raises(CatalogError, match=r"requirement id 'CC1.1' is already used on line \d+"):
        load_catalog(root2)
    root3, target3 = _break(tmp_path / "c", "frameworks/soc2.yaml", '    title: "Commitment', '    titel: "Commitment')
    with pytest.raises(CatalogError) as caught:
        load_catalog(root3)
    assert caught.value.message.startswith(f"{target3}:")
    assert "requirements.0" in caught.value.message


def test_malformed_catalog_via_cli_is_one_line_without_traceback(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, target = _break(tmp_path, "frameworks/gdpr.yaml", "  coverage: top", "  coverage: [")
    monkeypatch.setenv("WORKBENCH_CONTROLS", str(root))
    result = cli("catalog", "list")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {target}:")
    assert "Traceback" not in result.err


def test_catalog_list_and_show(cli: CliRunner) -> None:
    listed = cli("catalog", "list", "--json").json()
    assert {row["id"] for row in listed} == {"soc2", "hipaa", "gdpr", "srm"}
    shown = cli("catalog", "show", "hipaa", "164.312(a)(2)(iv)", "--json").json()
    assert shown["attributes"]["flag"] == "addressable"
    assert shown["controls"], "encryption and decryption must be met by a control"
    human = cli("catalog", "show", "gdpr", "Art.33(1)")
    assert "72 hours" in human.out and "© European Union" in human.out
    whole = cli("catalog", "show", "soc2", "--json").json()
    assert len(whole["requirements"]) == 61
    missing = cli("catalog", "show", "iso27001")
    assert missing.code == 1 and "unknown framework 'iso27001'" in missing.err
    missing_req = cli("catalog", "show", "soc2", "CC42.1")
    assert missing_req.code == 1 and "soc2 has no requirement 'CC42.1'" in missing_req.err


def test_a_control_library_directory_that_does_not_exist_is_named(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_CONTROLS", str(tmp_path / "nope"))
    result = cli("catalog", "list")
    assert result.code == 1
    assert result.err.startswith(f"error: {tmp_path / 'nope'}: no such control library directory")
