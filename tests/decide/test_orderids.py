"""Order ids in customer text: order, dedup, boundaries, bent separators."""

from __future__ import annotations

import pytest

from router.decide.orderids import find_order_ids

ID = "302-1234567-1234567"


def test_single_id() -> None:
    assert find_order_ids(f"Meine Bestellung {ID} ist nicht angekommen.") == [ID]


def test_no_id() -> None:
    assert find_order_ids("Wo ist mein Paket?", "") == []
    assert find_order_ids() == []


def test_first_mentioned_first_and_deduplicated() -> None:
    text = "Orders 028-7654321-7654321 and 302-1234567-1234567; again 028-7654321-7654321."
    assert find_order_ids(text) == ["028-7654321-7654321", ID]


def test_across_texts_in_argument_order() -> None:
    assert find_order_ids(f"subject {ID}", "body 171-0000001-0000002", f"again {ID}") == [
        ID,
        "171-0000001-0000002",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "1302-1234567-12345678",
        "1302-1234567-1234567",
        "302-1234567-12345678",
        "302-12345678-1234567",
        "30-1234567-1234567",
        "9-302-1234567-1234567",
        "302-1234567-1234567-5",
        "A302-1234567-1234567",
        "302-1234567-1234567B",
        "sku_302-1234567-1234567",
        "302 1234567 1234567",
        "3021234567123456",
        "302-123 4567-1234567",
    ],
)
def test_not_an_id(text: str) -> None:
    assert find_order_ids(text) == []


@pytest.mark.parametrize(
    "text",
    [
        f"({ID})",
        f"#{ID}.",
        f"Nr.:{ID},",
        f"order:{ID}!",
        f'"{ID}"',
        f"{ID}\n",
        f"订单号{ID}的包裹还没到",
        f"订单号：{ID}。",
        f"<{ID}>",
    ],
)
def test_punctuation_and_cjk_around_an_id(text: str) -> None:
    assert find_order_ids(text) == [ID]


@pytest.mark.parametrize(
    "text",
    [
        "302–1234567–1234567",  # en dash (word processors)
        "302—1234567—1234567",  # em dash
        "302‑1234567‑1234567",  # non-breaking hyphen (Outlook)
        "302‐1234567‐1234567",  # hyphen
        "302−1234567−1234567",  # minus sign
        "302－1234567－1234567",  # full-width hyphen-minus (CJK input)
        "302 - 1234567 - 1234567",  # spaces around dashes
        "302\u00a0-\u00a01234567\u00a0-\u00a01234567",  # non-breaking spaces
        "３０２－１２３４５６７－１２３４５６７",  # full-width digits
    ],
)
def test_bent_separators_are_normalised(text: str) -> None:
    assert find_order_ids(text) == [ID]


def test_other_scripts_digits_are_not_ids() -> None:
    arabic_indic = "٣٠٢-١٢٣٤٥٦٧-١٢٣٤٥٦٧"
    assert find_order_ids(arabic_indic) == []


def test_ids_on_adjacent_lines() -> None:
    text = f"{ID}\n171-0000001-0000002\n"
    assert find_order_ids(text) == [ID, "171-0000001-0000002"]
