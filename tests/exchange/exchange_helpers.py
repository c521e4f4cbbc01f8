"""Two real workspaces, a vendor's and a customer's, each with its own signing identity, driven by the real CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import CliRunner


@dataclass(frozen=True)
class Parties:
    """The vendor's and the customer's workspace directories and their signing certificates."""

    vendor: Path
    customer: Path
    vendor_cert: Path
    customer_cert: Path


def run_ok(cli: CliRunner, *args: str | Path) -> Any:
    """Run a workbench command that must succeed; return its --json output when asked for, else its text."""
    result = cli(*args)
    assert result.code == 0, f"workbench {' '.join(map(str, args))} failed: {result.err}"
    return result.json() if "--json" in args else result.out


def make_parties(cli: CliRunner, root: Path) -> Parties:
    """Create a vendor and a customer workspace with 'workbench init' and 'workbench keys init'."""
    vendor, customer = root / "vendor-ws", root / "customer-ws"
    run_ok(cli, "-w", vendor, "init", "--role", "vendor", "--org", "Acme Data", "--system", "Acme Cloud")
    run_ok(cli, "-w", customer, "init", "--role", "customer", "--org", "Bank Ltd", "--system", "Payments")
    vendor_key = run_ok(cli, "-w", vendor, "keys", "init", "--json")
    customer_key = run_ok(cli, "-w", customer, "keys", "init", "--json")
    return Parties(vendor, customer, Path(vendor_key["certificate"]), Path(customer_key["certificate"]))


def export_packet(cli: CliRunner, parties: Parties, out: Path) -> dict[str, Any]:
    """The vendor exports its signed SRM packet; returns the export's --json summary."""
    summary: dict[str, Any] = run_ok(
        cli, "-w", parties.vendor, "srm", "export", "--format", "json", "--out", out, "--json"
    )
    return summary


def load(path: Path) -> dict[str, Any]:
    """A packet file as JSON."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def save(path: Path, document: dict[str, Any]) -> Path:
    """Write a packet document (e.g. after tampering with it)."""
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path
