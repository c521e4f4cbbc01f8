"""The evidence store: SQLModel tables, content-addressed blobs and the hash-chained ledger.

Everything SQLite-specific stays in :mod:`workbench.store.database`; everything about files in
:mod:`workbench.store.blobs`. The layers above use :class:`Store` and plain SQL expressions only, so the same code runs
on PostgreSQL with blobs in an S3 bucket.
"""

from workbench.store.blobs import BlobStore, LocalBlobStore, StoredBlob
from workbench.store.database import SCHEMA_HEAD, Store, open_store

__all__ = ["SCHEMA_HEAD", "BlobStore", "LocalBlobStore", "Store", "StoredBlob", "open_store"]
