"""E-mail addresses in header values and text: where they are, and what they are.

Three patterns, because the readers want different things from the same
characters, and each reader's answers are relied on (tests/decide, the
labelled and blind sets):

- `ADDRESS`, strict: a dot-atom local part and a domain of letters,
  digits and hyphens with at least one dot.  For an address inside text a
  person wrote: the sender of a message (`first_address`, after the
  address parser) and the header lines of a forward quoted in a body
  (`named_address`, `addresses_in`), where a lax pattern would take the
  neighbouring punctuation or words along.
- `CANDIDATE`, lax: a run without blanks, brackets, quotes or separators
  around an `@`, several `@` included.  For the addresses deciding looks
  sellers and regions up by (`header_addresses`): `a@b@example.com` is
  taken in one piece so that it can be reported as no valid address
  (`valid_address`) instead of its tail `b@example.com`, which the strict
  pattern would find, being matched to a seller.
- `RECORDED`: the same run with one `@` and no dot needed
  (`root@localhost`).  For what a delivery agent recorded in an archived
  message (`recorded_addresses`: Return-Path, Delivered-To), read as
  written.

Every pattern starts a match only where a run of its characters starts
(the lookbehind): a search retried at every character of a long run with
no `@` after it was quadratic (a 20,000-character From: took 20 s).
"""

from __future__ import annotations

import re
from email.utils import getaddresses

_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]"
ADDRESS = re.compile(rf"(?<!{_LOCAL}){_LOCAL}+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

_CANDIDATE_CHAR = r"[^\s<>,;:\"'()\[\]]"
CANDIDATE = re.compile(rf"(?<!{_CANDIDATE_CHAR}){_CANDIDATE_CHAR}+@{_CANDIDATE_CHAR}+")

_RECORDED_CHAR = r"[^\s<>()\",;:@]"
RECORDED = re.compile(rf"(?<!{_RECORDED_CHAR}){_RECORDED_CHAR}+@{_RECORDED_CHAR}+")

# "<a@b>", "[mailto:a@b]": the token in brackets, if it has an "@" inside.
# The token is taken whole (possessive) after a lookahead for the "@": as
# "[^...]+@[^...]+?" it was retried for every "@" of the token, each time
# to its end (quadratic: "<a@a@a@..." of 40,000 characters took 138 s).
_TOKEN = r"[^<>\[\]\s]"
_BRACKETED = re.compile(
    rf"[<\[](?:mailto:)?\s*(?={_TOKEN}+@{_TOKEN})({_TOKEN}++)\s*[>\]]", re.I)

# "Name <local@example.com>" or a bare address, with nothing that needs the
# full address parser (quotes, comments, groups, dots in the name): what
# `getaddresses` gives for these is the address as written.
_SIMPLE_MAILBOX = re.compile(
    r"[ \t]*(?:\w+(?:[ \t]+\w+)*[ \t]*<(?P<angle>{addr})>|(?P<bare>{addr}))[ \t]*".format(
        addr=r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"))


# --------------------------------------------------------------------------
# Strict: addresses in what people wrote.


def first_address(value: str | None) -> str | None:
    """Bare lower-cased address of the first mailbox in a From-like header value."""
    if not value:
        return None
    simple = _SIMPLE_MAILBOX.fullmatch(value)
    if simple is not None:
        return (simple.group("angle") or simple.group("bare")).lower()
    try:
        for _name, addr in getaddresses([value]):
            if "@" in addr and ADDRESS.fullmatch(addr.strip()):
                return addr.strip().lower()
    except Exception:  # noqa: BLE001 - getaddresses chokes on some junk
        pass
    match = ADDRESS.search(value)
    return match.group(0).lower() if match else None


def named_address(value: str) -> str | None:
    """Bare lower-cased address in a quoted header line ("Name <a@b>", "[mailto:a@b]")."""
    if not value:
        return None
    match = _BRACKETED.search(value)
    if match and ADDRESS.fullmatch(match.group(1)):
        return match.group(1).lower()
    match = ADDRESS.search(value)
    return match.group(0).lower().rstrip(".") if match else None


def addresses_in(value: str) -> set[str]:
    """Every address in `value`, lower-cased."""
    return {m.group(0).lower() for m in ADDRESS.finditer(value)}


# --------------------------------------------------------------------------
# Lax: the candidates deciding looks sellers and regions up by.


def header_addresses(value: str, several: bool = False) -> list[str]:
    """Lower-case addresses in a header value or envelope address.

    `several`: the value may hold addresses separated by spaces only
    (X-Forwarded-For, Delivered-To), which getaddresses reads wrongly.
    """
    if several or "<" not in value and "," not in value:
        found = CANDIDATE.findall(value)
    else:
        found = [addr for _name, addr in getaddresses([value]) if "@" in addr]
        if not found:
            found = CANDIDATE.findall(value)
    return [a.strip().strip(".").lower() for a in found if _plausible(a)]


def valid_address(address: str) -> bool:
    """One `@` between a local part and a domain: an address mail can be sent to.

    Candidates are found by a lax pattern (`CANDIDATE`), which also takes
    `a@b@example.com` in one piece.
    """
    local, at, domain = address.partition("@")
    return bool(local and at and domain) and "@" not in domain


def _plausible(address: str) -> bool:
    local, _, domain = address.rpartition("@")
    return bool(local) and "." in domain and not domain.startswith(".")


def strip_tag(address: str) -> str:
    """`local+tag@domain` → `local@domain` (sub-addressing, RFC 5233)."""
    local, _, domain = address.rpartition("@")
    if "+" in local and not local.startswith("+"):
        local = local.split("+", 1)[0]
    return f"{local}@{domain}"


# --------------------------------------------------------------------------
# Recorded: what a delivery agent wrote.


def recorded_addresses(value: str) -> list[str]:
    """The addresses of an archived Return-Path or Delivered-To value, as written."""
    try:
        found = [addr for _name, addr in getaddresses([value]) if "@" in addr]
    except Exception:  # noqa: BLE001 - getaddresses chokes on some junk
        found = []
    if not found:
        found = RECORDED.findall(value)
    return [a.strip() for a in found if a.strip()]
