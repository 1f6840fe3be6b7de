"""The delivery loop end to end: queue rows, a real relay or Maildir, the outcomes.

Time is stepped by passing `now` to deliver_once; nothing sleeps to wait
for something to happen.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.act.delivery import (
    HANDOFF_LEASE,
    LEASE,
    Handoff,
    deliver_once,
    message_key,
    run_delivery,
)
from router.act.queue import Queued, claim_due, enqueue, enqueue_many
from router.act.transports import MaildirTransport
from router.config import Config
from router.store import outgoing, utcnow
from tests.act.relay import Relay, running

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RAW = b"From: csba-noreply@amazon.de\r\nSubject: notice\r\n\r\nHallo\r\n"


def make_config(transport: str, *, schedule: tuple[str, ...] = ("1m", "5m"),
                give_up: str = "1h") -> Config:
    return Config.model_validate({
        "instance": {"hostname": "csba-router.test"},
        "outbound": {"transport": transport, "retry_schedule": list(schedule),
                     "give_up_after": give_up},
        "regions": {"de2de": {"address": "csba-de2de@amazon.de", "marketplace": "amazon.de",
                              "forward_to": "team@example.internal"}},
    })


def smtp_config(relay: Relay, **kwargs: Any) -> Config:
    return make_config(f"smtp://127.0.0.1:{relay.port}", **kwargs)


def add(engine: Engine, n: int = 1, *, rcpt_tos: tuple[str, ...] = ("team@example.internal",),
        now: datetime = T0) -> int:
    with engine.begin() as conn:
        return enqueue(conn, kind="forward", message_id=f"<out-{n}@csba.test>",
                       mail_from="csba-noreply@amazon.de", rcpt_tos=rcpt_tos, raw=RAW,
                       received_id=None, now=now)


def row(engine: Engine, id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(outgoing).where(outgoing.c.id == id)).one()


def once(engine: Engine, config: Config, now: datetime) -> int:
    return asyncio.run(deliver_once(engine, config, now))


@pytest.fixture
def events(caplog: pytest.LogCaptureFixture) -> Iterator[list[dict[str, Any]]]:
    """The delivery log events (their `extra=` fields), in order."""
    caplog.set_level(logging.INFO, logger="router.delivery")
    found: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found.append(dict(vars(record)))

    handler = Collect()
    logging.getLogger("router.delivery").addHandler(handler)
    yield found
    logging.getLogger("router.delivery").removeHandler(handler)


def test_maildir_delivery_marks_sent_and_logs(engine: Engine, tmp_path: Path,
                                              events: list[dict[str, Any]]) -> None:
    id = add(engine, rcpt_tos=("a@example.org", "b@example.org"))
    assert once(engine, make_config(f"maildir://{tmp_path}"), T0) == 1
    sent = row(engine, id)
    assert (sent.state, sent.sent_at) == ("sent", T0)
    assert len(list((tmp_path / "new").iterdir())) == 2
    (event,) = [e for e in events if e.get("event") == "sent"]
    assert event["message_id"] == "<out-1@csba.test>"
    assert event["kind"] == "forward"
    assert event["recipients"] == ["a@example.org", "b@example.org"]
    assert once(engine, make_config(f"maildir://{tmp_path}"), T0) == 0  # nothing left


def test_crash_after_writing_redelivers_into_the_same_file(engine: Engine,
                                                           tmp_path: Path) -> None:
    config = make_config(f"maildir://{tmp_path}")
    id = add(engine)
    # A deliverer claims the row, writes the file, and dies before marking it sent.
    (claimed,) = claim_due(engine, T0, "crashed", LEASE, 10)
    asyncio.run(MaildirTransport(tmp_path).deliver(
        claimed.mail_from, claimed.rcpt_tos, claimed.raw, message_key=message_key(claimed)))
    assert once(engine, config, T0 + timedelta(minutes=1)) == 0  # still leased
    assert once(engine, config, T0 + LEASE) == 1
    assert row(engine, id).state == "sent"
    assert len(list((tmp_path / "new").iterdir())) == 1  # replaced, not duplicated


def test_temporary_failures_are_retried_per_schedule(engine: Engine,
                                                     events: list[dict[str, Any]]) -> None:
    relay = Relay(data_replies=["451 4.3.0 try later", "451 4.3.0 try later"])
    with running(relay):
        config = smtp_config(relay, schedule=("1m", "5m"))
        id = add(engine)
        assert once(engine, config, T0) == 1
        first = row(engine, id)
        assert (first.state, first.attempts, first.next_try_at) == (
            "pending", 1, T0 + timedelta(minutes=1))
        assert "451 4.3.0 try later" in first.last_error
        assert once(engine, config, T0 + timedelta(seconds=59)) == 0  # not due yet
        t1 = T0 + timedelta(minutes=1)
        assert once(engine, config, t1) == 1
        second = row(engine, id)
        assert (second.attempts, second.next_try_at) == (2, t1 + timedelta(minutes=5))
        assert once(engine, config, t1 + timedelta(minutes=5)) == 1  # the relay is back
    done = row(engine, id)
    assert (done.state, done.attempts) == ("sent", 2)
    assert len(relay.accepted) == 1 and relay.accepted[0].data == RAW
    deferred = [e for e in events if e.get("event") == "deferred"]
    assert [e["next_try_at"] for e in deferred] == [
        (T0 + timedelta(minutes=1)).isoformat(), (t1 + timedelta(minutes=5)).isoformat()]
    assert all("451" in e["error"] for e in deferred)


def test_permanent_failure_is_dead(engine: Engine, events: list[dict[str, Any]]) -> None:
    relay = Relay(data_replies=["550 5.7.1 refused"])
    with running(relay):
        id = add(engine)
        assert once(engine, smtp_config(relay), T0) == 1
    dead = row(engine, id)
    assert (dead.state, dead.attempts) == ("dead", 1)
    assert "550 5.7.1 refused" in dead.last_error
    (event,) = [e for e in events if e.get("event") == "dead"]
    assert event["reason"] == "permanent" and event["recipients"] == ["team@example.internal"]


def test_give_up_after_makes_it_dead(engine: Engine, events: list[dict[str, Any]]) -> None:
    relay = Relay(data_replies=["451 busy"] * 3)
    with running(relay):
        config = smtp_config(relay, schedule=("10m",), give_up="30m")
        id = add(engine)
        assert once(engine, config, T0) == 1
        assert once(engine, config, T0 + timedelta(minutes=10)) == 1
        assert row(engine, id).state == "pending"
        assert once(engine, config, T0 + timedelta(minutes=30)) == 1
    dead = row(engine, id)
    assert (dead.state, dead.attempts) == ("dead", 3)
    (event,) = [e for e in events if e.get("event") == "dead"]
    assert event["reason"] == "give_up_after"


def test_relay_down_is_deferred(engine: Engine) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    id = add(engine)
    assert once(engine, make_config(f"smtp://127.0.0.1:{port}"), T0) == 1
    deferred = row(engine, id)
    assert (deferred.state, deferred.attempts) == ("pending", 1)
    assert "cannot reach relay" in deferred.last_error


def test_partial_delivery_never_sends_twice(engine: Engine) -> None:
    relay = Relay(rcpt_replies={"busy@example.org": "451 4.2.1 busy"})
    with running(relay):
        config = smtp_config(relay)
        id = add(engine, rcpt_tos=("ok@example.org", "busy@example.org"))
        once(engine, config, T0)
        waiting = row(engine, id)
        assert (waiting.state, waiting.rcpt_tos) == ("pending", ["busy@example.org"])
        relay.rcpt_replies.clear()  # the mailbox is free again
        once(engine, config, T0 + timedelta(minutes=1))
    assert row(engine, id).state == "sent"
    assert [a.rcpt_tos for a in relay.accepted] == [["ok@example.org"], ["busy@example.org"]]


def test_mixed_permanent_and_delivered_leaves_only_the_failed_on_the_dead_list(
        engine: Engine) -> None:
    relay = Relay(rcpt_replies={"gone@example.org": "550 5.1.1 no such user"})
    with running(relay):
        id = add(engine, rcpt_tos=("ok@example.org", "gone@example.org"))
        once(engine, smtp_config(relay), T0)
    dead = row(engine, id)
    assert (dead.state, dead.rcpt_tos) == ("dead", ["gone@example.org"])
    assert "gone@example.org: 550 5.1.1 no such user" in dead.last_error
    assert [a.rcpt_tos for a in relay.accepted] == [["ok@example.org"]]


def test_run_delivery_wakes_on_new_mail_and_stops(engine: Engine, tmp_path: Path) -> None:
    config = make_config(f"maildir://{tmp_path}")

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        stop, wake = asyncio.Event(), asyncio.Event()
        sent: asyncio.Queue[str] = asyncio.Queue()

        class OnSent(logging.Handler):  # the loop logs from worker threads
            def emit(self, record: logging.LogRecord) -> None:
                if getattr(record, "event", None) == "sent":
                    loop.call_soon_threadsafe(sent.put_nowait, vars(record)["message_id"])

        handler = OnSent()
        logger = logging.getLogger("router.delivery")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            await asyncio.to_thread(add, engine, 1, now=datetime.now(UTC))
            task = asyncio.create_task(
                run_delivery(engine, config, stop=stop, owner="test", wake=wake))
            assert await asyncio.wait_for(sent.get(), timeout=10) == "<out-1@csba.test>"
            # The queue is empty now, so the loop goes idle for up to 30 s;
            # new mail plus a wake-up (what the pipeline does) must not wait that long.
            await asyncio.to_thread(add, engine, 2, now=datetime.now(UTC))
            wake.set()
            assert await asyncio.wait_for(sent.get(), timeout=10) == "<out-2@csba.test>"
            stop.set()  # ends the idle wait at once as well
            await asyncio.wait_for(task, timeout=10)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)

    asyncio.run(scenario())
    assert len(list((tmp_path / "new").iterdir())) == 2


def hand_over(engine: Engine, handoff: Handoff, count: int, now: datetime = T0) -> list[Queued]:
    """Queue `count` mails the way a pipeline batch does with a deliverer."""
    with engine.begin() as conn:
        return enqueue_many(conn, [{
            "kind": "forward", "message_id": f"<handed-{n}@csba.test>",
            "mail_from": "csba-noreply@amazon.de", "rcpt_tos": ["team@example.internal"],
            "raw": RAW, "received_id": None} for n in range(count)], now,
            lease_until=handoff.lease_until(now))


def test_handed_over_mail_is_delivered_by_the_worker_not_the_loop(
        engine: Engine, tmp_path: Path, events: list[dict[str, Any]]) -> None:
    config = make_config(f"maildir://{tmp_path}")
    handoff = Handoff(engine, config)
    assert handoff.lease_until(T0) == T0 + HANDOFF_LEASE
    queued = hand_over(engine, handoff, 3)
    assert [q.message_id for q in queued] == [f"<handed-{n}@csba.test>" for n in range(3)]
    assert claim_due(engine, T0, "loop", LEASE, 10) == []  # leased to the worker
    handoff.deliver(queued)
    assert [row(engine, q.id).state for q in queued] == ["sent"] * 3
    assert len(list((tmp_path / "new").iterdir())) == 3
    assert [e["message_id"] for e in events if e.get("event") == "sent"] == [
        q.message_id for q in queued]
    assert once(engine, config, T0 + HANDOFF_LEASE) == 0  # nothing left for the loop


def test_mail_the_worker_could_not_deliver_is_the_loops_later(
        engine: Engine, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    now = utcnow()  # the worker records its outcome at the real time
    handoff = Handoff(engine, make_config(f"maildir://{blocked}", give_up="7d"))
    (queued,) = hand_over(engine, handoff, 1, now=now)
    handoff.deliver([queued])  # the Maildir cannot be made: deferred, never raised
    failed = row(engine, queued.id)
    assert (failed.state, failed.attempts) == ("pending", 1)
    assert "file" in failed.last_error
    good = make_config(f"maildir://{tmp_path / 'outbox'}", give_up="7d")
    assert once(engine, good, failed.next_try_at + timedelta(seconds=1)) == 1
    assert row(engine, queued.id).state == "sent"


def test_mail_of_a_worker_that_died_is_the_loops_after_the_lease(
        engine: Engine, tmp_path: Path) -> None:
    config = make_config(f"maildir://{tmp_path}")
    (queued,) = hand_over(engine, Handoff(engine, config), 1)  # then it dies
    assert once(engine, config, T0 + HANDOFF_LEASE - timedelta(seconds=1)) == 0
    assert once(engine, config, T0 + HANDOFF_LEASE) == 1
    assert row(engine, queued.id).state == "sent"


def test_smtp_mail_is_left_to_the_delivery_loop(engine: Engine) -> None:
    handoff = Handoff(engine, make_config("smtp://127.0.0.1:25"))
    assert handoff.lease_until(T0) is None
    (queued,) = [add(engine)]
    assert claim_due(engine, T0, "loop", LEASE, 10)[0].id == queued


def test_a_retried_enqueue_hands_over_only_new_rows(engine: Engine, tmp_path: Path) -> None:
    handoff = Handoff(engine, make_config(f"maildir://{tmp_path}"))
    first = hand_over(engine, handoff, 2)
    again = hand_over(engine, handoff, 3, now=T0 + timedelta(seconds=5))
    assert [q.message_id for q in again] == ["<handed-2@csba.test>"]
    assert again[0].id not in {q.id for q in first}
