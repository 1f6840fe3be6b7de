"""Mail that the server announces in the reply to another command is drained at once.

A server tells a session of new mail once, as an untagged EXISTS in the
reply to whatever command comes next (SEARCH, MOVE, ...); an IDLE issued
after that stays silent about it.  Dovecot's SEARCH sees only the messages
announced before it, so mail that lands during a drain was neither found
by that drain nor reported by the following IDLE: it waited for the poll
interval (the `serve` SIGHUP test failed about one run in eight this way).
"""

from __future__ import annotations

import queue
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from router.config.model import ImapAccount
from router.intake.imap_session import AccountPoller
from router.store import open_engine, upgrade
from tests.imap.dovecot import Dovecot
from tests.imap.test_imap_intake import FBA, IN_SCOPE, mail
from tests.intake.routerproc import WAIT


def test_mail_that_lands_during_a_drain_is_drained_without_waiting_for_the_poll(
        dovecot: Dovecot, tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'router.db'}")
    upgrade(engine)
    account = ImapAccount(name="csba", host="127.0.0.1", port=dovecot.port, security="none",
                          username="csba", password=dovecot.users["csba"].password,
                          region="de2de", poll_interval=timedelta(hours=1), idle=True)
    dovecot.append("csba", mail(IN_SCOPE, "first"))
    stored: queue.Queue[int] = queue.Queue()
    appended = threading.Event()

    def on_stored(count: int) -> None:
        # Called between the batch's commit and its MOVE: the new message is
        # in the folder before the MOVE, so its EXISTS comes with the MOVE's reply.
        if not appended.is_set():
            appended.set()
            dovecot.append("csba", mail(FBA, "during-the-drain"))
        stored.put(count)

    stop = threading.Event()
    poller = AccountPoller(account, engine, on_stored=on_stored, stop=stop)
    thread = threading.Thread(target=poller.run, name="imap-csba-test", daemon=True)
    thread.start()
    try:
        counts = []
        for _ in range(2):
            try:
                counts.append(stored.get(timeout=WAIT))
            except queue.Empty:
                pytest.fail(f"stored batches {counts} within {WAIT}s; the one that landed "
                            "during the drain waits for the poll interval (1 h)")
        assert counts == [1, 1]
    finally:
        stop.set()
        thread.join(WAIT)
        engine.dispose()
    assert not thread.is_alive()
    assert dovecot.messages("csba", "INBOX") == {}
    assert len(dovecot.messages("csba", "Processed")) == 2
