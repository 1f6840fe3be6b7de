"""Shared pieces for tests that run the whole daemon under failure.

A crash or outage test needs many distinct in-scope inquiries: each one for
its own seller-fulfilled order, so that every Message-ID is a new contact
(two inquiries about one order inside `billing.contact_window` would be a
follow-up and join one contact, which would hide a lost or doubled one).
The orders are imported with the real `csba-router orders import` before the
daemon starts, as an operator does.
"""

from __future__ import annotations

import email.parser
import email.policy
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from router.store import open_engine
from tests.intake.routerproc import Router, config_text
from tests.pipeline.test_process import forward

SELLER_ID = "A1MUSTERHANDEL"
SELLER = "service@musterhandel.de"
CSBA = "csba-de2de@amazon.de"
HEADER = ["amazon-order-id", "purchase-date", "order-status", "fulfillment-channel",
          "sales-channel", "sku", "quantity", "item-status"]


def order_id(n: int) -> str:
    """The n-th test order: unique, in Amazon's 3-7-7 digit form."""
    return f"305-{5_000_000 + n:07d}-{9_000_000 + n:07d}"


def orders_report(count: int) -> str:
    """An All Orders report of `count` shipped, seller-fulfilled, enrolled orders."""
    lines = ["\t".join(HEADER)]
    lines += [f"{order_id(n)}\t2026-10-05T10:00:00+02:00\tShipped\tMerchant\tAmazon.de\t"
              f"SKU-{n}\t1\tShipped" for n in range(count)]
    return "\n".join(lines) + "\n"


def inquiry(n: int, *, run: str = "t") -> tuple[str, bytes]:
    """The n-th in-scope inquiry: its Message-ID and raw bytes (order n)."""
    message_id = f"<{run}-{n}@musterhandel.de>"
    return message_id, forward(order_id(n), message_id=message_id)


def import_orders(config: Path, count: int) -> None:
    """`csba-router orders import` of `count` orders into the config's database."""
    report = config.parent / "orders.txt"
    report.write_text(orders_report(count), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "router", "--config", str(config), "orders", "import",
         "--seller", SELLER_ID, str(report)],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def prepare(directory: Path, port: int, orders: int,
            extra: dict[str, str] | None = None) -> Path:
    """Write the config into `directory`, import the orders; the config's path."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "router.yaml"
    config.write_text(config_text(directory, port, extra=extra), encoding="utf-8")
    import_orders(config, orders)
    return config


def start(config: Path, port: int) -> Router:
    """The whole daemon (intake, workers, delivery) on `config`, once it listens."""
    router = Router(config, port, args=())
    router.expect("listening")
    return router


def csba_ids(folder: Path) -> Counter[str]:
    """X-CSBA-Message-Id of every file in a Maildir's `new/`, with its count.

    Only the header is parsed: the forward's own header carries the tag, the
    attached original cannot (intake strips X-CSBA-* from outside mail).
    """
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    found: Counter[str] = Counter()
    new = folder / "new"
    if not new.is_dir():
        return found
    for path in new.iterdir():
        try:
            with path.open("rb") as handle:
                tag = parser.parse(handle)["X-CSBA-Message-Id"]
        except FileNotFoundError:  # replaced by a redelivery while we listed
            continue
        found[str(tag)] += 1
    return found


def scalar(config: Path, query: sa.Select) -> int:
    """One number from the router's database (a fresh engine: the daemon may be gone)."""
    engine = open_engine(f"sqlite:///{config.parent / 'router.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.scalar(query) or 0)
    finally:
        engine.dispose()


def wait_until(done: Callable[[], bool], timeout: float, what: str,
               interval: float = 0.1) -> None:
    """Poll `done` until it holds; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(interval)
