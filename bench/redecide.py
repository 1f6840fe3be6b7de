"""What `orders import` costs on top of the import when a seller has held mail.

Stores N inquiries of one seller whose orders are not imported yet (held as
`order_unknown`), then imports a report naming half of those orders and
times the re-decide that follows (`redecide_order_unknown`): the half whose
order is now known is forwarded, the rest is read, decided and left as it
was.  Prints messages per second for each part and checks the outcome (one
forward per known order, nothing else written).

    .venv/bin/python bench/redecide.py [--messages N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from router.act.templates import NoticeTemplates  # noqa: E402
from router.config import load_config  # noqa: E402
from router.orders import import_report  # noqa: E402
from router.pipeline.release import ACTED, KEPT, redecide_order_unknown  # noqa: E402
from router.pipeline.runner import drain  # noqa: E402
from router.store import open_engine, outgoing, upgrade  # noqa: E402
from router.store.arrivals import Arrival, store_many  # noqa: E402
from tests.pipeline.conftest import inquiry, orders_report  # noqa: E402
from tests.pipeline.test_process import ARRIVED  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    count = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(REPO / "config" / "router.yaml", env={})
        engine = open_engine(f"sqlite:///{tmp}/router.db")
        upgrade(engine)
        templates = NoticeTemplates.from_config(config)
        arrivals = []
        for n in range(count):
            message_id, raw = inquiry(n, run="bench")
            arrivals.append(Arrival(raw, "service@musterhandel.de", ("csba-de2de@amazon.de",),
                                    "smtp", None, ARRIVED, message_id))
        store_many(engine, arrivals)
        started = time.perf_counter()
        states = drain(engine, config, templates, owner="bench")
        held_s = time.perf_counter() - started
        assert states == {"held": count}, states

        report = Path(tmp) / "orders.txt"
        known = count // 2
        # The report names every other order: half of the held mail becomes known.
        lines = orders_report(count).splitlines(keepends=True)
        report.write_text(lines[0] + "".join(lines[1 + n] for n in range(0, count, 2)),
                          encoding="utf-8")
        import_report(engine, "A1MUSTERHANDEL", report, on_error=print)
        started = time.perf_counter()
        results = redecide_order_unknown(engine, config, "A1MUSTERHANDEL", templates,
                                         owner="bench")
        redecide_s = time.perf_counter() - started
        statuses = [r.status for r in results]
        assert statuses.count(ACTED) == known and statuses.count(KEPT) == count - known
        with engine.connect() as conn:
            forwards = conn.scalar(sa.select(sa.func.count()).select_from(outgoing))
        assert forwards == known, forwards
        print(f"held mail decided first: {count} in {held_s:.2f} s "
              f"({count / held_s:.0f} msg/s)")
        print(f"re-decide after the import: {count} held, {known} acted on, "
              f"{count - known} left as they were, in {redecide_s:.2f} s "
              f"({count / redecide_s:.0f} msg/s, {1000 * redecide_s / count:.2f} ms/msg)")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
