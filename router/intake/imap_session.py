"""One IMAP account, blocking: connect, drain the folder, wait (IDLE or poll), repeat.

Size: it is nearly all one class, `AccountPoller`, whose drain, move and
wait steps share the per-account state (unmoved, copied, suspect and broken
UIDs) that keeps the order below safe; the parts without that state already
live in imap_state, imap_store and imap_uids.

Runs in the account's own thread (see :mod:`router.intake.imap`).  The order
of every drain is the guarantee: fetch a batch with ``BODY.PEEK[]`` (the
``\\Seen`` flag stays as it was), store its messages and the new UID mark in
one commit, and only then move the batch to ``processed_folder``.  A crash anywhere
leaves each message either still in the folder (it will be stored, or, at or
below the mark, only moved) or stored and moved; nothing is ever deleted.

A failure of the session (connection lost, server restart, login refused,
timeout, database unavailable) ends the session; :meth:`AccountPoller.run`
logs it with the account's name and reconnects after a backoff that grows
per account.  A message that cannot be fetched is logged and skipped; it
stays in the folder and is tried again at the next drain.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout
from sqlalchemy.engine import Engine

from router.config.model import ImapAccount
from router.intake.headers import clean_message
from router.intake.imap_state import Mark, load_mark, save_mark
from router.intake.imap_store import Fetched, store_batch
from router.intake.imap_uids import BATCH, BATCH_BYTES, batches, uid_set
from router.store import StoreError, utcnow

log = logging.getLogger("router.intake.imap")

CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 120.0
#: RFC 2177: a server may drop an IDLE after 30 minutes; re-issue well before.
IDLE_RENEW_SECONDS = 25 * 60
#: How often a waiting IDLE looks at the stop flag.
IDLE_TICK = 0.5
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 300.0
#: Messages above this many bytes are sized before batching; a full batch of
#: smaller ones stays within BATCH_BYTES.
BIG_MESSAGE = BATCH_BYTES // BATCH

_WAKING = {b"EXISTS", b"RECENT"}
_FATAL = {(b"BYE",), (b"NO",), (b"BAD",)}
# Any line starting like an X-CSBA-* field (header or body): then the exact
# header-aware stripping of router.intake.headers runs.


class LoginRefused(Exception):
    """The server refused the configured credentials."""


def connect(account: ImapAccount) -> IMAPClient:
    """A logged-in client per the account's `security`; raises LoginRefused on bad login."""
    timeout = SocketTimeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    context = tls_context(account) if account.security != "none" else None
    client = IMAPClient(account.host, account.port, ssl=account.security == "tls",
                        ssl_context=context, timeout=timeout)
    client.normalise_times = False  # aware INTERNALDATEs: arrival times in UTC, not local
    try:
        if account.security == "starttls":
            client.starttls(context)
        client.login(account.username, account.password)
    except LoginError as exc:
        _close(client, logout=False)
        raise LoginRefused(f"login as {account.username!r} refused: {_text(exc)}") from None
    except BaseException:
        _close(client, logout=False)
        raise
    return client


def tls_context(account: ImapAccount) -> ssl.SSLContext:
    """Verifying TLS: the system's CAs, or the account's `ca_file` where configured.

    The system store honours SSL_CERT_FILE / SSL_CERT_DIR, so an admin can
    trust a private CA without a config key; ``ca_file`` (when the config
    model has it) trusts one file for this account only.
    """
    ca_file = getattr(account, "ca_file", None)
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


class AccountPoller:
    """Drains one account until its stop flag is set; survives every session failure."""

    def __init__(self, account: ImapAccount, engine: Engine, *,
                 on_stored: Callable[[int], None], stop: threading.Event) -> None:
        self.account = account
        self.engine = engine
        self.on_stored = on_stored  # told how many messages a batch stored
        self.stop = stop
        # Stored but not yet moved (a MOVE failed): moved again, never stored
        # again, for as long as the UIDVALIDITY they belong to holds.
        self._unmoved: set[int] = set()
        # Copied and flagged \Deleted on a server without MOVE and UIDPLUS,
        # where expunging only our messages is impossible: left for the owner.
        self._copied: set[int] = set()
        # A batch whose FETCH failed: its UIDs are fetched one by one next, to
        # find the culprit (Dovecot ends the whole session on a broken message).
        self._suspects: set[int] = set()
        # Messages that cannot be fetched, and when to try each again.
        self._broken: dict[int, float] = {}
        self._uidvalidity: int | None = None
        self._healthy = False  # the current session has drained at least once
        self._stored = 0  # messages stored by this poller: did a drain find anything

    def facts(self, event: str, **more: Any) -> dict[str, Any]:
        return {"event": event, "account": self.account.name, **more}

    # -- the life of the account ---------------------------------------------

    def run(self) -> None:
        """Sessions until stopped, with a growing pause after each failure.

        The pause starts again from the first step once a session got as far
        as draining: a server restart after hours of work is retried at once.
        """
        account = self.account
        if account.folder == account.processed_folder:
            log.error(f"IMAP account {account.name}: folder and processed_folder are both "
                      f"{account.folder!r}; the account is not polled", extra=self.facts(
                          "imap_config_error", folder=account.folder))
            return
        delay = BACKOFF_FIRST
        while not self.stop.is_set():
            self._healthy = False
            try:
                self._session()
                return  # stopped
            except LoginRefused as exc:
                wait = _jitter(delay)
                log.error(f"IMAP account {self.account.name}: {exc}", extra=self.facts(
                    "imap_login_failed", host=self.account.host, port=self.account.port,
                    username=self.account.username, error=str(exc), retry_in=round(wait, 1)))
            except Exception as exc:  # anything, even a bug, must not end the account's polling
                if self._healthy:
                    delay = BACKOFF_FIRST
                wait = _jitter(delay)
                error = _describe(exc)
                expected = isinstance(exc, OSError | IMAPClientError | StoreError)
                log.error(f"IMAP account {self.account.name}: {error}",
                          exc_info=not expected, extra=self.facts(
                              "imap_failed", host=self.account.host, port=self.account.port,
                              error=error, retry_in=round(wait, 1)))
            delay = min(delay * 2, BACKOFF_MAX)
            self.stop.wait(wait)

    def _session(self) -> None:
        """One connection: drain, wait, drain ... until stopped (then LOGOUT) or failed."""
        account = self.account
        client = connect(account)
        try:
            caps = set(client.capabilities())
            selected = client.select_folder(account.folder)
            uidvalidity = int(selected[b"UIDVALIDITY"])
            if not client.folder_exists(account.processed_folder):
                client.create_folder(account.processed_folder)
                log.info(f"created folder {account.processed_folder!r}", extra=self.facts(
                    "imap_folder_created", folder=account.processed_folder))
            idle = account.idle and b"IDLE" in caps
            log.info(f"IMAP account {account.name} connected", extra=self.facts(
                "imap_connected", host=account.host, port=account.port,
                security=account.security, uidvalidity=uidvalidity, idle=idle,
                move=b"MOVE" in caps))
            mark = self._mark_for(uidvalidity)
            chained = False  # this drain runs because the last one was told of new mail
            while not self.stop.is_set():
                _announced(client)  # this drain's SEARCH sees everything announced so far
                stored = self._stored
                mark = self._drain(client, caps, mark)
                self._healthy = True
                if self.stop.is_set():
                    break
                # Mail that landed during the drain was not in its SEARCH, and an
                # IDLE now would not report it: drain again.  Not after a chained
                # drain that stored nothing: a server that repeats EXISTS without
                # new mail must not keep the session from ever waiting.
                chained = _announced(client) and (not chained or self._stored > stored)
                if chained:
                    continue
                if idle and self._idle(client):
                    continue  # the folder changed: drain at once
                if self.stop.wait(0 if idle else account.poll_interval.total_seconds()):
                    break
                # The poll: SELECT again, which also catches a folder that was
                # replaced (new UIDVALIDITY) without the server telling us.
                selected = client.select_folder(account.folder)
                mark = self._mark_for(int(selected[b"UIDVALIDITY"]))
        except BaseException:
            _close(client, logout=False)
            raise
        _close(client, logout=True)
        log.info(f"IMAP account {account.name} logged out", extra=self.facts("imap_logout"))

    def _mark_for(self, uidvalidity: int) -> Mark:
        """The stored mark, or a fresh one when the folder's UIDVALIDITY changed.

        A new UIDVALIDITY means old UIDs mean nothing: every message still in
        the folder is taken as new (handled mail was moved away; a copy that
        comes back is recognised by its Message-ID in the pipeline).
        """
        mark = load_mark(self.engine, self.account.name)
        if self._uidvalidity != uidvalidity:
            self._unmoved.clear()
            self._copied.clear()
            self._suspects.clear()
            self._broken.clear()
            self._uidvalidity = uidvalidity
        if mark is not None and mark.uidvalidity == uidvalidity:
            return mark
        if mark is not None:
            log.warning(f"IMAP account {self.account.name}: UIDVALIDITY changed, rescanning "
                        f"{self.account.folder!r}", extra=self.facts(
                            "imap_uidvalidity_changed", old=mark.uidvalidity, new=uidvalidity))
        mark = Mark(uidvalidity, 0)
        save_mark(self.engine, self.account.name, mark)
        return mark

    # -- draining ------------------------------------------------------------

    def _drain(self, client: IMAPClient, caps: set[bytes], mark: Mark) -> Mark:
        """Store and move everything in the folder; the mark as advanced."""
        present = [int(u) for u in client.search("ALL") if int(u) not in self._copied]
        known = [u for u in present if u <= mark.last_uid or u in self._unmoved]
        if known:  # stored before, their move failed or was cut off: move only
            self._move(client, caps, known)
        now = time.monotonic()
        waiting = {u for u in present if self._broken.get(u, 0.0) > now}
        new = [u for u in present
               if u > mark.last_uid and u not in self._unmoved and u not in waiting]
        # Every message above the mark that is not stored yet.  The mark may
        # rise only to just below the lowest of them, whatever order the
        # batches go in: it never passes a message that was not stored.
        outstanding = {u for u in present if u > mark.last_uid and u not in self._unmoved}
        top = max(outstanding, default=mark.last_uid)
        for batch in self._isolate(batches(new, self._big_sizes(client, new))):
            if self.stop.is_set():
                return mark  # the rest waits for the next start
            items = self._fetch_batch(client, batch)
            outstanding.difference_update(item.uid for item in items)
            last = min(outstanding) - 1 if outstanding else top
            advanced = Mark(mark.uidvalidity, last) if last > mark.last_uid else None
            ids = store_batch(self.engine, self.account.name, items, advanced)
            mark = advanced or mark
            for item, row_id in zip(items, ids, strict=True):
                log.info("received", extra=self.facts(
                    "received", id=row_id, channel="imap", channel_ref=item.channel_ref,
                    message_id=item.message_id, size=len(item.raw)))
            if ids:
                self._stored += len(ids)
                self.on_stored(len(ids))
                self._move(client, caps, [item.uid for item in items])
        return mark

    def _isolate(self, planned: Iterable[list[int]]) -> Iterator[list[int]]:
        """The planned batches, with every suspect UID in a batch of its own."""
        for batch in planned:
            rest = [u for u in batch if u not in self._suspects]
            yield from ([u] for u in batch if u in self._suspects)
            if rest:
                yield rest

    def _big_sizes(self, client: IMAPClient, uids: list[int]) -> dict[int, int]:
        """Sizes of the messages big enough to matter for a batch's bytes.

        One SEARCH finds them (usually none), so a backlog of ordinary mail
        costs no per-message size round trip; only the few big ones are sized.
        """
        if not uids:
            return {}
        big = set(int(u) for u in client.search(["LARGER", str(BIG_MESSAGE)])) & set(uids)
        if not big:
            return {}
        return {int(uid): int(data.get(b"RFC822.SIZE", 0)) for uid, data in
                client.fetch(sorted(big), ["RFC822.SIZE"]).items()}

    def _fetch_batch(self, client: IMAPClient, batch: list[int]) -> list[Fetched]:
        """The batch in one FETCH, ready to store; a message that cannot be
        fetched is logged, left out, and tried again after a poll interval.

        A batch FETCH that fails makes all its UIDs suspects, fetched one by
        one from then on: at once where the session survived, after the
        reconnect where the server ended it (as Dovecot does when a message
        file is unreadable).
        """
        try:
            fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        except IMAPClientError as exc:
            if len(batch) > 1:
                self._suspects.update(batch)
                if isinstance(exc, IMAPClientAbortError):
                    raise
                return [item for uid in batch for item in self._fetch_batch(client, [uid])]
            self._skip(batch[0], _describe(exc))
            if isinstance(exc, IMAPClientAbortError):
                self._healthy = True  # the culprit is known: reconnect without delay
                raise
            return []
        items: list[Fetched] = []
        for uid in batch:
            data = fetched.get(uid) or {}
            raw = data.get(b"BODY[]")
            if isinstance(raw, bytes):
                items.append(self._prepare(uid, raw, data.get(b"INTERNALDATE")))
                self._suspects.discard(uid)
                self._broken.pop(uid, None)
            else:
                self._skip(uid, "the server returned no message body")
        return items

    def _skip(self, uid: int, error: str) -> None:
        self._suspects.discard(uid)
        self._broken[uid] = time.monotonic() + self.account.poll_interval.total_seconds()
        log.error(f"IMAP account {self.account.name}: cannot fetch UID {uid}; skipped, "
                  "tried again after the poll interval", extra=self.facts(
                      "imap_fetch_failed", uid=uid, error=error))

    def _prepare(self, uid: int, raw: bytes, internaldate: Any) -> Fetched:
        """As the SMTP intake stores it: X-CSBA-* from outside removed, Message-ID read."""
        raw, message_id = clean_message(raw)
        arrived = (internaldate.astimezone(UTC) if isinstance(internaldate, datetime)
                   and internaldate.tzinfo else utcnow())
        return Fetched(uid=uid, raw=raw, arrived_at=arrived, message_id=message_id,
                       channel_ref=f"{self.account.name}:{self._uidvalidity}:{uid}")

    def _move(self, client: IMAPClient, caps: set[bytes], uids: list[int]) -> None:
        """Stored messages to processed_folder; remembered and retried when that fails."""
        folder = self.account.processed_folder
        try:
            try:
                self._transfer(client, caps, uids, folder)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                if "TRYCREATE" not in str(exc).upper():
                    raise
                client.create_folder(folder)  # deleted under us: make it again, once
                self._transfer(client, caps, uids, folder)
        except IMAPClientAbortError:
            self._unmoved.update(uids)
            raise
        except IMAPClientError as exc:
            self._unmoved.update(uids)
            log.error(f"IMAP account {self.account.name}: cannot move {len(uids)} stored "
                      f"message(s) to {folder!r}; tried again at the next drain",
                      extra=self.facts("imap_move_failed", uids=uid_set(uids),
                                       error=_describe(exc)))
            return
        self._unmoved.difference_update(uids)
        log.info(f"moved {len(uids)} message(s) to {folder!r}", extra=self.facts(
            "imap_moved", count=len(uids), folder=folder))

    def _transfer(self, client: IMAPClient, caps: set[bytes], uids: list[int],
                  folder: str) -> None:
        for start in range(0, len(uids), BATCH):
            part = uid_set(uids[start:start + BATCH])
            if b"MOVE" in caps:
                client.move(part, folder)
                continue
            client.copy(part, folder)
            client.add_flags(part, [b"\\Deleted"], silent=True)
            if b"UIDPLUS" in caps:
                client.uid_expunge(part)  # only these UIDs: never someone else's \Deleted
            else:
                self._copied.update(uids[start:start + BATCH])

    # -- waiting -------------------------------------------------------------

    def _idle(self, client: IMAPClient) -> bool:
        """IDLE until the folder changes (True), the poll interval (the safety
        net) or the renewal limit passes, or stop is asked for (False)."""
        limit = min(self.account.poll_interval.total_seconds(), IDLE_RENEW_SECONDS)
        deadline = time.monotonic() + limit
        client.idle()
        log.debug("idle", extra=self.facts("imap_idle"))
        woke = self._wait_in_idle(client, deadline)
        client.idle_done()  # reached only with a live session: a broken one raised above
        return woke

    def _wait_in_idle(self, client: IMAPClient, deadline: float) -> bool:
        """True when the folder changed, False at the deadline or on stop."""
        quick = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            began = time.monotonic()
            responses = client.idle_check(timeout=IDLE_TICK)
            if not responses and time.monotonic() - began < IDLE_TICK / 2:
                # imapclient hides EOF during IDLE as "nothing yet"; a socket
                # that is readable again and again with nothing in it is closed.
                quick += 1
                if quick >= 3:
                    raise IMAPClientAbortError("the server closed the connection")
                continue
            quick = 0
            for response in responses:
                if response[:1] in _FATAL:  # shutdown, or the folder deleted under us
                    raise IMAPClientAbortError(f"server ended the IDLE: {_text_of(response)}")
            if any(len(r) > 1 and r[1] in _WAKING for r in responses):
                return True
        return False


def _announced(client: IMAPClient) -> bool:
    """Whether a reply since the last call announced new mail (an untagged EXISTS); forgets it.

    A server announces new mail once, in the reply to whatever command comes
    next, and a SEARCH sees only mail announced before it: mail that lands
    during a drain is announced in the reply to its SEARCH or MOVE, and an
    IDLE after that stays silent about it.  imapclient does not return such
    lines; imaplib keeps them (`IMAP4.response`), which this reads.
    """
    _, data = client._imap.response("EXISTS")
    return data != [None]


def _close(client: IMAPClient, *, logout: bool) -> None:
    """LOGOUT when asked and possible; the socket is closed in any case."""
    try:
        if logout:
            client.logout()
            return
    except (OSError, IMAPClientError):
        pass
    try:
        client.shutdown()
    except (OSError, IMAPClientError):
        pass


def _jitter(delay: float) -> float:
    """Spread reconnects of many accounts after a shared outage."""
    return delay * random.uniform(0.8, 1.2)


def _text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.strip() or type(exc).__name__


def _text_of(response: tuple[Any, ...]) -> str:
    return " ".join(p.decode(errors="replace") if isinstance(p, bytes) else str(p)
                    for p in response)


def _describe(exc: BaseException) -> str:
    """A short sentence for the log: what went wrong, without a traceback."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"TLS certificate not trusted: {exc.verify_message} (trust its CA in the "
                "system store, e.g. with SSL_CERT_FILE)")
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, IMAPClientAbortError):
        return f"connection lost: {_text(exc)}"
    if isinstance(exc, OSError):
        return exc.strerror or _text(exc)
    return _text(exc)
