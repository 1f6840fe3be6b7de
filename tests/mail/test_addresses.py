"""The three address patterns and what each reader gets from the same values."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from router.mail.addresses import (
    addresses_in,
    first_address,
    header_addresses,
    named_address,
    recorded_addresses,
    strip_tag,
    valid_address,
)


def test_a_forged_double_at_is_one_candidate_not_its_valid_looking_tail() -> None:
    # The strict pattern finds the tail; deciding must see the whole token
    # and call it no address rather than match the seller of the tail.
    assert addresses_in("a@b@example.com") == {"b@example.com"}
    assert header_addresses("a@b@example.com") == ["a@b@example.com"]
    assert not valid_address("a@b@example.com") and valid_address("b@example.com")


def test_strict_readers_take_the_address_out_of_the_words_around_it() -> None:
    assert first_address("Max Muster <Max@Example.DE>") == "max@example.de"
    assert first_address('"Muster, Max" <max@example.de>, b@c.de') == "max@example.de"
    assert named_address("Kunde [mailto:kunde@example.de]") == "kunde@example.de"
    assert named_address("kunde@example.de.") == "kunde@example.de"
    assert addresses_in("an a@b.de und C@D.de.") == {"a@b.de", "c@d.de"}
    assert first_address("root@localhost") is None and first_address("") is None


def test_recorded_addresses_are_taken_as_the_delivery_agent_wrote_them() -> None:
    assert recorded_addresses("root@localhost") == ["root@localhost"]
    assert recorded_addresses("<Seller@Example.DE>") == ["Seller@Example.DE"]
    assert header_addresses("root@localhost") == []
    assert header_addresses("<Seller@Example.DE>") == ["seller@example.de"]


def test_several_addresses_separated_by_spaces_only() -> None:
    assert header_addresses("a@b.de c@d.de", several=True) == ["a@b.de", "c@d.de"]


def test_strip_tag() -> None:
    assert strip_tag("shop+de@example.de") == "shop@example.de"
    assert strip_tag("+shop@example.de") == "+shop@example.de"


@pytest.mark.parametrize("reader", [first_address, named_address, addresses_in,
                                    header_addresses, recorded_addresses])
def test_a_long_run_without_an_address_is_read_fast(reader: Callable[[str], object]) -> None:
    value = "a." * 100_000
    start = time.perf_counter()
    reader(value)
    assert time.perf_counter() - start < 1.0
