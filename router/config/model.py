"""The typed shape of `router.yaml`, one pydantic model per section.

Per-value rules live in the types (router.config.types); rules that relate
several values (a seller's region must exist, periods must not overlap)
live in router.config.checks, where they can point at the exact value.
"""

from __future__ import annotations

import re
import socket
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction as PyFraction
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from router.config.errors import Problem
from router.config.types import (
    AddressPattern,
    Currency,
    Duration,
    Email,
    Fraction,
    Listen,
    ListenAddress,
    Money,
    Percent,
    Size,
    parse_language,
)

Language = Annotated[str, BeforeValidator(parse_language)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Instance(_Section):
    hostname: str = Field(default_factory=socket.getfqdn)
    data_dir: Path = Path("./var")
    # /metrics, /livez, /readyz; None: no HTTP listener.
    http: ListenAddress | None = None
    # A message that takes longer to decide goes to the failed list.
    decide_timeout: Duration = timedelta(seconds=30)
    # How long work a pipeline process claimed stays its own: a process that
    # died leaves its messages and mail to the others after this (its mail
    # being delivered after half as long again).  At most 60s: the contract
    # takes a dead instance's work over within 2 minutes.  An addition.
    lease: Duration = timedelta(seconds=60)
    # Pipeline processes of `serve` (deciding, acting, delivering); None: one
    # per CPU, at most 4.  An addition to the contract's config shape.
    workers: int | None = Field(default=None, ge=1, le=64)

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", value):
            raise ValueError(f"bad host name {value!r}")
        return value.lower()

    @field_validator("lease")
    @classmethod
    def _lease(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=5) <= value <= timedelta(seconds=60):
            raise ValueError("a lease from 5s to 60s (a dead instance's work is taken over "
                             "within 2 minutes)")
        return value


class Storage(_Section):
    url: str | None = None  # default: sqlite:///<data_dir>/router.db

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError(
                f"bad storage url {value!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
            )
        return value


class Smtp(_Section):
    listen: ListenAddress = Listen("127.0.0.1", 2525)
    max_message_size: Size = 25_000_000
    max_recipients: int = Field(default=10, ge=1)
    max_connections: int = Field(default=500, ge=1)
    max_connections_per_ip: int = Field(default=50, ge=1)
    idle_timeout: Duration = timedelta(minutes=5)
    session_timeout: Duration = timedelta(minutes=30)
    # Bytes of DATA all sessions may hold at once (memory); past it new DATA
    # gets 452 4.3.1.  None: 4 x max_message_size (100MB when that is 0).  An
    # addition to the contract's config shape (router.intake.data).
    max_data_in_flight: Size | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None


class ImapAccount(_Section):
    name: str
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str
    password: str = Field(repr=False)
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    region: str
    poll_interval: Duration = timedelta(seconds=60)
    idle: bool = True
    # PEM file of CA certificate(s) trusted for tls/starttls (a self-signed
    # server certificate works); default: the system's trust store.
    ca_file: Path | None = None


class Outbound(_Section):
    transport: str = "maildir://./var/outbox"
    from_address: Email = "csba-noreply@amazon.de"
    retry_schedule: list[Duration] = Field(
        default_factory=lambda: [timedelta(minutes=m) for m in (1, 5, 30, 120, 360)],
        min_length=1,
    )
    give_up_after: Duration = timedelta(days=5)

    @field_validator("transport")
    @classmethod
    def _transport(cls, value: str) -> str:
        if value.startswith("maildir://") and len(value) > len("maildir://"):
            return value
        if re.fullmatch(r"smtp://[^:/\s]+(:\d{1,5})?/?", value):
            return value
        raise ValueError(
            f"bad transport {value!r}: use maildir://DIR or smtp://HOST:PORT"
        )


class Region(_Section):
    address: Email
    marketplace: str
    language: Language = "en"
    forward_to: Email
    # Whose mail about a case is relayed to sellers; None: `forward_to` only.
    team_addresses: list[Email] | None = None
    bsm_address: Email | None = None

    @property
    def teams(self) -> list[str]:
        """The team addresses in force (`team_addresses`, else `forward_to`)."""
        return list(self.team_addresses) if self.team_addresses else [self.forward_to]


class Period(_Section):
    start: date
    end: date | None = None


class Seller(_Section):
    id: str = Field(min_length=1)
    name: str = ""
    region: str
    addresses: list[AddressPattern] = Field(min_length=1)
    notify: Email | None = None
    language: Language | None = None
    enrollment: list[Period] = Field(default_factory=list)
    # `none`: mail from this seller is believed without authentication
    # (check-config warns about each such exemption).
    trust: Literal["none"] | None = None

    @property
    def notify_address(self) -> str | None:
        """Where statements go: `notify`, else the first exact address."""
        if self.notify:
            return self.notify
        return next((a for a in self.addresses if not a.startswith("*@")), None)


class Rule(_Section):
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    any_keywords: dict[str, list[str]] | None = None
    subject_regex: str | None = None
    from_domain: list[str] | None = None
    has_attachment: bool | None = None

    @field_validator("from_domain", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("subject_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        return value


class Classification(_Section):
    rules: list[Rule] = Field(default_factory=list)
    unknown_order: str | None = None  # an action; checked with the others in checks


class AutoReply(_Section):
    max_notices_per_sender_per_day: int = Field(default=100, ge=0)


class Tier(_Section):
    """One CPU tier: exactly one bound (checked in checks), the fee per unit."""

    cpu_at_most: Fraction | None = None  # CPU <= bound; None on the last tier: no bound
    cpu_below: Fraction | None = None  # CPU < bound
    fee: Money

    def admits(self, cpu: PyFraction) -> bool:
        """Whether a CPU falls in this tier (its bound only; tiers are tried in order)."""
        if self.cpu_below is not None:
            return cpu < PyFraction(self.cpu_below)
        return self.cpu_at_most is None or cpu <= PyFraction(self.cpu_at_most)

    @property
    def bound(self) -> Decimal | None:
        """The tier's upper bound, whichever key gives it (None: unbounded)."""
        return self.cpu_below if self.cpu_below is not None else self.cpu_at_most


class LowVolume(_Section):
    """Few units (or orders) in the CPU window: the fee per unit is capped."""

    max_units: int | None = Field(default=None, ge=0)  # window units <= N
    orders_below: int | None = Field(default=None, ge=0)  # distinct window orders < N
    fee: Money


class Rewards(_Section):
    """Valid Tracking Rate rewards: a per-tier discount when the figures meet the bounds."""

    vtr_at_least: Fraction
    aprl_at_least: Fraction | None = None
    discounts: list[Percent] = Field(min_length=1)


class FeeSchedule(_Section):
    """One marketplace's fee schedule, or one dated version of it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    valid_from: date | None = Field(default=None, alias="from")
    currency: Currency
    tiers: list[Tier] = Field(min_length=1)
    trial_days: int | None = Field(default=None, ge=0)
    low_volume: LowVolume | None = None
    rewards: Rewards | None = None


def _versions(value: object) -> object:
    """One schedule is a list of one version."""
    return [value] if isinstance(value, dict) else value


Schedules = Annotated[list[FeeSchedule], BeforeValidator(_versions)]


class StatementSchedule(_Section):
    """When the monthly statements go out: day 1 at this local time."""

    enabled: bool = True
    hour: int = Field(default=6, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    timezone: str = "Europe/Berlin"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, like Europe/Berlin") from None
        return value


class Billing(_Section):
    trial_days: int = Field(default=30, ge=0)
    cpu_window_months: int = Field(default=3, ge=1, le=24)
    contact_window: Duration = timedelta(hours=24)
    # Per marketplace its dated versions, ascending (one undated schedule: one version).
    fees: dict[str, Schedules] = Field(default_factory=dict)
    statements: StatementSchedule = Field(default_factory=StatementSchedule)


class Trust(_Section):
    """Which mail is believed to come from the seller or team address it names."""

    authserv_id: str | None = None  # believe the topmost Authentication-Results of this id
    front_hosts: list[str] | None = None  # hosts whose Received: may stand above it
    verify: bool = False  # check DKIM, SPF and DMARC here too
    require: Literal["dmarc", "spf_or_dkim"] = "dmarc"
    arc_sealers: list[str] = Field(default_factory=list)
    resolver: ListenAddress | None = None  # DNS server HOST:PORT; None: the system's

    @property
    def trusted_front_hosts(self) -> list[str]:
        """`front_hosts`, else the host named by the authserv-id."""
        if self.front_hosts is not None:
            return [h.lower() for h in self.front_hosts]
        return [self.authserv_id.lower()] if self.authserv_id else []


class Cases(_Section):
    """The CSBA team's questions to sellers: when an answer is due."""

    answer_within: Duration = timedelta(hours=24)
    remind_after: Duration = timedelta(hours=12)


class Templates(_Section):
    override_dir: Path | None = None  # files here replace templates/ files of the same name


class Config(_Section):
    """The whole router config, as validated and ready to use."""

    instance: Instance = Field(default_factory=Instance)
    storage: Storage = Field(default_factory=Storage)
    smtp: Smtp = Field(default_factory=Smtp)
    imap: list[ImapAccount] = Field(default_factory=list)
    outbound: Outbound = Field(default_factory=Outbound)
    regions: dict[str, Region] = Field(min_length=1)
    sellers: list[Seller] = Field(default_factory=list)
    sellers_file: Path | None = None
    classification: Classification = Field(default_factory=Classification)
    actions: dict[str, str] = Field(default_factory=dict)  # checked in checks
    auto_reply: AutoReply = Field(default_factory=AutoReply)
    templates: Templates = Field(default_factory=Templates)
    billing: Billing = Field(default_factory=Billing)
    trust: Trust | None = None  # absent: addresses are believed as written
    cases: Cases = Field(default_factory=Cases)
    source: Path | None = Field(default=None, exclude=True)
    # `PATH:LINE:COLUMN: warning: ...` problems that do not stop the config.
    warnings: tuple[Problem, ...] = Field(default=(), exclude=True)

    @property
    def storage_url(self) -> str:
        return self.storage.url or f"sqlite:///{self.instance.data_dir / 'router.db'}"

    def seller(self, seller_id: str) -> Seller | None:
        return next((s for s in self.sellers if s.id == seller_id), None)

    def action_for(self, category: str) -> str:
        """The action of a category: `actions:`, then `unknown_order`, then defaults."""
        from router.categories import DEFAULT_ACTIONS, ORDER_UNKNOWN

        if category in self.actions:
            return self.actions[category]
        if category == ORDER_UNKNOWN and self.classification.unknown_order:
            return self.classification.unknown_order
        return DEFAULT_ACTIONS[category]

    def fee_schedule(self, marketplace: str, on: date | None = None) -> FeeSchedule | None:
        """The version in force on day `on` (default: today, UTC); None: no schedule.

        The last version whose `from` is on or before the day; a day before
        the first version is billed by the first.
        """
        versions = self.billing.fees.get(marketplace)
        if not versions:
            return None
        day = on or datetime.now(UTC).date()
        chosen = versions[0]
        for version in versions:
            if version.valid_from is None or version.valid_from <= day:
                chosen = version
        return chosen



