"""`maildir://DIR`: the router acts as the delivery agent into one Maildir.

Per recipient one file, written the way Maildir readers rely on: into
`DIR/tmp`, fsync'd, renamed into `DIR/new` (atomic: a reader never sees half
a message), then the directory fsync'd so that the rename itself survives a
power cut; only then is the recipient reported delivered.  Deliveries that
run side by side (the delivery loop hands a batch of rows at once) share
directory fsyncs: every delivery waits for one that started after its own
renames, and one fsync covers all renames made before it began.
`Return-Path:` and `Delivered-To:` go on top, as a local delivery agent
writes them; the message bytes follow unchanged.

File names are derived from the queue row (``message_key``) and the
recipient, not from time and pid as in classic Maildir: if the process dies
after the rename but before the row is marked sent, the redelivery replaces
the same file instead of adding a duplicate.  A copy a reader already moved
to `DIR/cur` is detected and not written again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from router.act.transports.base import DeliveryResult, Outcome, unique


class MaildirTransport:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        # Resolved now: relative to the working directory at start, as the
        # config documents, whatever the process does later.
        self.directory = Path(directory).expanduser().absolute()
        # Deliveries waiting for the next fsync of DIR/new, and the task doing them.
        self._sync_waiting: list[asyncio.Future[None]] = []
        self._sync_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"MaildirTransport({str(self.directory)!r})"

    async def deliver(self, mail_from: str, rcpt_tos: Sequence[str], raw: bytes, *,
                      message_key: str) -> DeliveryResult:
        result, renamed = await asyncio.to_thread(
            self._deliver, mail_from, rcpt_tos, raw, message_key)
        if renamed:
            try:
                await self._sync_new()
            except OSError as exc:  # the renames may not survive a power cut: retry
                return DeliveryResult({
                    rcpt: Outcome("temporary", _describe(exc)) if outcome.status == "ok"
                    else outcome for rcpt, outcome in result.outcomes.items()})
        return result

    async def _sync_new(self) -> None:
        """Return once an fsync of DIR/new that began after this call has finished.

        Callers arriving while one runs wait for the next, which covers them all.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sync_waiting.append(future)
        if self._sync_task is None:
            self._sync_task = asyncio.create_task(self._run_syncs())
        await asyncio.shield(future)

    async def _run_syncs(self) -> None:
        try:
            while self._sync_waiting:
                batch, self._sync_waiting = self._sync_waiting, []
                try:
                    await asyncio.to_thread(_fsync_dir, self.directory / "new")
                except BaseException as exc:
                    for future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for future in batch:
                    if not future.done():
                        future.set_result(None)
        finally:
            self._sync_task = None

    def _deliver(self, mail_from: str, rcpt_tos: Sequence[str], raw: bytes,
                 message_key: str) -> tuple[DeliveryResult, bool]:
        """Write each recipient's file; the result, and whether any file was renamed.

        DIR/new is not fsync'd here: the caller does that before reporting.
        """
        recipients = unique(rcpt_tos)
        try:
            self._ensure_dirs()
        except OSError as exc:
            return DeliveryResult.all(recipients, "temporary", _describe(exc)), False
        outcomes: dict[str, Outcome] = {}
        renamed = False
        for rcpt in recipients:
            try:
                renamed |= self._write_one(mail_from, rcpt, raw, file_name(message_key, rcpt))
                outcomes[rcpt] = Outcome("ok")
            except OSError as exc:  # disk full, permissions: fixable, so retry
                outcomes[rcpt] = Outcome("temporary", _describe(exc))
        return DeliveryResult(outcomes), renamed

    def _ensure_dirs(self) -> None:
        for sub in ("tmp", "new", "cur"):
            path = self.directory / sub
            if not path.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                _fsync_dir(path.parent)

    def _write_one(self, mail_from: str, rcpt: str, raw: bytes, name: str) -> bool:
        """Write one copy into DIR/new (the directory not yet fsync'd); False if seen."""
        if _seen(self.directory / "cur", name):
            return False  # delivered before, and a reader has already seen it
        tmp = self.directory / "tmp" / f"{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(envelope_headers(mail_from, rcpt, raw))
                out.write(raw)
                out.flush()
                os.fsync(out.fileno())
            os.rename(tmp, self.directory / "new" / name)  # replaces an earlier copy
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True


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


def _seen(cur: Path, name: str) -> bool:
    """A reader moved the copy to DIR/cur: as `name`, or with its ":2,FLAGS" info.

    One scan of the directory, and no pattern to compile per file (what
    `glob` would do: it costs more than the write when cur is small).
    """
    flagged = name + ":"
    try:
        with os.scandir(cur) as entries:
            return any(e.name == name or e.name.startswith(flagged) for e in entries)
    except OSError:  # as glob did: an unreadable cur hides nothing from us
        return False


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _describe(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"maildir: {exc.strerror or exc}{where}"
