"""parse_report: header handling and every bad-line reason, with line numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from router.orders import LineError, OrderLine, ReportFormatError, parse_report

HEADER = (
    "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel"
    "\tsales-channel\tsku\tquantity\titem-status"
)


def line(
    order_id: str = "302-1234567-1234567",
    date: str = "2026-10-03T22:15:09+02:00",
    status: str = "Shipped",
    channel: str = "Merchant",
    sales: str = "Amazon.de",
    sku: str = "LAMP-01",
    quantity: str = "2",
    item_status: str = "Shipped",
) -> str:
    return "\t".join([order_id, date, status, channel, sales, sku, quantity, item_status])


def parse(*lines: str | bytes) -> list[OrderLine | LineError]:
    return list(parse_report(lines))


def test_a_good_line_becomes_an_order_line_in_utc() -> None:
    [got] = parse(HEADER, line())
    assert got == OrderLine(
        amazon_order_id="302-1234567-1234567",
        purchase_date=datetime(2026, 10, 3, 20, 15, 9, tzinfo=UTC),
        order_status="Shipped",
        fulfillment_channel="Merchant",
        sales_channel="Amazon.de",
        sku="LAMP-01",
        quantity=2,
        item_status="Shipped",
        file_line=2,
    )
    assert got.purchase_date.utcoffset() is not None


@pytest.mark.parametrize(
    "text", ["2026-10-03T20:15:09+00:00", "2026-10-03T20:15:09Z", "2026-10-03T22:15:09+02:00"]
)
def test_offsets_and_z_give_the_same_instant(text: str) -> None:
    [got] = parse(HEADER, line(date=text))
    assert isinstance(got, OrderLine)
    assert got.purchase_date == datetime(2026, 10, 3, 20, 15, 9, tzinfo=UTC)


def test_bom_crlf_and_bytes_are_accepted() -> None:
    data = ("\ufeff" + HEADER + "\r\n" + line() + "\r\n").encode("utf-8")
    got = parse(*data.splitlines(keepends=True))
    assert [type(g) for g in got] == [OrderLine]
    assert isinstance(got[0], OrderLine) and got[0].item_status == "Shipped"


def test_columns_in_another_order_with_extra_columns() -> None:
    header = (
        "sku\tproduct-name\tquantity\titem-status\tasin\tamazon-order-id\tcurrency"
        "\tsales-channel\tfulfillment-channel\torder-status\tpurchase-date"
    )
    row = "SKU-9\tLampe\t3\tUnshipped\tB01\t028-7654321-7654321\tEUR\tAmazon.fr\tAmazon\tPending" \
        "\t2026-01-31T23:30:00-01:00"
    [got] = parse(header, row)
    assert isinstance(got, OrderLine)
    assert (got.amazon_order_id, got.sku, got.quantity, got.order_status) == (
        "028-7654321-7654321", "SKU-9", 3, "Pending"
    )
    assert got.fulfillment_channel == "Amazon"
    assert got.purchase_date == datetime(2026, 2, 1, 0, 30, tzinfo=UTC)


def test_blank_lines_are_ignored_but_counted_as_lines() -> None:
    got = parse(HEADER, "", line(), "   \r\n", "\t\t", line(quantity="x"))
    assert isinstance(got[0], OrderLine) and got[0].file_line == 3
    assert got[1] == LineError(6, "the quantity 'x' is not a whole number")
    assert len(got) == 2


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (line() + "\textra", "the line has 9 fields, the header 8"),
        ("302-1234567-1234567\t2026-10-03T22:15:09Z", "the line has 2 fields, the header 8"),
        (line(order_id=""), "the amazon-order-id is empty"),
        (
            line(order_id="302-123456-1234567"),
            "the amazon-order-id '302-123456-1234567' is not like 123-1234567-1234567",
        ),
        (
            line(date="2026-10-03T22:15:09"),
            "the purchase-date '2026-10-03T22:15:09' is not an ISO 8601 time with an offset",
        ),
        (
            line(date="2026-10-03"),
            "the purchase-date '2026-10-03' is not an ISO 8601 time with an offset",
        ),
        (
            line(date="03.10.2026 22:15"),
            "the purchase-date '03.10.2026 22:15' is not an ISO 8601 time with an offset",
        ),
        (line(quantity="-1"), "the quantity -1 is negative"),
        (line(quantity="1.5"), "the quantity '1.5' is not a whole number"),
        (line(quantity=""), "the quantity '' is not a whole number"),
        (
            line(channel="AFN"),
            "the fulfillment-channel 'AFN' is neither Amazon nor Merchant",
        ),
        (b"\xff\xfe" + line().encode(), "the line is not valid UTF-8"),
    ],
)
def test_bad_lines_are_reported_with_their_line_number(bad: str | bytes, reason: str) -> None:
    got = parse(HEADER, line(), bad, line(order_id="302-1111111-1111111"))
    assert got[1] == LineError(3, reason)
    assert isinstance(got[0], OrderLine) and isinstance(got[2], OrderLine)
    assert got[2].file_line == 4


def test_missing_columns_are_named() -> None:
    header = "amazon-order-id\tpurchase-date\tsku\tquantity\tsales-channel\torder-status"
    with pytest.raises(ReportFormatError) as info:
        parse(header, line())
    assert str(info.value) == (
        "not an order report: the header lacks the column(s) fulfillment-channel, item-status"
    )


@pytest.mark.parametrize("lines", [(), ("",), ("\r\n", HEADER)])
def test_empty_file_or_empty_first_line_is_refused(lines: tuple[str, ...]) -> None:
    with pytest.raises(ReportFormatError):
        parse(*lines)
