"""Value types of the config: durations, sizes, money, addresses.

Each is a pydantic-annotated type, so a bad value is reported by the
validator at the position of that value, with a message saying what a
good one looks like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import email_validator
import iso4217
import pycountry
from pydantic import BeforeValidator, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB|k|K|M|G)?\s*$")
_SIZE_UNITS = {
    None: 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9,
    "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30,
}
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,6})?$")
_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,4})?$")


def parse_duration(value: Any) -> timedelta:
    """`30s`, `5m`, `2h`, `7d`, `1w`; a bare number of seconds is refused
    because `60` alone is ambiguous to a reader of the file."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=int(match.group(1)) * _DURATION_UNITS[match.group(2)])
    raise ValueError(
        f"bad duration {value!r}: write a number and a unit s, m, h or d, like 30s or 5m"
    )


def parse_size(value: Any) -> int:
    """`25MB` (decimal units), `25MiB` (binary) or a plain number of bytes."""
    if isinstance(value, bool):
        raise ValueError(f"bad size {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"bad size {value!r}: must not be negative")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            return int(match.group(1)) * _SIZE_UNITS[match.group(2)]
    raise ValueError(f"bad size {value!r}: write a number and a unit, like 25MB or 512KB")


def parse_money(value: Any) -> Decimal:
    """A non-negative amount, e.g. "0.09"; its places are checked against the
    currency's minor unit where the currency is known (config checks).

    Strings and integers are taken as written; YAML floats reach us as
    Decimal built from their source text (see yamlsource), never as float.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"bad amount {value!r}: write it as a decimal string like \"0.09\"")
    text = str(value).strip()
    if text.startswith("-"):
        raise ValueError(f"bad amount '{text}': must not be negative")
    if not _MONEY.match(text):
        raise ValueError(
            f"bad amount '{text}': write a decimal like \"0.09\""
        )
    return Decimal(text)


def currency_places(code: str) -> int | None:
    """Decimal places of an ISO 4217 currency's minor unit (EUR 2, JPY 0); None: unknown."""
    try:
        exponent = iso4217.Currency(code).exponent
    except ValueError:
        return None
    return exponent


def parse_currency(value: Any) -> str:
    """An ISO 4217 code of a currency with a minor unit (EUR, USD, JPY)."""
    if isinstance(value, str) and currency_places(value.strip()) is not None:
        return value.strip()
    raise ValueError(f"bad currency {value!r}: use an ISO 4217 code like EUR, USD or JPY")


def parse_percent(value: Any) -> Decimal:
    """A discount in percent, 0 to 100, as a decimal string ("15", "12.5")."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"bad percent {value!r}: write it as a decimal string like \"15\"")
    text = str(value).strip()
    if not _PERCENT.match(text) or Decimal(text) > 100:
        raise ValueError(f"bad percent '{text}': write a number from 0 to 100, like \"15\"")
    return Decimal(text)


def parse_fraction(value: Any) -> Decimal:
    """A CPU bound such as 0.05 (5 %), kept exact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"bad number {value!r}")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"bad number '{value}': write a decimal fraction like 0.05") from None
    if not result.is_finite() or result < 0:
        raise ValueError(f"bad number '{value}': must be a non-negative decimal like 0.05")
    return result


def parse_email(value: Any) -> str:
    """A single mailbox address, lower-cased for matching."""
    if not isinstance(value, str):
        raise ValueError(f"bad e-mail address {value!r}")
    try:
        checked = email_validator.validate_email(
            value.strip(),
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
        )
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"bad e-mail address {value!r}: {exc}") from None
    domain = checked.normalized.rsplit("@", 1)[1]
    if "." not in domain.strip("."):
        raise ValueError(f"bad e-mail address {value!r}: the domain {domain!r} has no dot "
                         "(write the full domain, like example.com)")
    return checked.normalized.lower()


def parse_address_pattern(value: Any) -> str:
    """An exact address, or `*@domain` for every address of one domain."""
    if isinstance(value, str) and value.strip().startswith("*@"):
        domain = value.strip()[2:]
        checked = parse_email(f"x@{domain}")
        return "*@" + checked.split("@", 1)[1]
    return parse_email(value)


def parse_language(value: Any) -> str:
    """A two-letter ISO 639-1 code, lower-cased (`de`, `zh`); `xx` is no language."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        code = value.strip().lower()
        if pycountry.languages.get(alpha_2=code) is not None:
            return code
        raise ValueError(f"bad language {value!r}: not an ISO 639-1 code; use one like de, "
                         "fr, en, zh")
    raise ValueError(f"bad language {value!r}: use a two-letter ISO 639-1 code like de, fr, zh")


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(value: Any) -> Listen:
    """`HOST:PORT` or `[IPv6]:PORT`."""
    if isinstance(value, Listen):
        return value
    text = str(value).strip()
    match = re.match(r"^\[([^\]]+)\]:(\d+)$", text) or re.match(r"^([^:\[\]]+):(\d+)$", text)
    if not match or not 0 < int(match.group(2)) < 65536:
        raise ValueError(f"bad listen address {value!r}: write HOST:PORT, like 127.0.0.1:2525")
    return Listen(match.group(1), int(match.group(2)))


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
Money = Annotated[Decimal, BeforeValidator(parse_money), PlainSerializer(str)]
Fraction = Annotated[Decimal, BeforeValidator(parse_fraction), PlainSerializer(str)]
Percent = Annotated[Decimal, BeforeValidator(parse_percent), PlainSerializer(str)]
Currency = Annotated[str, BeforeValidator(parse_currency)]
Email = Annotated[str, BeforeValidator(parse_email)]
AddressPattern = Annotated[str, BeforeValidator(parse_address_pattern)]
ListenAddress = Annotated[Listen, BeforeValidator(parse_listen)]
