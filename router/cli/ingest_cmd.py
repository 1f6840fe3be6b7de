"""`ingest FILE...`: archived mail through the whole pipeline, each at its own time.

For backfills after an outage and for migrations. The inputs (.eml files,
mbox files, Maildir folders, folders of those: `router.intake.archive`) are
read first, then stored, then decided and delivered like mail that came by
SMTP, with `received.arrived_at` set to the time the message arrived at the
archive (`router.intake.arrival`): the classifier uses that time as its
clock, so enrollment periods, follow-up windows and contacts count as they
would have then.

Choices made here, and why:

- Two passes. The first reads every input, drops what is already handled
  and spools the rest to a temporary file; the second stores them oldest
  arrival first. The pipeline takes messages in id order, and a follow-up
  is only recognised after the message it continues, so storing in file
  order would make the outcome depend on how the archive was sorted. The
  spool keeps memory flat for big mboxes.
- Already handled: a message whose Message-ID is in `received` (any
  channel) is skipped; one without a Message-ID is skipped when the same
  bytes are (so a second run over the same files stores nothing). Inside
  one run, copies of a Message-ID count once, the earliest arrival kept.
  The pipeline's own dedup (seller + Message-ID) stays the final guard.
- The envelope comes from the headers a delivery agent wrote
  (`Return-Path:`, `X-Original-To:`, `Delivered-To:`), unknown otherwise.
  `X-CSBA-*` header fields are removed as SMTP intake removes them: only
  the router's own forwards may carry them.
- After storing, the pipeline runs (`drain`: every waiting message,
  including any other that waits) and one delivery pass. `--no-deliver`
  stops after deciding: for a backfill while `serve` runs (its delivery
  loop sends the queue) or to look at `queue` before anything leaves.
- The summary counts the states of the messages this run stored; per
  message log lines ("decided", "sent") are shown with an explicit
  `--log-level info`.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router import states
from router.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_command,
    load,
    open_store,
    report_unreadable,
)
from router.config import Config
from router.intake.archive import Archived, Unreadable, read_archives
from router.intake.arrival import ArchivedEnvelope, ArrivalTime, archived_envelope, arrival_time

if TYPE_CHECKING:
    from router.act.delivery import PassSummary

#: Progress callback: phase ("reading", "storing", "deciding", "delivering"),
#: items done so far, total where known.
OnStep = Callable[[str, int, int | None], None]
SPOOL_IN_MEMORY = 64 * 1024 * 1024
_IN_CHUNK = 500  # ids per IN (...) query, far below every backend's limit


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        sub, common, "ingest",
        "put archived messages (.eml files, mbox files, Maildir folders, folders of them) "
        "through the whole pipeline as if each had arrived at its time; messages already "
        "handled (same Message-ID) are skipped",
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help=".eml file, mbox file, Maildir folder or folder (read recursively)")
    parser.add_argument("--no-deliver", action="store_true",
                        help="store and decide, but leave the outgoing queue to serve")
    parser.set_defaults(run=run)


@dataclass
class IngestSummary:
    """What one run did, for the closing lines on stdout."""

    read: int = 0
    stored: int = 0
    skipped: int = 0
    unreadable: int = 0
    states: dict[str, int] = field(default_factory=dict)
    delivery: PassSummary | None = None  # None with --no-deliver

    def lines(self) -> list[str]:
        out = [f"read {self.read}, stored {self.stored}, skipped {self.skipped} "
               f"(already handled), unreadable {self.unreadable}"]
        # Waiting: not decided yet (another process holds it, e.g. serve).
        always = (states.DONE, states.HELD, states.FAILED)
        counts = {**dict.fromkeys(always, 0), **self.states}
        out.append("pipeline: " + ", ".join(
            f"{'waiting' if k == states.WAITING else k} {v}" for k, v in counts.items()
            if v or k in always))
        if self.delivery is None:
            out.append("delivery: not run (--no-deliver), the queue is left to serve")
        else:
            out.append(f"delivery: {self.delivery}")
        return out


@dataclass(frozen=True)
class _Pending:
    """A message read and kept, its bytes in the spool."""

    ref: str
    arrival: ArrivalTime
    envelope: ArchivedEnvelope
    message_id: str | None
    offset: int
    length: int
    order: int


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from router.store import StoreError
    from router.store.engine import describe

    config = load(args)
    if not hasattr(args, "log_level"):  # not asked for: no line per message
        for name in ("router.pipeline", "router.delivery"):
            logging.getLogger(name).setLevel(logging.WARNING)
    engine = open_store(config)
    try:
        with _progress(sys.stderr.isatty()) as on_step:
            summary = ingest(engine, config, args.files, deliver=not args.no_deliver,
                             on_unreadable=report_unreadable, on_step=on_step)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    except DBAPIError as exc:  # a lookup or count failed: the database, not a bug
        raise CommandError(f"database error: {describe(exc)}") from None
    finally:
        engine.dispose()
    for line in summary.lines():
        print(line)
    return EXIT_USAGE if summary.unreadable else EXIT_OK


def ingest(engine: Engine, config: Config, paths: Iterable[str | Path], *,
           deliver: bool = True, now: datetime | None = None,
           on_unreadable: Callable[[Unreadable], None] = lambda item: None,
           on_step: OnStep | None = None) -> IngestSummary:
    """Read, store (oldest first), decide and deliver; what happened."""
    from router.store import utcnow

    now = now or utcnow()
    step = on_step or (lambda phase, done, total: None)
    summary = IngestSummary()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        pending = _collect(engine, read_archives(paths), spool, now, summary,
                           on_unreadable, step)
        step("reading", summary.read, summary.read)
        ids = _store(engine, pending, spool, step)
    summary.stored = len(ids)
    if ids:
        step("deciding", 0, len(ids))
        _decide(engine, config)
        summary.states = _states(engine, ids)
        step("deciding", len(ids), len(ids))
    if deliver:
        step("delivering", 0, None)
        summary.delivery = _deliver(engine, config)
        step("delivering", summary.delivery.total, summary.delivery.total)
    return summary


def _collect(engine: Engine, items: Iterator[Archived | Unreadable], spool: IO[bytes],
             now: datetime, summary: IngestSummary,
             on_unreadable: Callable[[Unreadable], None], step: OnStep) -> list[_Pending]:
    """Pass one: read everything, keep what is new, spool its bytes."""
    from router.intake.headers import clean_message

    kept: dict[str, _Pending] = {}
    for item in items:
        if isinstance(item, Unreadable):
            summary.unreadable += 1
            on_unreadable(item)
            continue
        summary.read += 1
        step("reading", summary.read, None)
        raw, message_id = clean_message(item.raw)
        sha256 = hashlib.sha256(raw).hexdigest()
        key = f"id:{message_id}" if message_id else f"sha256:{sha256}"
        arrival = arrival_time(raw, stored_at=None, now=now)
        if arrival.source == "now":  # headers had no date: ask the archive (may cost a read)
            arrival = arrival_time(raw, stored_at=item.stored_at(), now=now)
        earlier = kept.get(key)
        if earlier is not None and earlier.arrival.at <= arrival.at:
            summary.skipped += 1
            continue
        if earlier is None and _handled(engine, message_id, sha256):
            summary.skipped += 1
            continue
        if earlier is not None:
            summary.skipped += 1  # the copy read before arrived later: it gives way
        offset = spool.seek(0, 2)
        spool.write(raw)
        kept[key] = _Pending(item.ref, arrival, archived_envelope(raw), message_id,
                             offset, len(raw), summary.read)
    return sorted(kept.values(), key=lambda p: (p.arrival.at, p.order))


def _handled(engine: Engine, message_id: str | None, sha256: str) -> bool:
    """Is this message in `received` already (any channel, any state)?"""
    from router.store import received

    if message_id:
        query = sa.select(received.c.id).where(received.c.message_id == message_id)
    else:
        query = sa.select(received.c.id).where(received.c.message_id.is_(None),
                                               received.c.sha256 == sha256)
    with engine.connect() as conn:
        return conn.execute(query.limit(1)).first() is not None


def _store(engine: Engine, pending: list[_Pending], spool: IO[bytes], step: OnStep) -> list[int]:
    """Pass two: one committed `received` row per message, oldest arrival first."""
    from router.store.arrivals import store_received

    ids = []
    for done, item in enumerate(pending, 1):
        spool.seek(item.offset)
        raw = spool.read(item.length)
        ids.append(store_received(
            engine, raw, mail_from=item.envelope.mail_from, rcpt_tos=item.envelope.rcpt_tos,
            channel="ingest", channel_ref=item.ref, arrived_at=item.arrival.at,
            message_id=item.message_id))
        step("storing", done, len(pending))
    return ids


def _decide(engine: Engine, config: Config) -> None:
    from router.act.delivery import default_owner
    from router.act.templates import NoticeTemplates
    from router.pipeline.runner import drain

    drain(engine, config, NoticeTemplates.from_config(config),
          owner=f"ingest:{default_owner()}")


def _states(engine: Engine, ids: list[int]) -> dict[str, int]:
    """States of the messages this run stored (others may have been drained too)."""
    from router.store import received

    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start:start + _IN_CHUNK]
            query = (sa.select(received.c.state, sa.func.count())
                     .where(received.c.id.in_(chunk)).group_by(received.c.state))
            for state, count in conn.execute(query):
                counts[state] = counts.get(state, 0) + int(count)
    return counts


def _deliver(engine: Engine, config: Config) -> PassSummary:
    import asyncio

    from router.act.delivery import deliver_pass
    from router.store import utcnow

    return asyncio.run(deliver_pass(engine, config, now=utcnow()))


@contextmanager
def _progress(enabled: bool) -> Iterator[OnStep | None]:
    """A rich progress display on stderr when it is a terminal; else nothing."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    tasks: dict[str, TaskID] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        def on_step(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)

        yield on_step
