"""Crash safety: `serve` SIGKILLed in the middle of a burst loses nothing, doubles nothing.

Several real SMTP clients send at once; the process is killed after a number
of 250s reached them, so some messages are answered, some are cut off in
DATA, some are stored but not yet decided, decided but not yet delivered, or
delivered but not yet marked sent.  The clients then behave like MTAs: they
resend everything that did not get a 250 (and a few that did, as after a
lost 250).  The contract: every 250 is acted on, once; with the maildir
transport not one duplicate forward and not one duplicate contact.
"""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from router.store import open_engine, outgoing, received, utcnow
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import (
    CSBA,
    SELLER,
    csba_ids,
    inquiry,
    nothing_left,
    prepare,
    scalar,
    start,
    tally,
    wait_until,
)

CONNECTIONS = 5
PER_CONNECTION = 40
KILL_AFTER = 60  # 250s seen by the clients before the SIGKILL (of 200)
LOST_250 = 5  # answered messages resent anyway, as after a 250 lost on the wire
DEADLINE = 40.0  # seconds for the restarted daemon to act on and deliver everything


@dataclass
class Burst:
    """What the clients know: which Message-IDs got a 250. Thread-safe."""

    kill_after: int
    acked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)

    def ack(self, message_id: str) -> None:
        with self.lock:
            self.acked.append(message_id)
            if len(self.acked) >= self.kill_after:
                self.enough.set()


def client(port: int, messages: list[tuple[str, bytes]], burst: Burst) -> None:
    """One SMTP connection sending its messages in turn until the server goes away.

    A message counts as accepted only when its 250 arrived; one cut off in
    DATA is not, exactly as a real MTA sees it (it keeps it and retries).
    """
    try:
        smtp = smtplib.SMTP("127.0.0.1", port, timeout=20)
    except OSError:
        return
    try:
        for message_id, raw in messages:
            smtp.sendmail(SELLER, [CSBA], raw)
            burst.ack(message_id)
        smtp.quit()
    except OSError:  # smtplib's errors are OSErrors: disconnected, reset, 4xx
        smtp.close()


def run_clients(port: int, batches: list[list[tuple[str, bytes]]], burst: Burst
                ) -> list[threading.Thread]:
    threads = [threading.Thread(target=client, args=(port, batch, burst), daemon=True)
               for batch in batches]
    for thread in threads:
        thread.start()
    return threads


def expire_leases(config: Path) -> None:
    """Stand in for the passing of time after the crash.

    The killed process holds leases: on the messages it had claimed (5 min)
    and on the outgoing rows it was delivering (10 min).  In production the
    restarted daemon takes them over when they expire; the test moves the
    expiry to the past instead of waiting those minutes.  Nothing else in
    the database is touched.
    """
    past = utcnow() - timedelta(seconds=1)
    engine = open_engine(f"sqlite:///{config.parent / 'router.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(received.update().where(
                received.c.state == "received", received.c.lease_expires.is_not(None)
            ).values(lease_expires=past))
            conn.execute(outgoing.update().where(outgoing.c.state == "pending").values(
                next_try_at=past))
    finally:
        engine.dispose()


def test_sigkill_mid_burst_loses_nothing_and_doubles_nothing(
        tmp_path: Path, daemons: list[Router]) -> None:
    total = CONNECTIONS * PER_CONNECTION
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=total)
    outbox = config.parent / "outbox"
    messages = [inquiry(n, run="crash") for n in range(total)]
    raw_of = dict(messages)

    first = start(config, port)
    daemons.append(first)
    burst = Burst(kill_after=KILL_AFTER)
    threads = run_clients(port, [messages[i::CONNECTIONS] for i in range(CONNECTIONS)], burst)
    assert burst.enough.wait(30), f"only {len(burst.acked)} 250s before the deadline"
    # SIGKILL to the daemon and its pipeline processes at once, as a power
    # cut: no shutdown code runs anywhere, work in hand stops mid-step.
    first.kill_all()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    acked = set(burst.acked)
    assert KILL_AFTER <= len(acked) < total, "the kill must fall inside the burst"
    stored_before = scalar(config, sa.select(sa.func.count()).select_from(received))
    assert stored_before >= len(acked)  # a 250 means committed

    expire_leases(config)
    second = start(config, port)
    daemons.append(second)
    unanswered = [(m, raw) for m, raw in messages if m not in acked]
    again = unanswered + [(m, raw_of[m]) for m in sorted(acked)[:LOST_250]]
    resend = Burst(kill_after=len(again))
    for thread in run_clients(port, [again[i::3] for i in range(3)], resend):
        thread.join(30)
    assert sorted(resend.acked) == sorted(m for m, _ in again), "the restarted daemon refused"

    everything = {m for m, _ in messages}

    def finished() -> bool:
        return (set(csba_ids(outbox)) == everything
                and nothing_left(f"sqlite:///{config.parent / 'router.db'}"))

    wait_until(finished, DEADLINE, "every message acted on and delivered")

    # Exactly one forward file per Message-ID, none for anything else.
    files = csba_ids(outbox)
    assert {m: n for m, n in files.items() if n != 1} == {}
    assert set(files) == everything
    counted = tally(f"sqlite:///{config.parent / 'router.db'}")
    per_message, actions, states = counted.contacts_per_message, counted.actions, counted.states
    assert set(per_message) == everything
    assert {m: n for m, n in per_message.items() if n != 1} == {}, "a contact counted twice"
    stored = sum(states.values())
    assert states == {"done": stored}, states  # nothing failed, held or stuck
    # Every copy beyond the first (resent after a lost 250, or stored just
    # before the kill and resent) was recognised and dropped as a duplicate.
    assert actions == {"forward": total, **({"drop": stored - total} if stored > total else {})}
    assert counted.forwards == {"sent": total}
    assert stored >= total + LOST_250
    assert "process_failed" not in second.log
