"""Signing keys against a real Secret Service: GNOME Keyring in a private D-Bus session, driven through the CLI.

The other report tests use an in-memory keyring; this one proves what the in-memory one cannot: the passphrase lands
in the OS keyring, the key on disk is encrypted, and no file of the workspace or the report holds the passphrase.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = r"""
set -eu
# a keyring daemon of this D-Bus session only, unlocked with a throw-away login password
printf 'session-login' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
workbench() { "$PYTHON" -c 'from workbench.cli.main import main; main()' "$@"; }
workbench -w "$WS" init --org "Keyring Test Org" >/dev/null
workbench -w "$WS" keys init --name "Keyring Test Signing"
workbench -w "$WS" report render --kind srm --as-of 2026-06-30 --out "$OUT"
workbench verify "$OUT" --trust "$WS/keys/signing-cert.pem"
echo "passphrase=$(secret-tool lookup service compliance-evidence-workbench username "$(secret-tool search --all \
    service compliance-evidence-workbench 2>&1 | sed -n 's/^attribute.username = //p' | head -1)")"
"""


def test_the_passphrase_lives_in_the_secret_service_and_nowhere_on_disk(tmp_path: Path) -> None:
    tools = ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    assert not missing, f"install gnome-keyring, libsecret-tools and dbus (scripts/setup.sh dev does): {missing}"
    workspace, out = tmp_path / "ws", tmp_path / "srm.pdf"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "PYTHON": sys.executable,
        "WS": str(workspace),
        "OUT": str(out),
    }
    (tmp_path / "run").mkdir(mode=0o700)
    done = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "its passphrase is in the OS keyring only" in done.stdout
    assert "signed by O=Keyring Test Org,CN=Keyring Test Signing" in done.stdout
    assert f"OK: {out}: the signature is intact and covers the whole file" in done.stdout
    passphrase = done.stdout.rsplit("passphrase=", 1)[1].strip()
    assert len(passphrase) >= 20, "the keyring holds the generated passphrase"

    key = (workspace / "keys" / "signing-key.pem").read_bytes()
    assert key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    secret = passphrase.encode()
    holders = [path for path in [*workspace.rglob("*"), out] if path.is_file() and secret in path.read_bytes()]
    assert holders == [], f"the passphrase was written to {holders}"
