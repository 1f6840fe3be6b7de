"""`maildir://DIR`: the router acts as the delivery agent into one Maildir.

Per recipient one file, written the way Maildir readers rely on: into
`DIR/tmp`, fsync'd, renamed into `DIR/new` (atomic: a reader never sees half
a message), then the directory fsync'd so that the rename itself survives a
power cut; only then is the recipient reported delivered.
`Return-Path:` and `Delivered-To:` go on top, as a local delivery agent
writes them; the message bytes follow unchanged.

A whole batch is delivered at once (:meth:`MaildirTransport.deliver_batch`):
every file is written, then all of them are made durable together, renamed,
and `DIR/new` is fsync'd once for all the renames.  On Linux "together" is
one syncfs(2) of the file system holding the Maildir, which Linux documents
as the same guarantee as an fsync of every file on it (and which reports
write-back errors since 5.8): one call instead of a thread hand-over and an
fsync per file, about a tenth of the pipeline's CPU per message when the
router writes its own outbox.  Where syncfs is missing, the files are
fsync'd side by side (the file system commits concurrent fsyncs together).

File names are derived from the queue row (``message_key``) and the
recipient, not from time and pid as in classic Maildir: if the process dies
after the rename but before the row is marked sent, the redelivery replaces
the same file instead of adding a duplicate.  A copy a reader already moved
to `DIR/cur` is detected and not written again.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from router.act.transports.base import DeliveryResult, Parcel, RecipientResult, unique

#: Files fsync'd at the same time within a batch.
FSYNC_THREADS = 16

_fsync_pool: ThreadPoolExecutor | None = None
_fsync_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _fsync_pool
    with _fsync_pool_lock:
        if _fsync_pool is None:
            _fsync_pool = ThreadPoolExecutor(FSYNC_THREADS, thread_name_prefix="maildir-fsync")
        return _fsync_pool


@dataclass
class _Staged:
    """One recipient's copy written into tmp/, not yet safe."""

    parcel: int  # index into the batch
    rcpt: str
    tmp: Path
    name: str
    fd: int


class MaildirTransport:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        # Resolved now: relative to the working directory at start, as the
        # config documents, whatever the process does later.
        self.directory = Path(directory).expanduser().absolute()

    def __repr__(self) -> str:
        return f"MaildirTransport({str(self.directory)!r})"

    async def deliver(self, mail_from: str, rcpt_tos: Sequence[str], raw: bytes, *,
                      message_key: str) -> DeliveryResult:
        (result,) = await self.deliver_many([Parcel(mail_from, rcpt_tos, raw, message_key)])
        return result

    async def deliver_many(self, parcels: Sequence[Parcel]) -> list[DeliveryResult]:
        """Deliver several messages; one result each, in order."""
        return await asyncio.to_thread(self.deliver_batch, parcels)

    def deliver_batch(self, parcels: Sequence[Parcel]) -> list[DeliveryResult]:
        """Blocking: write, fsync, rename every copy, then fsync DIR/new once."""
        recipients = [unique(p.rcpt_tos) for p in parcels]
        try:
            self._ensure_dirs()
        except OSError as exc:
            return [DeliveryResult.all(r, "temporary", _describe(exc)) for r in recipients]
        outcomes: list[dict[str, RecipientResult]] = [{} for _ in parcels]
        seen = _read_cur(self.directory / "cur")
        staged: list[_Staged] = []
        try:
            for index, (parcel, rcpts) in enumerate(zip(parcels, recipients, strict=True)):
                for rcpt in rcpts:
                    name = file_name(parcel.message_key, rcpt)
                    if name in seen:
                        outcomes[index][rcpt] = RecipientResult("ok")  # a reader already has it
                        continue
                    try:
                        staged.append(self._stage(parcel, index, rcpt, name))
                    except OSError as exc:  # disk full, permissions: fixable, so retry
                        outcomes[index][rcpt] = RecipientResult("temporary", _describe(exc))
            synced = _make_durable([item.fd for item in staged])
        finally:
            for item in staged:
                os.close(item.fd)
        renamed = False
        for item, error in zip(staged, synced, strict=True):
            if error is None:
                try:
                    os.rename(item.tmp, self.directory / "new" / item.name)  # replaces a copy
                    renamed = True
                    outcomes[item.parcel][item.rcpt] = RecipientResult("ok")
                    continue
                except OSError as exc:
                    error = exc
            item.tmp.unlink(missing_ok=True)
            outcomes[item.parcel][item.rcpt] = RecipientResult("temporary", _describe(error))
        if renamed:
            try:
                _fsync_dir(self.directory / "new")
            except OSError as exc:  # the renames may not survive a power cut: retry
                for found in outcomes:
                    for rcpt, outcome in found.items():
                        if outcome.status == "ok":
                            found[rcpt] = RecipientResult("temporary", _describe(exc))
        return [DeliveryResult({r: found[r] for r in rcpts})
                for found, rcpts in zip(outcomes, recipients, strict=True)]

    def _ensure_dirs(self) -> None:
        for sub in ("tmp", "new", "cur"):
            path = self.directory / sub
            if not path.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                _fsync_dir(path.parent)

    def _stage(self, parcel: Parcel, index: int, rcpt: str, name: str) -> _Staged:
        """Write one copy into DIR/tmp; the open file is fsync'd by the caller."""
        tmp = self.directory / "tmp" / f"{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            data = memoryview(envelope_headers(parcel.mail_from, rcpt, parcel.raw) + parcel.raw)
            while data:
                data = data[os.write(fd, data):]
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        return _Staged(index, rcpt, tmp, name, fd)


def file_name(message_key: str, rcpt: str) -> str:
    """The Maildir file name of one recipient's copy: stable, and safe in a name.

    The recipient enters as a hash (not its position) so that the name stays
    the same when the queue row's recipient list shrinks after a partial
    delivery.
    """
    rcpt_hash = hashlib.sha256(rcpt.encode("utf-8")).hexdigest()[:12]
    key = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in message_key)
    return f"{key}.{rcpt_hash}.csba"


def envelope_headers(mail_from: str, rcpt: str, raw: bytes) -> bytes:
    """`Return-Path:` and `Delivered-To:` lines, in the message's own line ending."""
    eol = b"\r\n" if raw.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    lines = [f"Return-Path: <{_one_line(mail_from)}>", f"Delivered-To: {_one_line(rcpt)}"]
    return b"".join(line.encode("utf-8") + eol for line in lines)


def _one_line(address: str) -> str:
    # An address never holds a line break; one that does must not add headers.
    return "".join(c for c in address if c not in "\r\n")


def _read_cur(cur: Path) -> set[str]:
    """The names a reader has moved to DIR/cur, without their ":2,FLAGS" info.

    One scan of the directory per batch, not one per file.
    """
    try:
        with os.scandir(cur) as entries:
            return {entry.name.split(":", 1)[0] for entry in entries}
    except OSError:  # an unreadable cur hides nothing from us
        return set()


def _load_syncfs() -> Callable[[int], int] | None:
    """The C library's syncfs(2), or None where there is none (not Linux)."""
    try:  # the symbols already loaded into the interpreter, libc among them
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


_syncfs = _load_syncfs()


def _make_durable(fds: list[int]) -> list[OSError | None]:
    """Flush the written files to disk; per file None, or the error that kept it from it.

    One syncfs(2) covers them all (they are on one file system: the
    Maildir's `tmp`); it failing fails every file of the batch, which is
    then retried.  Without syncfs (or a kernel that refuses it), an fsync
    per file, side by side.
    """
    if not fds:
        return []
    if _syncfs is not None:
        if _syncfs(fds[0]) == 0:
            return [None] * len(fds)
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EPERM):  # a write-back error: retry them
            return [OSError(code, os.strerror(code))] * len(fds)
    return list(_pool().map(_fsync_quietly, fds))


def _fsync_quietly(fd: int) -> OSError | None:
    try:
        os.fsync(fd)
    except OSError as exc:
        return exc
    return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _describe(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"maildir: {exc.strerror or exc}{where}"
