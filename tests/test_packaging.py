"""The built wheel carries controls/, templates/ and assets/, and works from a fresh virtual environment."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_into_a_fresh_venv_and_loads_the_catalogs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "workbench/_data/controls/frameworks/soc2.yaml" in names
    assert any(n.startswith("workbench/_data/controls/library/") for n in names)
    assert any(n.startswith("workbench/_data/templates/") for n in names)
    assert any(n.startswith("workbench/_data/assets/") for n in names)
    assert any(n.startswith("workbench/store/migrations/versions/0001") for n in names)
    assert not any(n.startswith(("tests/", "controls/")) for n in names)

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies come from the test environment; the workbench itself only from the wheel.
    fresh_site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (fresh_site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    probe = (
        "import json, workbench, workbench.resources as r; from workbench.catalog import load_catalog; "
        "from workbench.catalog.coverage import coverage; c = load_catalog(); "
        "print(json.dumps({'module': workbench.__file__, 'controls': str(r.controls_dir()), "
        "'frameworks': sorted(c.frameworks), 'n': len(c.controls), "
        "'unmapped': sum(len(x.unmapped) for x in coverage(c))}))"
    )
    result = subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    data = json.loads(result.stdout)
    assert data["module"].startswith(str(target))
    assert data["controls"].startswith(str(target)) and data["controls"].endswith("workbench/_data/controls")
    assert data["frameworks"] == ["gdpr", "hipaa", "soc2", "srm"]
    assert data["n"] >= 60 and data["unmapped"] == 0

    script = target / "bin" / "workbench"
    coverage = subprocess.run(
        [script, "catalog", "coverage", "--json"], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert {row["framework"] for row in json.loads(coverage.stdout)} == {"soc2", "hipaa", "gdpr", "srm"}
    init = subprocess.run([script, "-w", tmp_path / "ws", "init"], capture_output=True, text=True, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    status = subprocess.run([script, "-w", tmp_path / "ws", "status", "--json"], capture_output=True, text=True)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["controls"]["total"] == data["n"]
