"""Calendar months in UTC, the unit of billing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month; ordered, hashable, printed as ``YYYY-MM``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9998:
            raise ValueError(f"no such month: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``, nothing else: a typo must not bill the wrong month."""
        match = _MONTH.fullmatch(text.strip())
        if not match:
            raise ValueError(f"bad month {text!r}: write YYYY-MM, like 2026-10")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a day (or an aware datetime, taken in UTC) falls in."""
        if isinstance(day, datetime):
            day = day.astimezone(UTC).date()
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def start(self) -> datetime:
        """00:00 UTC on the first day: the month's inclusive lower bound."""
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    def contains(self, day: date) -> bool:
        return day.year == self.year and day.month == self.month


def span(first: Month, last: Month) -> list[Month]:
    """The months from ``first`` to ``last``, both included."""
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = current.plus(1)
    return months
