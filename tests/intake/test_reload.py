"""SIGHUP with a large config: the SMTP sessions keep being answered while it loads.

The reload of 20,000 sellers used to run on the event loop that serves the
SMTP sessions, and every session froze until it was done.  Here a session
sends NOOP after NOOP from the moment of the SIGHUP; the daemon's own log
line "reloaded" (with its time) says when the new config was in use.  No
latency is asserted (that figure is bench/abuse_reload.py's): only that
sessions were answered while the reload was still running.
"""

from __future__ import annotations

import re
import signal
import smtplib
import time
from datetime import datetime
from pathlib import Path

from tests.intake.routerproc import WAIT, Router, config_text, free_port

SELLERS = 20_000
#: NOOPs answered before the reload ended that prove sessions were served
#: meanwhile (one could slip in before the SIGHUP is handled at all).
ANSWERED_MEANWHILE = 3


def with_sellers(text: str, count: int) -> str:
    """The config `text` with `count` more sellers, each on its own domain."""
    block = "".join(
        f"  - id: A{n:07d}SELLER\n    name: Seller {n} GmbH\n    region: de2de\n"
        f"    addresses: [service@seller{n}.example.de]\n"
        f"    enrollment:\n      - {{start: 2026-06-01}}\n"
        for n in range(count))
    text, found = re.subn(r"(?m)^sellers:.*\n", lambda m: m.group(0) + block, text)
    assert found == 1
    return text


def logged_at(record: dict[str, object]) -> datetime:
    """The local time of a JSON log record (logging's asctime: '2026-12-06 09:28:00,123')."""
    return datetime.strptime(str(record["time"]), "%Y-%m-%d %H:%M:%S,%f")


def test_sessions_are_answered_while_a_large_config_loads(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "router.yaml"
    config.write_text(config_text(tmp_path, port), encoding="utf-8")
    router = Router(config, port)
    try:
        router.expect("listening")
        config.write_text(with_sellers(config_text(tmp_path, port), SELLERS),
                          encoding="utf-8")
        answered: list[datetime] = []
        # The old daemon answered only after loading (a minute on a busy machine).
        with smtplib.SMTP("127.0.0.1", port, timeout=WAIT * 8) as client:
            client.ehlo("mx.musterhandel.de")
            router.signal(signal.SIGHUP)
            deadline = time.monotonic() + WAIT * 8
            while not router.records("reloaded") and time.monotonic() < deadline:
                assert client.noop()[0] == 250
                answered.append(datetime.now())
        reloaded = router.expect("reloaded")
        meanwhile = sum(1 for at in answered if at < logged_at(reloaded))
        assert meanwhile >= ANSWERED_MEANWHILE, (
            f"only {meanwhile} NOOP(s) answered while the config loaded")
        # The new config is in use by sessions that start after it.
        with smtplib.SMTP("127.0.0.1", port, timeout=WAIT) as client:
            client.ehlo("mx.seller1.example.de")
            assert client.noop()[0] == 250
    finally:
        router.close()
