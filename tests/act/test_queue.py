"""The outgoing queue on SQLite and PostgreSQL: enqueue, claims, marks, retry, listing."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.act.queue import (
    QueueError,
    claim_due,
    enqueue,
    list_queue,
    mark_dead,
    mark_deferred,
    mark_sent,
    next_due,
    retry,
)
from router.store import outgoing

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
SCHEDULE = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)]
GIVE_UP = timedelta(days=5)


def add(engine: Engine, n: int = 1, *, now: datetime = T0,
        rcpt_tos: tuple[str, ...] = ("team@example.internal",)) -> int:
    with engine.begin() as conn:
        return enqueue(conn, kind="forward", message_id=f"<out-{n}@csba.test>",
                       mail_from="csba-noreply@amazon.de", rcpt_tos=rcpt_tos,
                       raw=b"Subject: x\r\n\r\nbody\r\n", received_id=None, now=now)


def row(engine: Engine, id: int) -> sa.Row:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.select(outgoing).where(outgoing.c.id == id)).one()


def test_enqueue_is_idempotent_on_message_id(engine: Engine) -> None:
    first = add(engine, 1)
    assert add(engine, 1, now=T0 + timedelta(hours=1)) == first  # a retry after a crash
    assert add(engine, 2) != first
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outgoing)).scalar() == 2
    stored = row(engine, first)
    assert (stored.state, stored.attempts, stored.next_try_at, stored.created_at) == (
        "pending", 0, T0, T0)
    assert stored.rcpt_tos == ["team@example.internal"]


def test_enqueue_commits_with_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        trans = conn.begin()
        enqueue(conn, kind="notice", message_id="<n@csba.test>", mail_from="",
                rcpt_tos=["seller@example.org"], raw=b"x", received_id=None, now=T0)
        trans.rollback()  # the decision failed: no mail may go out
    assert list_queue(engine).counts["pending"] == 0


def test_claim_takes_due_rows_once_and_again_after_the_lease(engine: Engine) -> None:
    early, late = add(engine, 1), add(engine, 2, now=T0 + timedelta(minutes=5))
    claimed = claim_due(engine, T0, "a", LEASE, 10)
    assert [r.id for r in claimed] == [early]
    assert claimed[0].next_try_at == T0 + LEASE
    assert claim_due(engine, T0, "b", LEASE, 10) == []  # held by "a"
    # "a" died mid-delivery: the row is due again once the lease has passed.
    again = claim_due(engine, T0 + LEASE, "b", LEASE, 10)
    assert [r.id for r in again] == [early, late]
    assert row(engine, early).state == "pending"


def test_claim_respects_limit_oldest_due_first(engine: Engine) -> None:
    ids = [add(engine, n, now=T0 - timedelta(minutes=n)) for n in range(1, 6)]
    claimed = claim_due(engine, T0, "a", LEASE, 2)
    assert {r.id for r in claimed} == set(ids[-2:])  # the two queued first
    assert claim_due(engine, T0, "a", LEASE, 0) == []


def test_concurrent_claims_never_share_a_row(engine: Engine) -> None:
    ids = {add(engine, n) for n in range(60)}
    start = threading.Barrier(4)
    got: list[int] = []
    errors: list[BaseException] = []

    def claimer(name: str) -> None:
        try:
            start.wait()
            while rows := claim_due(engine, T0, name, LEASE, 3):
                got.extend(r.id for r in rows)  # list.extend is atomic under the GIL
        except BaseException as exc:  # surface it in the test, not in a thread
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Counter(got).most_common(1)[0][1] == 1  # nobody got a row twice
    assert set(got) == ids


def test_deferral_follows_the_schedule_and_the_last_wait_repeats(engine: Engine) -> None:
    id = add(engine)
    now = T0
    waits = []
    for attempt in range(1, 6):
        deferral = mark_deferred(engine, id, "451 busy", now, SCHEDULE, GIVE_UP)
        assert deferral is not None and deferral.state == "pending"
        assert deferral.attempts == attempt
        assert deferral.next_try_at is not None
        waits.append(deferral.next_try_at - now)
        now = deferral.next_try_at
    assert waits == SCHEDULE + [SCHEDULE[-1]] * 2
    stored = row(engine, id)
    assert (stored.attempts, stored.last_error, stored.next_try_at) == (5, "451 busy", now)


def test_a_zero_wait_still_moves_the_row_past_now(engine: Engine) -> None:
    id = add(engine)
    deferral = mark_deferred(engine, id, "451", T0, [timedelta(0)], GIVE_UP)
    assert deferral is not None and deferral.next_try_at is not None
    assert deferral.next_try_at > T0


def test_deferral_past_give_up_after_is_dead(engine: Engine) -> None:
    id = add(engine)
    almost = mark_deferred(engine, id, "451", T0 + GIVE_UP - timedelta(seconds=1),
                           SCHEDULE, GIVE_UP)
    assert almost is not None and almost.state == "pending"
    dead = mark_deferred(engine, id, "451 still busy", T0 + GIVE_UP, SCHEDULE, GIVE_UP)
    assert dead is not None and (dead.state, dead.attempts) == ("dead", 2)
    assert (row(engine, id).state, row(engine, id).last_error) == ("dead", "451 still busy")


def test_marks_touch_only_pending_rows(engine: Engine) -> None:
    sent, dead = add(engine, 1), add(engine, 2)
    assert mark_sent(engine, sent, T0)
    assert mark_dead(engine, dead, "550 no such user", T0, rcpt_tos=["x@example.org"])
    assert (row(engine, sent).state, row(engine, sent).sent_at) == ("sent", T0)
    gone = row(engine, dead)
    assert (gone.state, gone.attempts, gone.rcpt_tos) == ("dead", 1, ["x@example.org"])
    # A late deliverer whose lease ran out cannot undo what another recorded.
    assert mark_deferred(engine, sent, "451", T0, SCHEDULE, GIVE_UP) is None
    assert not mark_dead(engine, sent, "550", T0)
    assert not mark_sent(engine, dead, T0)
    assert row(engine, sent).state == "sent" and row(engine, dead).state == "dead"


def test_retry_puts_a_dead_row_back_as_new(engine: Engine) -> None:
    id = add(engine)
    mark_deferred(engine, id, "451", T0 + GIVE_UP, SCHEDULE, GIVE_UP)  # died of old age
    later = T0 + timedelta(days=7)
    assert retry(engine, [id], now=later) == [id]
    back = row(engine, id)
    assert (back.state, back.attempts, back.next_try_at, back.created_at) == (
        "pending", 0, later, later)
    assert back.last_error == "451"  # kept until the next attempt says otherwise
    # The give-up clock starts over: one more failure defers, it does not kill.
    deferral = mark_deferred(engine, id, "451", later, SCHEDULE, GIVE_UP)
    assert deferral is not None and deferral.state == "pending"


def test_retry_a_deferred_row_makes_it_due_now(engine: Engine) -> None:
    id = add(engine)
    mark_deferred(engine, id, "451", T0, SCHEDULE, GIVE_UP)
    retry(engine, [id], now=T0 + timedelta(seconds=5))
    back = row(engine, id)
    assert (back.state, back.attempts, back.next_try_at) == (
        "pending", 1, T0 + timedelta(seconds=5))


def test_retry_all_dead(engine: Engine) -> None:
    a, b, c = add(engine, 1), add(engine, 2), add(engine, 3)
    mark_dead(engine, a, "550", T0)
    mark_dead(engine, b, "550", T0)
    assert retry(engine, all_dead=True, now=T0) == [a, b]
    assert [row(engine, i).state for i in (a, b, c)] == ["pending"] * 3
    assert retry(engine, all_dead=True, now=T0) == []


def test_retry_refuses_unknown_and_sent_ids_and_changes_nothing(engine: Engine) -> None:
    dead, sent = add(engine, 1), add(engine, 2)
    mark_dead(engine, dead, "550", T0)
    mark_sent(engine, sent, T0)
    with pytest.raises(QueueError, match="no outgoing message with id 999"):
        retry(engine, [dead, 999], now=T0)
    with pytest.raises(QueueError, match=f"already sent.*{sent}"):
        retry(engine, [dead, sent], now=T0)
    assert row(engine, dead).state == "dead"


def test_list_queue_splits_pending_deferred_dead(engine: Engine) -> None:
    pending, deferred, dead, sent = (add(engine, n) for n in range(4))
    mark_deferred(engine, deferred, "451 busy", T0, SCHEDULE, GIVE_UP)
    mark_dead(engine, dead, "550 gone", T0)
    mark_sent(engine, sent, T0)
    view = list_queue(engine)
    assert view.counts == {"pending": 1, "deferred": 1, "dead": 1, "sent": 1}
    assert [r.id for r in view.pending] == [pending]
    assert [(r.id, r.last_error, r.next_try_at) for r in view.deferred] == [
        (deferred, "451 busy", T0 + SCHEDULE[0])]
    assert [(r.id, r.last_error) for r in view.dead] == [(dead, "550 gone")]
    assert view.pending[0].size == len(b"Subject: x\r\n\r\nbody\r\n")


def test_next_due_is_the_earliest_pending_time(engine: Engine) -> None:
    assert next_due(engine) is None
    add(engine, 1, now=T0 + timedelta(minutes=3))
    id = add(engine, 2, now=T0 + timedelta(minutes=1))
    assert next_due(engine) == T0 + timedelta(minutes=1)
    mark_sent(engine, id, T0)
    assert next_due(engine) == T0 + timedelta(minutes=3)
