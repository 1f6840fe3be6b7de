"""/metrics of a running `serve` moves as mail flows over SMTP.

The daemon runs two pipeline processes: intake counts in the main
process, deciding and delivering in the children, and one scrape of the
main process shows them added up (prometheus-client's multiprocess mode).
The gauges of states come from the database; the counters are this serve's
own and start again at 0 after a restart.
"""

from __future__ import annotations

import re
import signal
import smtplib
from pathlib import Path

import sqlalchemy as sa

from router.store import received
from tests.intake.routerproc import REPO, Router, free_port
from tests.ops.helpers import get, instance_lines, scrape, total, value, wait_for_status
from tests.pipeline.conftest import (
    CSBA,
    SELLER,
    csba_ids,
    inquiry,
    prepare,
    scalar,
    wait_pipeline_ready,
    wait_until,
)

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yaml"
OPERATIONS = REPO / "docs" / "operations.md"
BURST = 24
WAIT = 60.0
STRANGER = "someone@example.org"  # not a seller: held


def send(port: int, messages: list[tuple[str, bytes]], sender: str = SELLER) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for _, raw in messages:
            smtp.sendmail(sender, [CSBA], raw)


def test_metrics_move_as_mail_flows(tmp_path: Path, daemons: list[Router]) -> None:
    port, http_port = free_port(), free_port()
    config = prepare(tmp_path, port, BURST, extra=instance_lines(http_port, workers=2))
    router = Router(config, port, args=())
    daemons.append(router)
    wait_pipeline_ready(router, WAIT)
    wait_for_status(http_port, "/readyz", 200, WAIT)
    assert get(http_port, "/livez") == (200, "alive\n")

    before = scrape(http_port)
    assert value(before, "csba_router_messages_received_total", via="smtp") == 0
    assert value(before, "csba_router_workers_alive") == 2
    for check in ("database", "smtp", "workers"):
        assert value(before, "csba_router_health", check=check) == 1

    messages = [inquiry(n, run="metrics") for n in range(BURST)]
    send(port, messages[:BURST // 2])
    send(port, messages[BURST // 2:])
    send(port, [inquiry(BURST, run="stranger")], sender=STRANGER)
    outbox = tmp_path / "outbox"
    waiting = sa.select(sa.func.count()).select_from(received).where(
        received.c.state == "received")
    wait_until(lambda: len(csba_ids(outbox)) == BURST and scalar(config, waiting) == 0,
               WAIT, "the burst acted on and delivered")

    def settled() -> bool:  # the children count right after their commits
        after = scrape(http_port)
        return (value(after, "csba_router_mail_sent_total", kind="forward") == BURST
                and total(after, "csba_router_decisions_total", action="hold") == 1)

    wait_until(settled, WAIT, "the counters caught up with the database")
    after = scrape(http_port)
    assert value(after, "csba_router_messages_received_total", via="smtp") == BURST + 1
    assert value(after, "csba_router_messages_received_total", via="imap") == 0
    assert value(after, "csba_router_decisions_total", category="post_sale_seller_fulfilled",
                 action="forward") == BURST
    assert total(after, "csba_router_decisions_total") == BURST + 1
    assert value(after, "csba_router_mail_sent_total", kind="forward") == BURST
    assert value(after, "csba_router_mail_sent_total", kind="notice") == 0
    assert value(after, "csba_router_delivery_failures_total", kind="temporary") == 0
    assert value(after, "csba_router_delivery_latency_seconds_count") == BURST
    assert value(after, "csba_router_delivery_latency_seconds_bucket", le="+Inf") == BURST
    # Gauges of the database's states.
    assert value(after, "csba_router_messages", state="held") == 1
    assert value(after, "csba_router_messages", state="waiting") == 0
    assert value(after, "csba_router_outgoing", state="pending") == 0
    assert value(after, "csba_router_oldest_waiting_seconds") == 0
    assert value(after, "csba_router_oldest_outgoing_seconds") == 0
    # Every metric the alert rules and the operator's page name exists.
    exposed = {name for name, _ in after}
    exposed |= {re.sub(r"_(bucket|count|sum)$", "", name) for name in exposed}
    named = set(re.findall(r"csba_router_\w+", ALERTS.read_text(encoding="utf-8")
                           + OPERATIONS.read_text(encoding="utf-8")))
    assert named - exposed == set()
    # No label carries an address or anything else about a person.
    labels = {v for (_, pairs) in after for (_, v) in pairs}
    assert not [v for v in labels if "@" in v or "musterhandel" in v]

    # A restart counts afresh; the database's gauges stay what they are.
    router.signal(signal.SIGTERM)
    assert router.proc.wait(WAIT) == 0
    again = Router(config, port, args=())
    daemons.append(again)
    wait_for_status(http_port, "/readyz", 200, WAIT)
    restarted = scrape(http_port)
    assert value(restarted, "csba_router_messages_received_total", via="smtp") == 0
    assert value(restarted, "csba_router_mail_sent_total", kind="forward") == 0
    assert value(restarted, "csba_router_messages", state="held") == 1


def test_the_http_listener_is_off_without_instance_http(tmp_path: Path,
                                                        daemons: list[Router]) -> None:
    """No `instance.http`: nothing listens, and the children count nothing."""
    port, http_port = free_port(), free_port()
    config = prepare(tmp_path, port, 1, extra=instance_lines(http_port, workers=1))
    text = config.read_text(encoding="utf-8").replace(f"  http: 127.0.0.1:{http_port}\n", "")
    config.write_text(text, encoding="utf-8")
    router = Router(config, port, args=())
    daemons.append(router)
    wait_pipeline_ready(router, WAIT)
    send(port, [inquiry(0, run="off")])
    wait_until(lambda: len(csba_ids(tmp_path / "outbox")) == 1, WAIT, "the forward")
    try:
        get(http_port, "/livez", timeout=2)
    except OSError:
        pass
    else:
        raise AssertionError("something answers on the port of an instance.http left out")
    assert not router.records("http_listening")


def test_a_port_in_use_for_instance_http_is_one_line_and_exit_1(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        http_port = taken.getsockname()[1]
        config = prepare(tmp_path, port, 0, extra=instance_lines(http_port))
        done = subprocess.run(
            [sys.executable, "-m", "router", "--config", str(config), "serve",
             "--intake-only"], capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"csba-router: cannot listen on 127.0.0.1:{http_port} (instance.http): "
        "Address already in use")
    assert "Traceback" not in done.stderr


def test_a_reload_keeps_the_listener_and_says_a_new_address_needs_a_restart(
        tmp_path: Path, daemons: list[Router]) -> None:
    port, http_port, other = free_port(), free_port(), free_port()
    config = prepare(tmp_path, port, 0, extra=instance_lines(http_port))
    router = Router(config, port)  # --intake-only: no pipeline processes to check
    daemons.append(router)
    wait_for_status(http_port, "/readyz", 200, WAIT)
    config.write_text(config.read_text(encoding="utf-8").replace(
        f"http: 127.0.0.1:{http_port}", f"http: 127.0.0.1:{other}"), encoding="utf-8")
    router.signal(signal.SIGHUP)
    router.expect("restart_needed", lambda r: r.get("setting") == "instance.http")
    router.expect("reloaded")
    assert get(http_port, "/readyz") == (200, "ready\n")
