"""Reading Amazon's "All Orders" flat-file report (pure: no I/O).

The report is tab-separated, one line per order item, a header line first.
Columns are found by header name, so Amazon adding, dropping or reordering
other columns does not matter.  A line that cannot be read becomes a
:class:`LineError` carrying its physical line number (header = line 1), so
one bad line never stops an import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

REQUIRED_COLUMNS = (
    "amazon-order-id",
    "purchase-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "sku",
    "quantity",
    "item-status",
)
FULFILLMENT_CHANNELS = frozenset({"Amazon", "Merchant"})

_ORDER_ID = re.compile(r"\d{3}-\d{7}-\d{7}", re.ASCII)
_QUANTITY = re.compile(r"\d+", re.ASCII)
_BOM = "\ufeff"


class ReportFormatError(ValueError):
    """The file is not an order report at all (no header, missing columns)."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One order item as the report states it; purchase_date is aware UTC."""

    amazon_order_id: str
    purchase_date: datetime
    order_status: str
    fulfillment_channel: str
    sales_channel: str
    sku: str
    quantity: int
    item_status: str
    file_line: int


@dataclass(frozen=True, slots=True)
class LineError:
    """A line that was skipped, and why, in words for the person importing."""

    line_no: int
    reason: str


def parse_report(lines: Iterable[str | bytes]) -> Iterator[OrderLine | LineError]:
    """Yield one OrderLine or LineError per data line; blank lines are skipped.

    ``lines`` are the file's physical lines, with or without their line
    ending (LF or CRLF); bytes are decoded as UTF-8, so one undecodable line
    is reported instead of failing the file.  Raises ReportFormatError before
    yielding anything when the header is missing or lacks a required column.
    """
    numbered = enumerate(lines, start=1)
    header = _read_header(numbered)
    width = len(header)
    index = [header.index(name) for name in REQUIRED_COLUMNS]
    for line_no, raw in numbered:
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield LineError(line_no, "the line is not valid UTF-8")
                continue
        else:
            text = raw
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != width:
            yield LineError(line_no, f"the line has {len(fields)} fields, the header {width}")
            continue
        yield _parse_fields([fields[i].strip() for i in index], line_no)


def _read_header(numbered: Iterator[tuple[int, str | bytes]]) -> list[str]:
    for _, raw in numbered:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        text = text.removeprefix(_BOM).rstrip("\r\n")
        if not text.strip():
            raise ReportFormatError("the first line is empty: expected the report's header line")
        header = [name.strip().lower() for name in text.split("\t")]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ReportFormatError(
                "not an order report: the header lacks the column(s) " + ", ".join(missing)
            )
        return header
    raise ReportFormatError("the file is empty: expected the report's header line")


def _parse_fields(values: list[str], line_no: int) -> OrderLine | LineError:
    order_id, date_text, status, channel, sales_channel, sku, quantity_text, item_status = values
    if not order_id:
        return LineError(line_no, "the amazon-order-id is empty")
    if not _ORDER_ID.fullmatch(order_id):
        return LineError(
            line_no, f"the amazon-order-id {order_id!r} is not like 123-1234567-1234567"
        )
    purchase_date = _parse_date(date_text)
    if purchase_date is None:
        return LineError(
            line_no, f"the purchase-date {date_text!r} is not an ISO 8601 time with an offset"
        )
    if not _QUANTITY.fullmatch(quantity_text):
        if quantity_text.startswith("-") and _QUANTITY.fullmatch(quantity_text[1:]):
            return LineError(line_no, f"the quantity {quantity_text} is negative")
        return LineError(line_no, f"the quantity {quantity_text!r} is not a whole number")
    if channel not in FULFILLMENT_CHANNELS:
        return LineError(
            line_no, f"the fulfillment-channel {channel!r} is neither Amazon nor Merchant"
        )
    return OrderLine(
        amazon_order_id=order_id,
        purchase_date=purchase_date,
        order_status=status,
        fulfillment_channel=channel,
        sales_channel=sales_channel,
        sku=sku,
        quantity=int(quantity_text),
        item_status=item_status,
        file_line=line_no,
    )


def _parse_date(text: str) -> datetime | None:
    # fromisoformat also takes dates without a time and times without an
    # offset; both come back naive and are refused: the billing month
    # depends on the zone.
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        return None
