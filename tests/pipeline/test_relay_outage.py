"""Relay outage: mail the relay refuses with 4xx waits, and arrives once when it is back.

The daemon delivers by `smtp://` to a real aiosmtpd relay in this process.
The relay first answers every DATA with 451 (a full queue, a greylisting
upstream); the router must keep the forwards (log `deferred`, retry per
`retry_schedule`), not drop them or give up, and deliver each exactly once
after the relay accepts again.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import smtplib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from router.store import outgoing
from tests.act.relay import Relay, running
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import CSBA, SELLER, inquiry, prepare, scalar, start, wait_until

MESSAGES = 4
REFUSAL = "451 4.3.0 Relay queue full, try again later"


class FlakyRelay(Relay):
    """Refuses every DATA with 451 while `refusing`; a plain relay afterwards."""

    refusing: bool = True
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusing:
            self.refused += 1
            return REFUSAL
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def relay() -> Iterator[FlakyRelay]:
    with running(FlakyRelay()) as flaky:
        yield flaky  # type: ignore[misc]


@pytest.fixture
def daemon(tmp_path: Path, relay: FlakyRelay) -> Iterator[Router]:
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=MESSAGES, extra={
        r"transport: maildir://\./var/outbox": f"transport: smtp://127.0.0.1:{relay.port}",
        r"retry_schedule: \[1m, 5m, 30m, 2h, 6h\]": "retry_schedule: [1s]",
        r"give_up_after: 5d": "give_up_after: 1h",
    })
    router = start(config, port)
    try:
        yield router
    finally:
        router.close()


def events(router: Router, name: str) -> list[dict[str, Any]]:
    """The log records of one event so far."""
    records = []
    for line in list(router.lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == name:
            records.append(record)
    return records


def test_everything_arrives_once_after_the_relay_returns(daemon: Router,
                                                         relay: FlakyRelay) -> None:
    sent = [inquiry(n, run="outage") for n in range(MESSAGES)]
    with smtplib.SMTP("127.0.0.1", daemon.port, timeout=30) as client:
        for _, raw in sent:
            client.sendmail(SELLER, [CSBA], raw)
    # Each forward (named by its own Message-ID in the log) is refused and
    # deferred, then refused again on its retry 1s later: the schedule runs,
    # and nothing reaches the relay meanwhile.
    deferrals: Counter[str] = Counter()
    while len(deferrals) < MESSAGES or min(deferrals.values()) < 2:
        record = daemon.expect("deferred")
        assert record["kind"] == "forward" and REFUSAL[:3] in record["error"]
        deferrals[record["message_id"]] += 1
    forwards = set(deferrals)
    assert relay.accepted == []
    assert events(daemon, "dead") == []

    relay.refusing = False
    for _ in range(MESSAGES):
        daemon.expect("sent", lambda r: r["message_id"] in forwards)
    pending = sa.select(sa.func.count()).select_from(outgoing).where(
        outgoing.c.state != "sent")
    wait_until(lambda: scalar(daemon.config, pending) == 0, 15, "every forward marked sent")

    parser = email.parser.BytesParser(policy=email.policy.default)
    arrived = Counter(str(parser.parsebytes(a.data, headersonly=True)["X-CSBA-Message-Id"])
                      for a in relay.accepted)
    assert arrived == Counter({m: 1 for m, _ in sent})
    assert {r for a in relay.accepted for r in a.rcpt_tos} == {"csba-team-de@example.internal"}
    assert relay.refused >= 2 * MESSAGES
    assert events(daemon, "dead") == []
