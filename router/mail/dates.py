"""Reading a Date: header, fast for the form nearly all mail uses.

RFC 5322's own form is matched by one anchored pattern (linear); anything
else goes to the standard library's lenient `parsedate_to_datetime`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# RFC 5322's own form, "Tue, 03 Nov 2026 09:12:00 +0100", which nearly all
# mail uses: read directly, as `parsedate_to_datetime` reads it.
_RFC5322_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9][0-9]{3}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc5322_date(value: str) -> datetime | None:
    """The date of a value in RFC 5322's form, else None (then the full parser decides)."""
    match = _RFC5322_DATE.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    offset = int(zone_h) * 3600 + int(zone_m) * 60
    try:
        if offset == 0 and sign == "-":  # "-0000": the zone is unknown, UTC is meant
            return datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hour),
                            int(minute), int(second), tzinfo=UTC)
        zone = timezone(timedelta(seconds=-offset if sign == "-" else offset))
        return datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hour),
                        int(minute), int(second), tzinfo=zone)
    except ValueError:
        return None


def header_date(value: str | None) -> datetime | None:
    """A Date: header's time, aware; None when it is missing or unreadable."""
    if not value:
        return None
    fast = _rfc5322_date(value)
    if fast is not None:
        return fast
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:  # noqa: BLE001
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
