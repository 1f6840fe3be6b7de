"""Sender trust over SMTP with `trust.authserv_id`: the front server's header is believed.

A real `serve`; the test plays the mail server in front: its Received: and
Authentication-Results: on top of what it relays.  The router prepends its
own Received: (by `instance.hostname`), which may stand above the believed
header; a foreign hop may not.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from router.store import contacts, decisions, outgoing
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import inquiry, prepare, start, wait_until

FRONT = "mx.csba.example.internal"
CSBA = "csba-de2de@amazon.de"
HOP = f"Received: from mail.evil.com by {FRONT} with ESMTPS; Tue, 3 Nov 2026 09:12:10 +0100\r\n"


def results(text: str) -> str:
    return f"Authentication-Results: {FRONT}; {text}\r\n"


PASS = results("spf=pass smtp.mailfrom=service@musterhandel.de; "
               "dmarc=pass header.from=musterhandel.de")
FAIL = results("spf=fail smtp.mailfrom=mallory@evil.com; dmarc=fail header.from=musterhandel.de")


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Router]:
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=3,
                     extra={r"(?m)^auto_reply:$": f"trust:\n  authserv_id: {FRONT}\nauto_reply:"})
    router = start(config, port)
    try:
        yield router
    finally:
        router.close()


def send(router: Router, raw: bytes, sender: str) -> int:
    """One SMTP transaction; the stored row's id from the 250 reply."""
    with smtplib.SMTP("127.0.0.1", router.port, timeout=30) as client:
        client.ehlo("mx.csba.example.internal")
        client.mail(sender)
        client.rcpt(CSBA)
        code, reply = client.data(raw)
    assert code == 250, reply
    return int(reply.decode().rsplit(" ", 1)[1])


def decided(router: Router) -> dict[int, str]:
    engine = router.db
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.select(decisions.c.received_id,
                                               decisions.c.category)).all())
    finally:
        engine.dispose()


def test_the_front_header_decides(daemon: Router) -> None:
    forged = send(daemon, (HOP + FAIL).encode() + inquiry(0)[1], "mallory@evil.com")
    genuine = send(daemon, (HOP + PASS).encode() + inquiry(1)[1], "service@musterhandel.de")
    # The forger writes his own "pass" below a hop of his own: not believed.
    smuggled = send(daemon, (HOP + "Received: from x by relay.evil.com; Tue, 3 Nov 2026 "
                             "09:12:00 +0100\r\n" + PASS).encode() + inquiry(2)[1],
                    "service@musterhandel.de")
    wait_until(lambda: len(decided(daemon)) == 3, 60, "three decisions")
    assert decided(daemon) == {forged: "unauthenticated", genuine: "post_sale_seller_fulfilled",
                               smuggled: "unauthenticated"}
    engine = daemon.db
    try:
        with engine.connect() as conn:
            sent = conn.execute(sa.select(outgoing.c.received_id, outgoing.c.kind)).all()
            billed = conn.execute(sa.select(contacts.c.received_id)).scalars().all()
    finally:
        engine.dispose()
    assert sent == [(genuine, "forward")] and billed == [genuine]
