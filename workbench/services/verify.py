"""Verification: recompute the ledger chain, every row's digest and every blob's hash, and name what differs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from workbench.store.database import read_anchor
from workbench.store.digests import (
    ATTESTATION_FIELDS,
    CATALOG_FIELDS,
    EVIDENCE_FIELDS,
    EXCEPTION_FIELDS,
    GENESIS_HASH,
    OWNERSHIP_FIELDS,
    PACKET_FIELDS,
    RUN_FIELDS,
    attestation_digest,
    catalog_digest,
    entry_hash,
    evidence_digest,
    exception_digest,
    ownership_digest,
    packet_digest,
    run_digest,
)
from workbench.workspace import Workspace

#: Stop listing problems after this many; the first one is what matters most.
MAX_PROBLEMS = 50

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Problem:
    """One thing that does not verify."""

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass
class VerifyReport:
    """What ``verify`` checked and what it found."""

    ledger_entries: int = 0
    records: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blob_bytes: int = 0
    #: stored files no record refers to: what an interrupted write leaves (harmless; not a problem)
    unreferenced: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.problems

    def add(self, subject: str, message: str) -> None:
        """Note a problem (up to MAX_PROBLEMS)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(subject, message))
        else:
            self.truncated = True

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "ok": self.ok,
            "ledger_entries": self.ledger_entries,
            "records": dict(self.records),
            "blobs": self.blobs,
            "blob_bytes": self.blob_bytes,
            "unreferenced_files": self.unreferenced,
            "seconds": round(self.seconds, 3),
            "first_problem": str(self.problems[0]) if self.problems else None,
            "problems": [str(p) for p in self.problems],
            "more_problems": self.truncated,
        }


# Column lists are constants of this module, never user input.
_SELECT_EVIDENCE = text(f"SELECT {', '.join(EVIDENCE_FIELDS)} FROM evidence")  # noqa: S608
_SELECT_EXCEPTIONS = text(f"SELECT {', '.join(EXCEPTION_FIELDS)} FROM control_exception")  # noqa: S608
_SELECT_OWNERSHIP = text(f"SELECT {', '.join(OWNERSHIP_FIELDS)} FROM ownership_change")  # noqa: S608
_SELECT_RUNS = text(f"SELECT {', '.join(RUN_FIELDS)} FROM collection_run")  # noqa: S608
_SELECT_PACKETS = text(f"SELECT {', '.join(PACKET_FIELDS)} FROM exchange_packet")  # noqa: S608
_SELECT_ATTESTATIONS = text(f"SELECT {', '.join(ATTESTATION_FIELDS)} FROM attestation")  # noqa: S608
_SELECT_CATALOG = text(f"SELECT {', '.join(CATALOG_FIELDS)} FROM catalog_entry")  # noqa: S608

_TABLE_OF = {
    "evidence": "evidence",
    "exception": "control_exception",
    "ownership": "ownership_change",
    "run": "collection_run",
    "packet": "exchange_packet",
    "attestation": "attestation",
    "catalog": "catalog_entry",
}


def verify_workspace(workspace: Workspace, *, progress: ProgressCallback | None = None) -> VerifyReport:
    """Recompute the ledger, every recorded row and every blob of a workspace.

    Args:
        workspace: the workspace to check.
        progress: called as ``progress(stage, done, total)`` while blobs are hashed.

    Returns:
        The report; ``report.ok`` is True only when the workspace is intact.
    """
    started = time.perf_counter()
    report = VerifyReport()
    store = workspace.store
    with store.session() as session:
        connection = session.connection()
        recorded = _check_chain(connection.execute(text("SELECT * FROM ledger ORDER BY seq")), report)
        _check_anchor(workspace, connection, report)

        links: dict[str, list[str]] = {}
        for evidence_id, control_id in connection.execute(text("SELECT evidence_id, control_id FROM evidence_control")):
            links.setdefault(evidence_id, []).append(control_id)
        blobs_of: dict[str, list[dict[str, Any]]] = {}
        for row in connection.execute(text("SELECT * FROM evidence_blob")).mappings():
            blobs_of.setdefault(row["evidence_id"], []).append(dict(row))

        def evidence_rows() -> Iterable[tuple[str, str]]:
            for row in connection.execute(_SELECT_EVIDENCE).mappings():
                yield row["id"], evidence_digest(row, links.pop(row["id"], []), blobs_of.get(row["id"], []))

        _check_rows("evidence", evidence_rows(), recorded, report)
        for orphan in sorted(links):
            report.add(f"evidence {orphan}", "control links exist for a record that is not in the evidence table")
        _check_rows(
            "exception",
            ((row["id"], exception_digest(row)) for row in connection.execute(_SELECT_EXCEPTIONS).mappings()),
            recorded,
            report,
        )
        _check_rows(
            "ownership",
            ((row["id"], ownership_digest(row)) for row in connection.execute(_SELECT_OWNERSHIP).mappings()),
            recorded,
            report,
        )
        _check_rows(
            "run",
            ((row["id"], run_digest(row)) for row in connection.execute(_SELECT_RUNS).mappings()),
            recorded,
            report,
        )
        _check_rows(
            "catalog",
            ((row["id"], catalog_digest(row)) for row in connection.execute(_SELECT_CATALOG).mappings()),
            recorded,
            report,
        )
        answers: dict[str, list[dict[str, Any]]] = {}
        for row in connection.execute(text("SELECT * FROM exchange_answer")).mappings():
            answers.setdefault(row["response_id"], []).append(dict(row))
        _check_rows(
            "packet",
            (
                (row["id"], packet_digest(row, answers.pop(row["id"], [])))
                for row in connection.execute(_SELECT_PACKETS).mappings()
            ),
            recorded,
            report,
        )
        for orphan in sorted(answers):
            report.add(
                f"packet {orphan}", "imported answers exist for a packet that is not in the exchange_packet table"
            )
        _check_rows(
            "attestation",
            ((row["id"], attestation_digest(row)) for row in connection.execute(_SELECT_ATTESTATIONS).mappings()),
            recorded,
            report,
        )
        wanted: dict[str, tuple[int, str]] = {}
        for evidence_id, items in blobs_of.items():
            for item in items:
                wanted.setdefault(item["sha256"], (item["size"], f"{item['name']} of evidence {evidence_id}"))

    _check_blobs(workspace, wanted, report, progress)
    report.seconds = time.perf_counter() - started
    return report


def _check_chain(rows: Iterable[Any], report: VerifyReport) -> dict[tuple[str, str], tuple[int, str]]:
    """Walk the chain; return (kind, entity id) -> (seq, digest) for every entry."""
    recorded: dict[tuple[str, str], tuple[int, str]] = {}
    expected_seq = 1
    prev = GENESIS_HASH
    for row in rows:
        report.ledger_entries += 1
        if row.seq != expected_seq:
            report.add(
                f"ledger entry {row.seq}",
                f"expected entry {expected_seq} here: entries {expected_seq}..{row.seq - 1} are missing",
            )
        elif row.prev_hash != prev:
            report.add(f"ledger entry {row.seq}", "does not link to the entry before it (the chain was altered)")
        recomputed = entry_hash(
            seq=row.seq,
            recorded_at=row.recorded_at,
            actor=row.actor,
            kind=row.kind,
            entity_id=row.entity_id,
            digest=row.digest,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.entry_hash:
            report.add(f"ledger entry {row.seq}", "its contents no longer match its hash (the entry was changed)")
        recorded[(row.kind, row.entity_id)] = (row.seq, row.digest)
        expected_seq = row.seq + 1
        prev = row.entry_hash
    return recorded


def _check_anchor(workspace: Workspace, connection: Any, report: VerifyReport) -> None:
    anchor_path = workspace.store.anchor
    anchor = read_anchor(anchor_path) if anchor_path is not None else None
    if anchor_path is None:
        return
    if anchor is None:
        # Every workspace gets its anchor when it is created, so a missing one was removed.
        problem = (
            "cannot be read" if anchor_path.exists() else "is missing (it is written when the workspace is created)"
        )
        report.add("ledger head", f"{anchor_path.name} {problem}")
        return
    seq, expected_hash = anchor
    if seq == 0:
        return  # the genesis anchor: nothing recorded yet when it was written
    if report.ledger_entries < seq:
        report.add(
            "ledger",
            f"truncated: {anchor_path.name} records entry {seq}, but the ledger holds {report.ledger_entries} entries",
        )
        return
    found = connection.execute(text("SELECT entry_hash FROM ledger WHERE seq = :seq"), {"seq": seq}).scalar()
    if found != expected_hash:
        report.add(f"ledger entry {seq}", "differs from the head recorded in the anchor file")


def _check_rows(
    kind: str,
    rows: Iterable[tuple[str, str]],
    recorded: dict[tuple[str, str], tuple[int, str]],
    report: VerifyReport,
) -> None:
    seen: set[str] = set()
    for entity_id, digest in rows:
        seen.add(entity_id)
        entry = recorded.get((kind, entity_id))
        if entry is None:
            report.add(f"{kind} {entity_id}", "is not in the ledger (written outside the workbench)")
        elif entry[1] != digest:
            report.add(f"{kind} {entity_id}", f"differs from what ledger entry {entry[0]} recorded (changed after)")
    report.records[kind] = len(seen)
    for (entry_kind, entity_id), (seq, _digest) in recorded.items():
        if entry_kind == kind and entity_id not in seen:
            report.add(
                f"{kind} {entity_id}", f"recorded in ledger entry {seq} but missing from the {_TABLE_OF[kind]} table"
            )


def _check_blobs(
    workspace: Workspace,
    wanted: dict[str, tuple[int, str]],
    report: VerifyReport,
    progress: ProgressCallback | None,
) -> None:
    blobs = workspace.store.blobs
    total = len(wanted)
    for done, (sha256, (size, what)) in enumerate(sorted(wanted.items()), start=1):
        try:
            actual = blobs.rehash(sha256)
        except FileNotFoundError:
            report.add(f"blob {sha256[:12]}", f"is missing ({what})")
            continue
        except OSError as exc:
            report.add(f"blob {sha256[:12]}", f"cannot be read: {exc.strerror} ({what})")
            continue
        report.blobs += 1
        report.blob_bytes += actual.size
        if actual.sha256 != sha256:
            report.add(f"blob {sha256[:12]}", f"content changed: it now hashes to {actual.sha256[:12]} ({what})")
        elif actual.size != size:
            report.add(f"blob {sha256[:12]}", f"size is {actual.size}, recorded {size} ({what})")
        if progress is not None:
            progress("blobs", done, total)
    report.unreferenced = sum(sha256 not in wanted for sha256 in blobs.iter_stored())
