"""/readyz follows the database: 503 with a reason within 15 s of losing it, 200 again
within 30 s of its return, while /livez stays 200 (the contract).

The daemon reaches the machine's PostgreSQL through a TCP proxy that the
test stops and starts: an outage for this daemon only.
"""

from __future__ import annotations

import smtplib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from router.store import received
from tests.intake.routerproc import Router, config_text, free_port
from tests.ops.helpers import get, instance_lines, scrape, value, wait_for_status
from tests.ops.proxy import TcpProxy
from tests.pipeline.conftest import (
    CSBA,
    SELLER,
    STORAGE_LINE,
    db_scalar,
    wait_pipeline_ready,
    wait_until,
)

pytestmark = pytest.mark.postgres

WAIT = 60.0
GONE_WITHIN = 15.0  # the contract's bounds
BACK_WITHIN = 30.0


def test_readyz_turns_503_without_the_database_and_200_after(
        tmp_path: Path, pg_url: str, daemons: list[Router]) -> None:
    server = urlsplit(pg_url)
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 5432)
    proxy.start()
    try:
        run(tmp_path, pg_url.replace(f"@{server.netloc.split('@')[-1]}/",
                                     f"@127.0.0.1:{proxy.port}/"), proxy, daemons)
    finally:
        proxy.stop()


def run(tmp_path: Path, url: str, proxy: TcpProxy, daemons: list[Router]) -> None:
    port, http_port = free_port(), free_port()
    config = tmp_path / "router.yaml"
    config.write_text(config_text(tmp_path, port, extra={
        **instance_lines(http_port, workers=1), STORAGE_LINE: f'url: "{url}"'}),
        encoding="utf-8")
    router = Router(config, port, args=())
    daemons.append(router)
    wait_pipeline_ready(router, WAIT)
    wait_for_status(http_port, "/readyz", 200, WAIT)

    def alive() -> None:
        assert get(http_port, "/livez") == (200, "alive\n")

    proxy.stop()
    took, reason = wait_for_status(http_port, "/readyz", 503, GONE_WITHIN, also=alive)
    print(f"\n/readyz 503 {took:.1f}s after the database went away: {reason.strip()}")
    assert reason.count("\n") == 1 and reason.startswith("the database"), reason
    # Metrics still answer: the database's gauges are left out, not zero.
    during = scrape(http_port)
    assert value(during, "csba_router_health", check="database") == 0
    assert not [name for name, _ in during if name == "csba_router_messages"]

    proxy.start()
    took, body = wait_for_status(http_port, "/readyz", 200, BACK_WITHIN, also=alive)
    print(f"/readyz 200 {took:.1f}s after it came back")
    assert body == "ready\n"
    # And the daemon works again: a message is stored and decided.
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail(SELLER, [CSBA], b"Subject: back\r\nMessage-ID: <back@t>\r\n\r\nhi\r\n")
    stored = received.select().with_only_columns(received.c.id).where(
        received.c.message_id == "<back@t>", received.c.state != "received")
    wait_until(lambda: db_scalar(url, stored) > 0, WAIT, "the message decided")
