"""UID sets for IMAP commands: compact ranges, and batches bounded in count and bytes.

Large mailboxes drain in a few round trips: one FETCH per batch of UIDs
written as ranges (``1:200``), never one command per message.  A batch is
also bounded in bytes so a mailbox full of big attachments cannot blow up
memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

#: Messages per FETCH and MOVE.
BATCH = 200
#: Bytes per FETCH (a single bigger message still makes its own batch).
BATCH_BYTES = 16 * 1024 * 1024


def uid_set(uids: Iterable[int]) -> str:
    """``1:3,7,9:10`` for 1, 2, 3, 7, 9, 10: each range covers only listed UIDs."""
    parts: list[str] = []
    ordered = sorted(set(uids))
    start = prev = None
    for uid in ordered:
        if prev is not None and uid == prev + 1:
            prev = uid
            continue
        if start is not None:
            parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    if start is not None:
        parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def batches(uids: Iterable[int], sizes: Mapping[int, int], *, count: int = BATCH,
            max_bytes: int = BATCH_BYTES) -> Iterator[list[int]]:
    """Ascending UIDs cut into batches of at most `count` messages and `max_bytes`."""
    batch: list[int] = []
    total = 0
    for uid in sorted(uids):
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch
