"""The SRM exchange on a large matrix: export in every format, import-vendor, respond, import-response, OSCAL results.

The vendor's catalog gets ``--extra`` controls of its own (default 2,000) on top of the library; the customer
answers ``--answers`` of the rows (default 500) with a small attachment and an attestation each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.reports.conftest import self_signed
from workbench.catalog.schema import ControlSpec
from workbench.exchange.customer import attest, import_vendor, respond
from workbench.exchange.export import export_srm
from workbench.exchange.oscal import assessment_results, oscal_bytes
from workbench.exchange.packet import load_signing_key
from workbench.exchange.response import import_response
from workbench.services.catalog_entries import add_catalog_entries
from workbench.services.evidence import add_manual_evidence
from workbench.workspace import init_workspace


def _timed(label: str, action: object) -> object:
    started = time.perf_counter()
    result = action() if callable(action) else None
    print(f"{label:<44} {time.perf_counter() - started:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extra", type=int, default=2000, help="controls the vendor adds to the library")
    parser.add_argument("--answers", type=int, default=500, help="rows the customer answers")
    parser.add_argument("--keep", type=Path, default=None, help="keep the workspaces and files in this directory")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-srm-"))
    root.mkdir(parents=True, exist_ok=True)
    private, certificate = self_signed("Bench signing")
    key_file, cert_file = root / "key.pem", root / "cert.pem"
    key_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))

    vendor = init_workspace(root / "vendor", organisation="Bench Vendor", system="Platform")
    customer = init_workspace(root / "customer", role="customer", organisation="Bench Customer")
    specs = [
        ControlSpec(
            id=f"BX-{number:04d}",
            title=f"Bench control {number}",
            domain="Bench",
            description="A control added for the benchmark.",
            owner="shared" if number % 2 else "vendor",
            vendor_part="Does the vendor's part.",
            customer_part="Does the customer's part.",
            cadence="annual",
            maps={"soc2": ["CC6.1"]},
        )
        for number in range(1, args.extra + 1)
    ]
    _timed(
        f"vendor adds {args.extra:,} catalog entries",
        lambda: add_catalog_entries(vendor, controls=specs, source="bench"),
    )
    vendor_key = load_signing_key(vendor, key_file=key_file, cert_file=cert_file, p12_file=None)
    for fmt in ("xlsx", "csv", "oscal", "json"):
        out = root / f"srm.{fmt}.{'json' if fmt == 'oscal' else fmt}"
        result = _timed(
            f"srm export --format {fmt}",
            lambda fmt=fmt, out=out: export_srm(vendor, format=fmt, out=out, force=True, signing_key=vendor_key),
        )
        print(f"{'':<44} {result.size:>10,} bytes, {result.rows:,} rows")  # type: ignore[attr-defined]
    packet = root / "srm.json.json"
    _timed("srm import-vendor (customer)", lambda: import_vendor(customer, packet))
    attachment = root / "evidence.txt"
    attachment.write_text("Customer evidence for the benchmark.\n")
    answered = [spec.id for spec in specs if spec.owner.value == "shared"][: args.answers]

    def answer_rows() -> None:
        for control_id in answered:
            add_manual_evidence(customer, control_ids=[control_id], attachments=[attachment], note="bench")
            attest(customer, control_id, text="We do our part.")

    _timed(f"customer adds evidence + attestation x {len(answered):,}", answer_rows)
    customer_key = load_signing_key(customer, key_file=key_file, cert_file=cert_file, p12_file=None)
    response_path = root / "response.json"
    response = _timed("srm respond", lambda: respond(customer, out=response_path, signing_key=customer_key))
    print(f"{'':<44} {response.size:>10,} bytes, {response.answers:,} answers")  # type: ignore[attr-defined]
    imported = _timed("srm import-response (vendor)", lambda: import_response(vendor, response_path))
    print(f"{'':<44} {len(imported.imported):>10,} evidence records")  # type: ignore[attr-defined]
    _timed("srm import-response again (all conflicts)", lambda: import_response(vendor, response_path))
    document = _timed("export oscal-results (vendor)", lambda: assessment_results(vendor))
    print(f"{'':<44} {len(oscal_bytes(document)):>10,} bytes")  # type: ignore[arg-type]
    print(f"files in {root}")


if __name__ == "__main__":
    main()
