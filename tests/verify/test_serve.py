"""Sender trust end to end: a real `serve` over SMTP, checking SPF, DKIM and DMARC itself.

The daemon asks the session's dnsmasq (conftest) through `trust.resolver`;
the test sends from 127.0.0.1, which musterhandel.de's and gmail.com's SPF
allow and evil.test's does not.  What the router did is read from its
database, its outbox and `csba-router held`, as an operator would.
"""

from __future__ import annotations

import json
import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from router.store import contacts, decisions, outgoing, received
from tests.cli_run import cli
from tests.intake.routerproc import Router, free_port
from tests.pipeline.conftest import csba_ids, order_id, prepare, start, wait_until
from tests.verify.conftest import World
from tests.verify.mail import message, sign

CSBA = "csba-de2de@amazon.de"
GMAIL = "musterhandel.shop@gmail.com"
WAIT = 60.0


def trust_config(resolver: str) -> dict[str, str]:
    """`config_text` extras: the trust section, and the seller's Gmail address."""
    return {
        r"(?m)^auto_reply:$": (f"trust:\n  verify: true\n  resolver: {resolver}\n"
                               "  arc_sealers: [google.com]\nauto_reply:"),
        r"addresses: \[service@musterhandel\.de\]":
            f"addresses: [service@musterhandel.de, {GMAIL}]",
    }


@pytest.fixture
def daemon(tmp_path: Path, dns_world: World) -> Iterator[Router]:
    port = free_port()
    config = prepare(tmp_path / "router", port, orders=4,
                     extra=trust_config(dns_world.dns.address))
    router = start(config, port)
    try:
        yield router
    finally:
        router.close()


def send(router: Router, raw: bytes, sender: str) -> int:
    """One SMTP transaction; the stored row's id from the 250 reply."""
    with smtplib.SMTP("127.0.0.1", router.port, timeout=30) as client:
        client.ehlo("client.test")
        client.mail(sender)
        client.rcpt(CSBA)
        code, reply = client.data(raw)
    assert code == 250, reply
    return int(reply.decode().rsplit(" ", 1)[1])


def query(router: Router, statement: sa.Select) -> list[sa.Row]:
    engine = router.db
    try:
        with engine.connect() as conn:
            return list(conn.execute(statement))
    finally:
        engine.dispose()


def test_forged_seller_is_held_and_the_genuine_ones_are_forwarded(daemon: Router,
                                                                   dns_world: World) -> None:
    forged = send(daemon, message(message_id="<forged@evil.test>",
                                  text=_inquiry(0)), "mallory@evil.test")
    genuine = send(daemon, message(message_id="<spf@musterhandel.de>", text=_inquiry(1)),
                   "service@musterhandel.de")
    signed = send(daemon, sign(message(message_id="<dkim@musterhandel.de>",
                                       text=_inquiry(2)), dns_world.seller),
                  "bounces@mailer.evil.test")
    customer = sign(message("erika.kundin@web.de", message_id="<auto@web.de>",
                            text=_inquiry(3)), dns_world.customer)
    gmail = send(daemon, f"X-Forwarded-For: {GMAIL} {CSBA}\r\n".encode() + customer,
                 "musterhandel.shop+caf_=csba-de2de=amazon.de@gmail.com")
    ids = {forged, genuine, signed, gmail}
    wait_until(lambda: {r.id for r in query(daemon, sa.select(received.c.id).where(
        received.c.state.in_(("done", "held"))))} >= ids, WAIT, "all four decided")

    categories = dict(query(daemon, sa.select(decisions.c.received_id, decisions.c.category)))
    assert categories == {forged: "unauthenticated", genuine: "post_sale_seller_fulfilled",
                          signed: "post_sale_seller_fulfilled",
                          gmail: "post_sale_seller_fulfilled"}
    sent = query(daemon, sa.select(outgoing.c.received_id, outgoing.c.kind))
    assert sorted(sent) == sorted([(genuine, "forward"), (signed, "forward"),
                                   (gmail, "forward")])
    billed = {r.received_id for r in query(daemon, sa.select(contacts.c.received_id))}
    assert billed == {genuine, signed, gmail}
    outbox = daemon.config.parent / "outbox"
    wait_until(lambda: sum(csba_ids(outbox).values()) == 3, WAIT, "three forwards delivered")
    assert "<forged@evil.test>" not in csba_ids(outbox)

    held = cli("--config", str(daemon.config), "held", "--format", "json")
    assert held.returncode == 0, held.stderr
    (entry,) = json.loads(held.stdout)
    assert (entry["id"], entry["category"]) == (forged, "unauthenticated")
    assert "spf=fail for evil.test" in entry["reason"]
    assert "dmarc=fail for musterhandel.de" in entry["reason"]

    stored = query(daemon, sa.select(received.c.channel_ref, received.c.helo).where(
        received.c.id == forged))
    assert stored == [("127.0.0.1", "client.test")]  # SPF was checked for this client


def _inquiry(n: int) -> str:
    return (f"Guten Tag,\r\nmeine Bestellung {order_id(n)} ist nicht angekommen. "
            "Wo ist mein Paket?\r\nViele Grüße\r\nErika Kundin\r\n")
