"""Importing an order report into the ``orders`` table.

Semantics: the lines of one order inside a report are a snapshot of that
order.  Importing replaces the seller's stored lines of that order with the
report's lines (``line_no`` = the item's 0-based position within the order),
so Pending→Shipped and quantity changes update, items no longer listed
disappear, and orders the report does not mention are left alone.  Orders
whose stored lines already equal the report's are not written at all, which
makes importing the same file again a no-op (they keep their earlier
``source_file`` and ``imported_at``).

Speed: one file is processed in batches of whole orders; per batch one query
fetches the stored lines of all its orders, one DELETE removes the changed
ones and one executemany INSERT writes new and changed lines, in a single
transaction.  A crash loses at most the batch in hand; importing the file
again completes the work.

Amazon lists an order's items on adjacent lines.  Should an order's items be
scattered over the file, all are still stored, in file order, but the order
may count as updated where nothing changed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import Connection, Engine

from router.orders.order_rows import OrderRows
from router.orders.report import LineError, OrderLine, parse_report
from router.store import StoreError, begin_write, utcnow
from router.store.engine import describe

#: Orders per transaction: big enough to amortise commits, small enough for
#: the IN list (SQLite allows 32766 parameters, PostgreSQL 65535).
BATCH_ORDERS = 5000


@dataclass
class ImportSummary:
    """What one import did, for the closing line the CLI prints."""

    lines_read: int = 0
    bad_lines: int = 0
    orders_new: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.lines_read} lines read, {self.bad_lines} bad; orders: "
            f"{self.orders_new} new, {self.orders_updated} updated, "
            f"{self.orders_unchanged} unchanged"
        )


def import_report(
    engine: Engine,
    seller_id: str,
    path: Path,
    on_error: Callable[[str], None],
    progress: bool = False,
) -> ImportSummary:
    """Import one report file for ``seller_id``; bad lines go to ``on_error``.

    ``on_error`` receives ``"FILE:LINE: reason"`` for each skipped line.
    Raises ReportFormatError (not a report: nothing imported), OSError (file
    unreadable) and StoreError (database failed; batches already committed
    stay, importing again completes the file).
    """
    if not seller_id:
        raise ValueError("seller_id must not be empty")
    batcher = _Batcher(engine, seller_id, str(path), utcnow())
    with _reading(path, progress) as lines:
        try:
            for item in parse_report(lines):
                batcher.summary.lines_read += 1
                if isinstance(item, LineError):
                    batcher.summary.bad_lines += 1
                    on_error(f"{path}:{item.line_no}: {item.reason}")
                else:
                    batcher.add(item)
            batcher.flush()
        except sa.exc.DBAPIError as e:
            raise StoreError(f"importing {path} failed: {describe(e)}") from None
    return batcher.summary


class _Batcher:
    """Collects whole orders and writes them a batch at a time."""

    def __init__(self, engine: Engine, seller_id: str, source: str, now: datetime) -> None:
        self.engine = engine
        self.rows = OrderRows(engine.dialect, seller_id)
        self.row_tail = (source, self.rows.date_value(now))
        self.summary = ImportSummary()
        self.pending: dict[str, list[OrderLine]] = {}
        # Lines already written by this import, per order: only consulted
        # when an order's items are scattered over several batches.
        self.written: dict[str, int] = {}

    def add(self, line: OrderLine) -> None:
        lines = self.pending.get(line.amazon_order_id)
        if lines is not None:
            lines.append(line)
            return
        # A new order starts: the batch is flushed only between orders, so
        # an order's adjacent lines always land in the same batch.
        if len(self.pending) >= BATCH_ORDERS:
            self.flush()
        self.pending[line.amazon_order_id] = [line]

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, {}
        # Read-then-write: take the write lock first (see begin_write).
        with begin_write(self.engine) as conn:
            self._write(conn, batch)

    def _write(self, conn: Connection, batch: dict[str, list[OrderLine]]) -> None:
        stored = self.rows.stored(conn, [oid for oid in batch if oid not in self.written])
        replaced: list[str] = []
        inserts: list[tuple[Any, ...]] = []
        head = (self.rows.seller_id,)
        tail = self.row_tail
        summary = self.summary
        for oid, lines in batch.items():
            items = self.rows.items(lines)
            offset = self.written.get(oid)
            if offset is None:
                old = stored.get(oid)
                if old == items:
                    summary.orders_unchanged += 1
                    self.written[oid] = len(items)
                    continue
                if old is None:
                    summary.orders_new += 1
                else:
                    summary.orders_updated += 1
                    replaced.append(oid)
                offset = 0
            inserts.extend(
                head + (oid, offset + i) + item + tail for i, item in enumerate(items)
            )
            self.written[oid] = offset + len(items)
        self.rows.delete(conn, replaced)
        self.rows.insert(conn, inserts)


@contextmanager
def _reading(path: Path, progress: bool) -> Iterator[Iterable[bytes]]:
    """The file's lines; with ``progress``, a byte-based bar on stderr."""
    with path.open("rb") as stream:
        if not progress:
            yield stream
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=Console(file=sys.stderr)) as bar:
            task = bar.add_task(path.name, total=path.stat().st_size)
            yield _advancing(stream, bar, task)


def _advancing(stream: IO[bytes], bar: Progress, task: TaskID) -> Iterator[bytes]:
    done = 0
    for line in stream:
        done += len(line)
        # Advancing per line costs more than parsing it; every 256 KiB is smooth enough.
        if done >= 1 << 18:
            bar.advance(task, done)
            done = 0
        yield line
    bar.advance(task, done)
