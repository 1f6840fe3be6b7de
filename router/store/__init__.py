"""Storage: one SQLAlchemy Core schema on SQLite (embedded) or PostgreSQL.

Open with :func:`open_engine`, then call :func:`upgrade` at every start.
Tables live in :mod:`router.store.schema`.
"""

from router.store.engine import begin_write, open_engine
from router.store.errors import StoreError
from router.store.migrate import current_revision, head_revision, upgrade
from router.store.schema import (
    cases,
    contacts,
    decisions,
    imap_state,
    metadata,
    orders,
    outgoing,
    performance,
    received,
    statements,
)
from router.store.types import UTCDateTime, utcnow

__all__ = [
    "StoreError",
    "UTCDateTime",
    "begin_write",
    "cases",
    "contacts",
    "current_revision",
    "decisions",
    "head_revision",
    "imap_state",
    "metadata",
    "open_engine",
    "orders",
    "outgoing",
    "performance",
    "received",
    "statements",
    "upgrade",
    "utcnow",
]
