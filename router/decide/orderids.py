"""Amazon order ids (`\\d{3}-\\d{7}-\\d{7}`) mentioned in a customer's text.

The order decides the category (seller- or Amazon-fulfilled, placed while
enrolled or not), so ids are read generously where people and mail
programs bend them, and strictly where a digit run is something else:

- The separators may be any dash a keyboard or word processor produces
  (hyphen, non-breaking hyphen, figure dash, en and em dash, minus sign,
  the full-width hyphen of Chinese input methods), with optional spaces
  around them: "302 – 1234567 – 1234567" is the id 302-1234567-1234567.
  Digits are ASCII only after normalising full-width digits (０-９), which
  Chinese and Japanese input methods write.
- Spaces alone are not a separator: "302 1234567 1234567" is as likely
  three numbers (phone, postcode, amount) as an order id.
- An id must not touch further digits or Latin letters on either side:
  "1302-1234567-12345678" and "A302-1234567-1234567" (a SKU) are not ids,
  nor is a piece of a longer dash-separated number ("9-302-1234567-1234567").
  Chinese characters may touch it: "订单号302-1234567-1234567的包裹".
"""

from __future__ import annotations

import re

# Dashes normalised to "-": hyphen-minus, hyphen, non-breaking hyphen,
# figure dash, en dash, em dash, minus sign, small and full-width
# hyphen-minus.
_DASHES = r"\-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
_SEP = rf"[ \t\u00a0\u202f]*[{_DASHES}][ \t\u00a0\u202f]*"

# ASCII digits only ([0-9], not \d, which takes any script's digits).
# Neighbours that make a digit run something else: ASCII letters, digits and
# "_" (SKUs, longer numbers), or a dash before it.  Chinese text may touch
# the id directly ("订单号302-...的"), so other scripts' letters may.
# The neighbour before is tested after the first digit (a lookbehind over
# it and that digit): a pattern that starts with a digit lets the regex
# engine skip to the digits of a text instead of trying every position.
ORDER_ID = re.compile(
    rf"([0-9](?<![A-Za-z0-9_{_DASHES}][0-9])[0-9]{{2}}){_SEP}([0-9]{{7}}){_SEP}([0-9]{{7}})"
    rf"(?![A-Za-z0-9_]|[{_DASHES}][0-9])"
)

# Full-width digits to ASCII, so "３０２－..." from CJK input is read.
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Translating looks up every character in Python objects; most text has no
# full-width digit, which one regex pass in C tells (and Latin-1 text, most
# mail, has none at all: encoding it is a copy).
_FULLWIDTH = re.compile("[０-９]")


def _has_fullwidth_digit(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return _FULLWIDTH.search(text) is not None
    return False


def find_order_ids(*texts: str) -> list[str]:
    """Every order id in `texts`, in order of first mention, without repeats."""
    seen: dict[str, None] = {}
    for text in texts:
        if _has_fullwidth_digit(text):
            text = text.translate(_FULLWIDTH_DIGITS)
        for match in ORDER_ID.finditer(text):
            seen.setdefault("-".join(match.groups()), None)
    return list(seen)
