"""Fast access to the ``orders`` table for imports, in storage values.

An import reads and writes hundreds of thousands of rows; SQLAlchemy's
per-row parameter and result processing would cost more than the database
work.  So statements are built once per dialect and run through the
driver's execute/executemany, and values are compared in their stored form:
datetimes are converted by the column type's own bind processor for the
dialect, so what is written is exactly what an ordinary ``UTCDateTime``
insert writes (on SQLite, where datetimes are text, that is what makes SQL
comparisons with bound datetimes correct).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from router.orders.report import OrderLine
from router.store import orders

#: The facts of an order line that an import compares, in storage form.
Item = tuple[Any, ...]

# Column order of Item, then of an inserted row.
ITEM_COLUMNS = (
    "sku",
    "purchase_date",
    "order_status",
    "fulfillment_channel",
    "sales_channel",
    "quantity",
    "item_status",
)
ROW_COLUMNS = ("seller_id", "amazon_order_id", "line_no", *ITEM_COLUMNS,
               "source_file", "imported_at")


class OrderRows:
    """Reads and replaces one seller's stored order lines."""

    def __init__(self, dialect: sa.Dialect, seller_id: str) -> None:
        assert set(ROW_COLUMNS) == set(orders.c.keys()), "orders columns changed"
        self.seller_id = seller_id
        self._q = dialect.identifier_preparer
        # sqlite3 takes qmark; psycopg takes %s whatever its declared style.
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        table = self._q.format_table(orders)
        self._insert = "INSERT INTO {} ({}) VALUES ({})".format(
            table, self._names(ROW_COLUMNS), ", ".join([self._mark] * len(ROW_COLUMNS))
        )
        order_id, seller_id = self._q.quote("amazon_order_id"), self._q.quote("seller_id")
        # PostgreSQL takes the ids as one array parameter (one plan, one
        # value to send) and rows by COPY, many times faster than INSERTs.
        self._pg = dialect.name == "postgresql"
        in_ids = f"= ANY({self._mark})" if self._pg else "IN ({})"
        self._select = (
            f"SELECT {order_id}, {self._names(ITEM_COLUMNS)} FROM {table}"
            f" WHERE {seller_id} = {self._mark} AND {order_id} {in_ids}"
            f" ORDER BY {order_id}, {self._q.quote('line_no')}"
        )
        self._delete = (
            f"DELETE FROM {table} WHERE {seller_id} = {self._mark} AND {order_id} {in_ids}"
        )
        self._copy = f"COPY {table} ({self._names(ROW_COLUMNS)}) FROM STDIN"
        date_type = orders.c.purchase_date.type.dialect_impl(dialect)
        process: Callable[[Any], Any] | None = date_type.bind_processor(dialect)
        self._date = process or (lambda value: value)

    def date_value(self, value: datetime) -> Any:
        """A datetime as the database stores (and returns) it."""
        return self._date(value)

    def items(self, lines: Sequence[OrderLine]) -> list[Item]:
        """The storage form of one order's lines."""
        date_value, last_date, last_value = self._date, None, None
        result = []
        for line in lines:
            # An order's items share the purchase date: convert it once.
            if line.purchase_date != last_date:
                last_date, last_value = line.purchase_date, date_value(line.purchase_date)
            result.append((line.sku, last_value, line.order_status, line.fulfillment_channel,
                           line.sales_channel, line.quantity, line.item_status))
        return result

    def stored(self, conn: Connection, order_ids: Sequence[str]) -> dict[str, list[Item]]:
        """The stored items of these orders, each in line_no order."""
        found: dict[str, list[Item]] = {}
        if not order_ids:
            return found
        sql, params = self._with_ids(self._select, order_ids)
        for row in conn.exec_driver_sql(sql, params):
            found.setdefault(row[0], []).append(tuple(row[1:]))
        return found

    def delete(self, conn: Connection, order_ids: Sequence[str]) -> None:
        """Remove every stored line of these orders."""
        if order_ids:
            conn.exec_driver_sql(*self._with_ids(self._delete, order_ids))

    def insert(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows laid out as ROW_COLUMNS."""
        if not rows:
            return
        if not self._pg:
            conn.exec_driver_sql(self._insert, rows)
            return
        # The raw psycopg cursor runs inside the connection's transaction.
        cursor: Any = conn.connection.cursor()
        try:
            with cursor.copy(self._copy) as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()

    def _with_ids(self, sql: str, order_ids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        if self._pg:
            return sql, (self.seller_id, list(order_ids))
        return sql.format(", ".join([self._mark] * len(order_ids))), (self.seller_id, *order_ids)

    def _names(self, names: Sequence[str]) -> str:
        return ", ".join(self._q.quote(name) for name in names)
