"""The review desk as an operator meets it: a config, its database, the real command.

Shared by the `held`, `show`, `release`, `failed` and `orders import` tests:
mail is stored as SMTP intake stores it and decided by the pipeline in this
process; the commands run as a person runs them, through the program's
`main` in this process (`tests.cli_run.cli`: the same output, exit status
and stderr as the subprocess, without a second of imports each).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from router.act.templates import NoticeTemplates
from router.config import Config, load_config
from router.pipeline.runner import drain
from router.store import open_engine, upgrade
from tests.cli_run import cli
from tests.helpers import REPO
from tests.pipeline.test_process import ARRIVED
from tests.pipeline.walk import accept

SELLER = "service@musterhandel.de"
SELLER_ID = "A1MUSTERHANDEL"
HEADER = ("amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\t"
          "sku\tquantity\titem-status\n")


def order_line(order_id: str, channel: str = "Merchant") -> str:
    """One shipped line of an All Orders report."""
    return (f"{order_id}\t2026-10-05T10:00:00+02:00\tShipped\t{channel}\tAmazon.de\t"
            f"SKU-{order_id[-3:]}\t1\tShipped\n")


@dataclass
class Desk:
    path: Path  # the config file
    config: Config
    engine: sa.Engine

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`csba-router --config PATH ARGS`, run in this process (tests/cli_run.py)."""
        return cli("--config", str(self.path), *args)

    def accept(self, raw: bytes, sender: str = SELLER, arrived_at: datetime = ARRIVED) -> int:
        """Store a message as SMTP intake does; its id."""
        return accept(self.engine, raw, sender, arrived_at)

    def drain(self) -> dict[str, int]:
        """Decide every waiting message now, as a worker would."""
        return drain(self.engine, self.config, NoticeTemplates.from_config(self.config),
                     owner="worker")

    def report(self, *lines: str, name: str = "orders.txt") -> Path:
        """An All Orders report file with these lines."""
        path = self.path.parent / name
        path.write_text(HEADER + "".join(lines), encoding="utf-8")
        return path


def desk(tmp_path: Path) -> Desk:
    """The reference config on a SQLite database in `tmp_path`, migrated."""
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'router.db'}"
    path = tmp_path / "router.yaml"
    path.write_text(text.replace("sqlite:///./var/router.db", url)
                    .replace("maildir://./var/outbox", f"maildir://{tmp_path / 'outbox'}"),
                    encoding="utf-8")
    engine = open_engine(url)
    upgrade(engine)
    return Desk(path, load_config(path, env={}), engine)
