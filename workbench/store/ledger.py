"""The append-only hash chain: every write adds one entry in the same transaction as the write itself."""

from __future__ import annotations

from sqlmodel import Session, col, select

from workbench.clock import utc_now
from workbench.store.digests import GENESIS_HASH, entry_hash
from workbench.store.models import LedgerEntry


def append(
    session: Session, *, kind: str, entity_id: str, digest: str, actor: str, previous: LedgerEntry | None = None
) -> LedgerEntry:
    """Append one entry after the current last one (``previous``, when the caller appended it in this transaction).

    Must run inside a write transaction (:meth:`workbench.store.Store.transaction`), which holds the database's
    write lock, so two processes can never both append entry N.
    """
    last = previous or session.exec(select(LedgerEntry).order_by(col(LedgerEntry.seq).desc()).limit(1)).first()
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS_HASH if last is None else last.entry_hash
    # Stored instants have microsecond precision; hash exactly what will be read back.
    recorded_at = utc_now()
    entry = LedgerEntry(
        seq=seq,
        recorded_at=recorded_at,
        actor=actor,
        kind=kind,
        entity_id=entity_id,
        digest=digest,
        prev_hash=prev_hash,
        entry_hash=entry_hash(
            seq=seq,
            recorded_at=recorded_at,
            actor=actor,
            kind=kind,
            entity_id=entity_id,
            digest=digest,
            prev_hash=prev_hash,
        ),
    )
    session.add(entry)
    return entry
