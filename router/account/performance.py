"""Sellers' performance figures: read from CSV (pure), stored per seller and month.

`csba-router performance import FILE...` reads comma-separated files with a
header line: `seller_id`, `month` (YYYY-MM), `valid_tracking_rate` and
optionally `prepaid_return_label_rate` (the column may be left out, or a
cell empty: no such figure).  A rate is a fraction (`0.953`) or a percent
(`95.3%`), between 0 and 1 once read.  A line that cannot be read is
reported as `FILE:LINE: reason` and skipped; the rest is imported.  A later
import replaces a seller's figures for that month; the same file again
changes nothing (unchanged rows are not written).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from router.store import begin_write, performance, utcnow

COLUMNS = ("seller_id", "month", "valid_tracking_rate")
OPTIONAL = ("prepaid_return_label_rate",)
RATE_PLACES = Decimal("0.000001")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Longest line read; a longer one is refused (a CSV of figures has short lines).
MAX_LINE = 10_000


class FiguresFormatError(ValueError):
    """The file as a whole cannot be read (no header, a required column missing)."""


@dataclass(frozen=True)
class FigureRow:
    """One seller's figures for one month, as stored."""

    line: int
    seller_id: str
    month: str
    vtr: Decimal
    aprl: Decimal | None


@dataclass(frozen=True)
class FigureError:
    line: int
    reason: str


def parse_rate(text: str) -> Decimal:
    """`0.953` or `95.3%` → Decimal('0.953000'); ValueError when it is no rate."""
    value = text.strip()
    percent = value.endswith("%")
    try:
        rate = Decimal(value.removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number (write 0.953 or 95.3%)") from None
    if not rate.is_finite():
        raise ValueError(f"'{text}' is not a number (write 0.953 or 95.3%)")
    if percent:
        rate /= 100
    if not 0 <= rate <= 1:
        raise ValueError(f"'{text}' is not between 0 and 1 (0 % and 100 %)")
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def parse_figures(text: str, sellers: Collection[str]) -> Iterator[FigureRow | FigureError]:
    """The rows of one CSV file, or per-line errors; FiguresFormatError for the file."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise FiguresFormatError("empty file: expected a header line "
                                 f"({', '.join(COLUMNS + OPTIONAL)})") from None
    except csv.Error as exc:
        raise FiguresFormatError(f"cannot read the header line: {exc}") from None
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise FiguresFormatError(f"line 1: missing column(s) {', '.join(missing)} "
                                 f"(found: {', '.join(header) or 'none'})")
    where = {name: header.index(name) for name in COLUMNS + OPTIONAL if name in header}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield FigureError(reader.line_num, f"cannot read the line: {exc}")
            continue
        if not any(v.strip() for v in values):
            continue  # blank lines are no figures
        yield _row(reader.line_num, values, where, sellers)


def _row(line: int, values: list[str], where: dict[str, int],
         sellers: Collection[str]) -> FigureRow | FigureError:
    if len(values) < len(where) or any(len(v) > MAX_LINE for v in values):
        return FigureError(line, f"expected {len(where)} fields, found {len(values)}")

    def cell(name: str) -> str:
        index = where.get(name)
        return values[index].strip() if index is not None and index < len(values) else ""

    seller_id, month = cell("seller_id"), cell("month")
    if not seller_id:
        return FigureError(line, "seller_id is empty")
    if seller_id not in sellers:
        return FigureError(line, f"unknown seller '{seller_id}'")
    if not _MONTH.match(month):
        return FigureError(line, f"month '{month}' is not YYYY-MM")
    try:
        vtr = parse_rate(cell("valid_tracking_rate")) if cell("valid_tracking_rate") else None
        aprl_text = cell("prepaid_return_label_rate")
        aprl = parse_rate(aprl_text) if aprl_text else None
    except ValueError as exc:
        return FigureError(line, str(exc))
    if vtr is None:
        return FigureError(line, "valid_tracking_rate is empty")
    return FigureRow(line, seller_id, month, vtr, aprl)


@dataclass
class FiguresSummary:
    read: int = 0  # lines with figures or errors (not the header, not blank lines)
    skipped: int = 0
    written: int = 0  # seller-months new or changed
    unchanged: int = 0

    def __str__(self) -> str:
        return (f"{self.read} lines read, {self.written} seller-months written, "
                f"{self.unchanged} unchanged, {self.skipped} skipped")


def import_figures(engine: Engine, path: Path, sellers: Collection[str],
                   on_error: Callable[[str], None]) -> FiguresSummary:
    """Store a file's figures in one transaction; bad lines go to `on_error`."""
    summary = FiguresSummary()
    rows: dict[tuple[str, str], FigureRow] = {}
    for item in parse_figures(path.read_text(encoding="utf-8"), sellers):
        summary.read += 1
        if isinstance(item, FigureError):
            summary.skipped += 1
            on_error(f"{path}:{item.line}: {item.reason}")
        else:
            rows[(item.seller_id, item.month)] = item  # a later line of the file wins
    with begin_write(engine) as conn:
        stored = _stored(conn, rows)
        changed = [r for key, r in rows.items() if stored.get(key) != (r.vtr, r.aprl)]
        if changed:
            conn.execute(_DELETE, [{"s": r.seller_id, "m": r.month} for r in changed])
            now = utcnow()
            conn.execute(performance.insert(), [{
                "seller_id": r.seller_id, "month": r.month, "valid_tracking_rate": r.vtr,
                "prepaid_return_label_rate": r.aprl, "source_file": path.name,
                "imported_at": now} for r in changed])
    summary.written = len(changed)
    summary.unchanged = len(rows) - len(changed)
    return summary


_DELETE = performance.delete().where(performance.c.seller_id == sa.bindparam("s"),
                                     performance.c.month == sa.bindparam("m"))


def _stored(conn: sa.Connection, rows: dict[tuple[str, str], FigureRow]
            ) -> dict[tuple[str, str], tuple[Decimal, Decimal | None]]:
    if not rows:
        return {}
    found: dict[tuple[str, str], tuple[Decimal, Decimal | None]] = {}
    sellers = sorted({seller for seller, _month in rows})
    query = sa.select(performance.c.seller_id, performance.c.month,
                      performance.c.valid_tracking_rate,
                      performance.c.prepaid_return_label_rate).where(
        performance.c.seller_id.in_(sellers))
    for seller_id, month, vtr, aprl in conn.execute(query):
        found[(seller_id, month)] = (_exact(vtr), None if aprl is None else _exact(aprl))
    return found


def _exact(value: object) -> Decimal:
    """A stored rate back as the 6-place Decimal it was written as."""
    return Decimal(str(value)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
