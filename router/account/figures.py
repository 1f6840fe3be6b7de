"""The database side of billing: sums per seller, grouped in SQL.

A month of a busy marketplace is millions of order lines; Python sees only
one row per seller and UTC day (units) or per seller and month (contacts).
The buckets must be UTC on both engines: PostgreSQL stores ``timestamptz``
and is asked for ``purchase_date AT TIME ZONE 'UTC'`` (the session's zone
must not matter); SQLite stores naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``
(router.store.types.UTCDateTime), whose first 10 / 7 characters are the UTC
day / month.  Range bounds are bound as UTCDateTime values, so they compare
in the same form as the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from router.account.billing import Activity, Bill, Terms, compute_bill, cpu_window
from router.account.fees import Figures
from router.account.months import Month
from router.config.model import Config, Seller
from router.store import contacts, orders, performance

#: The only lines that can be covered (enrollment is applied in billing).
MERCHANT, SHIPPED = "Merchant", "Shipped"

#: Seller ids per query: far below SQLite's 32766 bound parameters.
IDS_PER_QUERY = 1000


# Constants are rendered inline, not bound: GROUP BY must repeat the very
# expression of the select list, which separate parameters would not be.
_UTC: sa.ColumnClause[Any] = sa.literal_column("'UTC'")


def utc_day(column: Any, dialect: sa.Dialect) -> sa.ColumnElement[Any]:
    """An expression for the UTC calendar day of a UTCDateTime column."""
    if dialect.name == "sqlite":
        return sa.func.substr(column, sa.literal_column("1"), sa.literal_column("10"))
    return sa.cast(sa.func.timezone(_UTC, column), sa.Date)


def utc_month(column: Any, dialect: sa.Dialect) -> sa.ColumnElement[Any]:
    """An expression for the UTC month (``YYYY-MM`` text) of a UTCDateTime column."""
    if dialect.name == "sqlite":
        return sa.func.substr(column, sa.literal_column("1"), sa.literal_column("7"))
    return sa.func.to_char(sa.func.timezone(_UTC, column), sa.literal_column("'YYYY-MM'"))


def activity(conn: Connection, first: Month, last: Month,
             seller_ids: Sequence[str], *, orders_counted: bool = True) -> dict[str, Activity]:
    """Units and orders per UTC day, contacts and figures per month, ``first..last``.

    Sellers without rows are absent from the result.  The ids go to the
    database in chunks: SQLite then walks the (seller_id, purchase_date)
    index range of each seller instead of every row ever imported, which
    keeps the cost proportional to the months asked for, not to the history.
    """
    found: dict[str, Activity] = {}
    for at in range(0, len(seller_ids), IDS_PER_QUERY):
        found.update(_activity(conn, first, last, seller_ids[at:at + IDS_PER_QUERY],
                               orders_counted))
    return found


def _activity(conn: Connection, first: Month, last: Month,
              seller_ids: Sequence[str], orders_counted: bool) -> dict[str, Activity]:
    since, until = first.start, last.plus(1).start
    dialect = conn.dialect
    day = utc_day(orders.c.purchase_date, dialect).label("day")
    units = (
        sa.select(orders.c.seller_id, day, sa.func.sum(orders.c.quantity),
                  # Distinct orders cost a sort per group: only where a schedule asks.
                  sa.func.count(sa.distinct(orders.c.amazon_order_id)) if orders_counted
                  else sa.literal_column("0"))
        .where(orders.c.fulfillment_channel == MERCHANT, orders.c.order_status == SHIPPED,
               orders.c.purchase_date >= since, orders.c.purchase_date < until,
               orders.c.seller_id.in_(seller_ids))
        .group_by(orders.c.seller_id, day)
    )
    month = utc_month(contacts.c.arrived_at, dialect).label("month")
    counts = (
        sa.select(contacts.c.seller_id, month, sa.func.count())
        .where(contacts.c.arrived_at >= since, contacts.c.arrived_at < until)
        .where(contacts.c.seller_id.in_(seller_ids))
        .group_by(contacts.c.seller_id, month)
    )
    figures = (
        sa.select(performance.c.seller_id, performance.c.month,
                  performance.c.valid_tracking_rate, performance.c.prepaid_return_label_rate)
        .where(performance.c.seller_id.in_(seller_ids),
               performance.c.month >= str(first), performance.c.month <= str(last))
    )
    by_day: dict[str, dict[date, int]] = {}
    orders_by_day: dict[str, dict[date, int]] = {}
    for seller_id, day_value, total, distinct_orders in conn.execute(units):
        day_date = _as_date(day_value)
        by_day.setdefault(seller_id, {})[day_date] = int(total)
        orders_by_day.setdefault(seller_id, {})[day_date] = int(distinct_orders)
    by_month: dict[str, dict[Month, int]] = {}
    for seller_id, month_text, count in conn.execute(counts):
        by_month.setdefault(seller_id, {})[Month.parse(month_text)] = int(count)
    by_figures: dict[str, dict[Month, Figures]] = {}
    for seller_id, month_text, vtr, aprl in conn.execute(figures):
        by_figures.setdefault(seller_id, {})[Month.parse(month_text)] = Figures(
            Decimal(vtr), None if aprl is None else Decimal(aprl))
    return {s: Activity(by_day.get(s, {}), by_month.get(s, {}), orders_by_day.get(s, {}),
                        by_figures.get(s, {}))
            for s in by_day.keys() | by_month.keys() | by_figures.keys()}


def counts_orders(config: Config) -> bool:
    """Whether any schedule's low-volume rule counts distinct orders (`orders_below`)."""
    return any(v.low_volume is not None and v.low_volume.orders_below is not None
               for versions in config.billing.fees.values() for v in versions)


def monthly_bills(engine: Engine, config: Config, month: Month,
                  sellers: Sequence[Seller] | None = None) -> list[Bill]:
    """The month's bill of each seller (default: every configured one), in config order."""
    chosen = list(config.sellers if sellers is None else sellers)
    terms = [Terms.of(config, s) for s in chosen]  # config problems before any query
    window = cpu_window(month, config.billing.cpu_window_months)
    with _snapshot(engine) as conn:
        found = activity(conn, window[0], month, [s.id for s in chosen],
                         orders_counted=counts_orders(config))
    return [compute_bill(t, month, found.get(t.seller_id, Activity())) for t in terms]


def seller_history(engine: Engine, config: Config, seller: Seller,
                   last: Month, months: int) -> tuple[Terms, list[Month], Activity]:
    """What a chart of ``months`` months up to ``last`` needs for one seller."""
    terms = Terms.of(config, seller)
    shown = [last.plus(-n) for n in range(months - 1, -1, -1)]
    first = shown[0].plus(-config.billing.cpu_window_months)
    with _snapshot(engine) as conn:
        found = activity(conn, first, last, [seller.id], orders_counted=counts_orders(config))
    return terms, shown, found.get(seller.id, Activity())


@dataclass(frozen=True)
class ContactRow:
    """One logged contact, as `contacts` lists it."""

    id: int
    seller_id: str
    order_id: str | None
    marketplace: str
    region: str
    arrived_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "seller_id": self.seller_id, "order_id": self.order_id,
                "marketplace": self.marketplace, "region": self.region,
                "arrived_at": self.arrived_at.isoformat()}


CONTACT_FIELDS = ("id", "seller_id", "order_id", "marketplace", "region", "arrived_at")


def month_contacts(engine: Engine, month: Month, seller_id: str | None = None) -> list[ContactRow]:
    """The contacts that arrived in ``month`` (UTC), oldest first."""
    c = contacts.c
    query = (
        sa.select(c.id, c.seller_id, c.order_id, c.marketplace, c.region, c.arrived_at)
        .where(c.arrived_at >= month.start, c.arrived_at < month.plus(1).start)
        .order_by(c.arrived_at, c.id)
    )
    if seller_id is not None:
        query = query.where(c.seller_id == seller_id)
    with engine.connect() as conn:
        return [ContactRow(*row) for row in conn.execute(query)]


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees one state of the database.

    Units and contacts are read by separate queries; a contact logged
    between them must not be half counted.  SQLite's read transaction is a
    snapshot already; PostgreSQL's default (READ COMMITTED) is not.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _as_date(value: Any) -> date:
    # SQLite returns the day as text, PostgreSQL as a date.
    return value if isinstance(value, date) else date.fromisoformat(value)
