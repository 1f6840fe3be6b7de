"""Deciding one message takes bounded time: past `instance.decide_timeout` it fails alone.

A real slow input, not a test hook: an admin's rule whose `subject_regex`
has nested quantifiers (``^(x+x+)+y$``) backtracks exponentially on a
subject of forty x's, inside Python's regular-expression engine, which
holds the interpreter lock and cannot be interrupted (about 10^5 years).
Everything else in the message is an ordinary in-scope inquiry.

The five messages are stored over SMTP by `serve --intake-only` first, so
that the whole daemon, started next on the same database, claims them as
one batch: the slow one in the middle, two batch-mates decided before it
(not yet written) and two after it.  With a decide_timeout of 3s (an
ordinary inquiry takes milliseconds; the margin is for a loaded machine,
where the pipeline process runs at a lower priority) the pipeline process
is killed and replaced; the slow message ends `failed`
with the reason, the four others are forwarded by the new process, their
claim not counted against them.
"""

from __future__ import annotations

import signal
import smtplib
from pathlib import Path

import sqlalchemy as sa

from router.store import received
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import (
    CSBA,
    SELLER,
    csba_ids,
    inquiry,
    prepare,
    wait_pipeline_ready,
    wait_until,
)
from tests.pipeline.test_workers import alive

WAIT = 60.0  # seconds for one step (generous: the machine is shared)
SLOW_RULE = ("  rules:\n    - name: slow-subject\n      category: invoice\n"
             "      subject_regex: '^(x+x+)+y$'\n")
SUBJECT = b"Wo bleibt meine Bestellung?"  # the inquiry's subject, outer and forwarded


def rows(router: Router) -> dict[str, tuple[str, int, str | None]]:
    """Message-ID -> (state, attempts, last_error) of every message the router stored."""
    engine = router.db
    try:
        with engine.connect() as conn:
            return {r.message_id: (r.state, r.attempts, r.last_error) for r in conn.execute(
                sa.select(received.c.message_id, received.c.state, received.c.attempts,
                          received.c.last_error))}
    finally:
        engine.dispose()


def test_a_message_that_overruns_decide_timeout_fails_alone(tmp_path: Path) -> None:
    port = free_port()
    config = prepare(tmp_path, port, orders=5, extra={
        r"(?m)^instance:$": "instance:\n  workers: 1\n  decide_timeout: 3s",
        r"(?m)^  rules:\n": SLOW_RULE})
    messages = [inquiry(n) for n in range(5)]
    slow_id, slow_raw = messages[2]
    messages[2] = (slow_id, slow_raw.replace(SUBJECT, b"x" * 40))
    assert messages[2][1].count(b"x" * 40) == 2

    intake = Router(config, port)  # --intake-only: stores, decides nothing
    try:
        intake.expect("listening")
        with smtplib.SMTP("127.0.0.1", port, timeout=WAIT) as client:
            for _, raw in messages:
                client.sendmail(SELLER, [CSBA], raw)
        intake.signal(signal.SIGTERM)
        assert intake.wait(WAIT) == 0
    finally:
        intake.close()

    router = Router(config, port, args=())
    try:
        first = router.expect("worker_started", timeout=WAIT)["pid"]
        timed_out = router.expect("decide_timeout", timeout=WAIT)
        assert timed_out["timeout"] == 3.0
        failed = router.expect("decide_failed", timeout=WAIT)
        assert failed["pid"] == first
        assert len(failed["released"]) == 4  # the batch-mates, given back
        second = router.expect("worker_started", timeout=WAIT)["pid"]
        assert second != first
        assert not alive(first)
        wait_pipeline_ready(router, WAIT)
        outbox = tmp_path / "outbox"
        others = {mid for mid, _ in messages} - {slow_id}
        wait_until(lambda: set(csba_ids(outbox)) >= others, WAIT,
                   "the batch-mates forwarded by the new pipeline process")
        stored = rows(router)
        assert stored[slow_id] == ("failed", 1, "deciding took longer than 3s "
                                                "(instance.decide_timeout)")
        assert timed_out["id"] == failed["id"]
        # Nothing lost or doubled: four done, claimed once each; one forward each.
        assert {mid: stored[mid][:2] for mid in others} == {mid: ("done", 1) for mid in others}
        assert all(count == 1 for count in csba_ids(outbox).values())
        assert set(csba_ids(outbox)) == others
    finally:
        router.close()
