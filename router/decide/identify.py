"""Who handed a message over (seller) and to which csba address (region).

The lookup order is the contract's: for the seller the SMTP envelope sender,
`Resent-From`, `X-Forwarded-For`, `Return-Path`, `From`; for the region the
envelope recipients, `X-Original-To`, `Delivered-To`, `To`/`Cc`, the IMAP
account's region.  The first source with an address that matches wins, so
a forwarding mailbox (envelope, Resent-From) is believed before the From
header, which in a server-side forward is the customer's.

Seller addresses are exact (lower-case) or `*@domain`.  Per candidate
address an exact entry wins over a domain pattern, then the address
without its `+tag` is tried (Gmail's auto-forward envelope sender is
`seller+caf_=csba-de2de=amazon.de@gmail.com`).  A domain pattern matches
only that very domain, case-insensitive: `*@example.cn` does not match
`x@mail.example.cn`, `x@shop.example.cn.evil.com` or `x@example.cn-mail.com`;
an admin who wants subdomains lists them, because anyone can own a
lookalike domain and suffix rules are easy to get wrong.

Every match carries `Evidence` of where it was found, and the candidates
that did not match, for `--explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from router.config.model import Config, Region, Seller
from router.mail.addresses import header_addresses, strip_tag, valid_address
from router.mail.message import Envelope, Evidence, ParsedMail

T = TypeVar("T")

SELLER_SOURCES = ("envelope sender", "Resent-From", "X-Forwarded-For", "Return-Path", "From")
REGION_SOURCES = ("envelope recipient", "X-Original-To", "Delivered-To", "To", "Cc",
                  "IMAP account")
NOT_AN_ADDRESS = "not a valid address"


# --------------------------------------------------------------------------
# A cache of what is compiled from one config object.

_CACHE_SIZE = 8
_caches: dict[str, dict[int, tuple[Config, object]]] = {}


def cached_per_config(build: Callable[[Config], T]) -> Callable[[Config], T]:
    """Call `build` once per Config object; later calls return its result.

    Keyed on the object's id and holding the object itself, so an id is not
    reused while its entry lives; a few entries are kept (a reload makes a
    new Config, the old entry ages out).
    """
    cache = _caches.setdefault(f"{build.__module__}.{build.__qualname__}", {})

    def cached(config: Config) -> T:
        entry = cache.get(id(config))
        if entry is not None and entry[0] is config:
            return entry[1]  # type: ignore[return-value]
        value = build(config)
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[id(config)] = (config, value)
        return value

    return cached


# --------------------------------------------------------------------------
# Results.


@dataclass(frozen=True)
class SellerMatch:
    """The seller found, the address and header it was found in, and how."""

    seller: Seller
    address: str
    source: str
    how: str  # "exact", "exact without +tag", "domain"
    pattern: str  # the configured entry that matched
    evidence: Evidence
    tried: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class RegionMatch:
    """The region found and where its address (or name) was found."""

    name: str
    region: Region
    address: str
    source: str
    evidence: Evidence
    tried: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """A match (or None) with every candidate that was tried and did not match."""

    match: T | None
    tried: tuple[Evidence, ...] = field(default=())


# --------------------------------------------------------------------------
# Seller.


@dataclass(frozen=True)
class _SellerIndex:
    exact: dict[str, Seller]
    domains: dict[str, Seller]


@cached_per_config
def _seller_index(config: Config) -> _SellerIndex:
    exact: dict[str, Seller] = {}
    domains: dict[str, Seller] = {}
    for seller in config.sellers:
        for entry in seller.addresses:
            entry = entry.strip().lower()
            if entry.startswith("*@"):
                domains.setdefault(entry[2:].rstrip("."), seller)
            else:
                exact.setdefault(entry, seller)
    return _SellerIndex(exact, domains)


def seller_candidates(mail: ParsedMail, envelope: Envelope) -> Iterator[tuple[str, str]]:
    """(source, address) pairs in lookup order, lower-cased, without repeats per source.

    Lazy: the lookup stops at the first match, mostly the envelope sender,
    and the later headers (From needs the costly address parser) are then
    not read.
    """
    def found() -> Iterator[tuple[str, str]]:
        if envelope.mail_from:
            yield from (("envelope sender", a) for a in header_addresses(envelope.mail_from))
        for name in SELLER_SOURCES[1:]:
            for value in mail.header_all(name):
                several = name == "X-Forwarded-For"
                yield from ((name, a) for a in header_addresses(value, several=several))

    return _unique(found())


def lookup_seller(config: Config, mail: ParsedMail, envelope: Envelope) -> Lookup[SellerMatch]:
    """The first candidate that is a seller's address, with the misses before it.

    A candidate that is no address a notice could go to (`a@b@example.com`)
    is passed over with that said: it must not pick a seller whose answer
    could then not be written.
    """
    index = _seller_index(config)
    tried: list[Evidence] = []
    for source, address in seller_candidates(mail, envelope):
        if not valid_address(address):
            tried.append(Evidence("seller-candidate", f"{address}: {NOT_AN_ADDRESS}", source))
            continue
        hit = _match_seller(index, address)
        if hit is None:
            tried.append(Evidence("seller-candidate", f"{address}: no seller", source))
            continue
        seller, how, pattern = hit
        detail = f"{seller.id}: {address} matches {pattern} ({how})"
        return Lookup(
            SellerMatch(seller, address, source, how, pattern,
                        Evidence("seller", detail, source), tuple(tried)),
            tuple(tried),
        )
    if not tried:
        tried.append(Evidence("seller-candidate", "no sender address found", "headers"))
    return Lookup(None, tuple(tried))


def find_seller(config: Config, mail: ParsedMail, envelope: Envelope) -> SellerMatch | None:
    """The seller who handed `mail` over, or None (see module doc for the order)."""
    return lookup_seller(config, mail, envelope).match


def seller_addresses(config: Config, mail: ParsedMail, envelope: Envelope,
                     seller: Seller) -> list[tuple[str, str]]:
    """Every (source, address) candidate that is an address of `seller`, in lookup order.

    The mail may name the seller more than once (envelope and From:);
    sender trust asks which of them the mail proves.
    """
    index = _seller_index(config)
    found: list[tuple[str, str]] = []
    for source, address in seller_candidates(mail, envelope):
        if valid_address(address):
            hit = _match_seller(index, address)
            if hit is not None and hit[0] is seller:
                found.append((source, address))
    return found


@cached_per_config
def _team_index(config: Config) -> frozenset[str]:
    return frozenset(a.strip().lower() for region in config.regions.values()
                     for a in region.teams)


def team_addresses(config: Config, mail: ParsedMail,
                   envelope: Envelope) -> list[tuple[str, str]]:
    """Every (source, address) candidate that is a region's team address, in lookup order."""
    index = _team_index(config)
    return [(source, address) for source, address in seller_candidates(mail, envelope)
            if valid_address(address) and (address in index or strip_tag(address) in index)]


def _match_seller(index: _SellerIndex, address: str) -> tuple[Seller, str, str] | None:
    if address in index.exact:
        return index.exact[address], "exact", address
    untagged = strip_tag(address)
    if untagged != address and untagged in index.exact:
        return index.exact[untagged], "exact without +tag", untagged
    domain = address.rsplit("@", 1)[1].rstrip(".")
    if domain in index.domains:
        return index.domains[domain], "domain", f"*@{domain}"
    return None


# --------------------------------------------------------------------------
# Region.


@cached_per_config
def _region_index(config: Config) -> dict[str, str]:
    return {region.address.strip().lower(): name for name, region in config.regions.items()}


def region_candidates(mail: ParsedMail, envelope: Envelope) -> Iterator[tuple[str, str]]:
    """(source, address) pairs in lookup order for the region (lazy, as for the seller)."""
    def found() -> Iterator[tuple[str, str]]:
        for rcpt in envelope.rcpt_tos:
            yield from (("envelope recipient", a) for a in header_addresses(rcpt))
        for name in REGION_SOURCES[1:5]:
            for value in mail.header_all(name):
                yield from ((name, a) for a in header_addresses(value, several=True))

    return _unique(found())


def lookup_region(config: Config, mail: ParsedMail, envelope: Envelope) -> Lookup[RegionMatch]:
    """The first candidate that is a region's csba address, else the IMAP account's region."""
    index = _region_index(config)
    tried: list[Evidence] = []
    for source, address in region_candidates(mail, envelope):
        name = index.get(address) or index.get(strip_tag(address))
        if name is None:
            tried.append(Evidence("region-candidate", f"{address}: no region", source))
            continue
        evidence = Evidence("region", f"{name}: {address}", source)
        match = RegionMatch(name, config.regions[name], address, source, evidence, tuple(tried))
        return Lookup(match, tuple(tried))
    imap = envelope.imap_region
    if imap:
        if imap in config.regions:
            evidence = Evidence("region", f"{imap}: mailbox of the region", "IMAP account")
            match = RegionMatch(imap, config.regions[imap], config.regions[imap].address,
                                "IMAP account", evidence, tuple(tried))
            return Lookup(match, tuple(tried))
        tried.append(Evidence("region-candidate", f"{imap}: no such region", "IMAP account"))
    return Lookup(None, tuple(tried))


def find_region(config: Config, mail: ParsedMail, envelope: Envelope) -> RegionMatch | None:
    """The region the message was sent to, or None (see module doc for the order)."""
    return lookup_region(config, mail, envelope).match


def _unique(pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair not in seen:
            seen.add(pair)
            yield pair
