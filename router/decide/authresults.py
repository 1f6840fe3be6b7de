"""Reading authentication results out of a message's header: plain text in, facts out.

Three kinds of header matter for sender trust:

- `Authentication-Results:` (RFC 8601), written by a mail server that
  checked SPF, DKIM and DMARC.  Only the topmost one of the configured
  authserv-id is believed, and only when no `Received:` of a host other
  than the router itself and the front hosts stands above it: anything
  below a foreign hop may have been written by the sender.  The others of
  that id, and every one of another id, are ignored (section 5 of the RFC).
- `Received:`, to tell who wrote the header fields above a point: the host
  after `by`.
- ARC (RFC 8617): the `ARC-Authentication-Results:` of an instance sealed
  by a trusted forwarder carries what that forwarder saw, once the chain is
  known to validate (see `router.decide.trust`).

Parsing the believed header's results is left to `authres`, the parser
that dkimpy's authors keep; everything else here is a linear scan.  No
header is parsed at all unless its authserv-id (or ARC instance) is the
one wanted, and values are cut to `MAX_VALUE` characters first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import authres

from router.decide.message import ParsedMail

# A real Authentication-Results or Received value is well under 2 KB.
MAX_VALUE = 8192

_TAG = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*([^;]*)")


@dataclass(frozen=True)
class AuthResult:
    """One method's result, as a fact: who says `method=result` for `domain`.

    `domain` is what the result is about: for SPF the domain of the MAIL
    FROM address that was checked, for DKIM the signing domain (`d=`), for
    DMARC the `From:` domain.  `via` names who says so.
    """

    method: str  # "spf" | "dkim" | "dmarc"
    result: str  # "pass", "fail", "softfail", "none", "neutral", "temperror", "permerror"
    domain: str
    via: str

    def __str__(self) -> str:
        return f"{self.method}={self.result} for {self.domain or '?'} ({self.via})"


@dataclass(frozen=True)
class Believed:
    """What the believed `Authentication-Results:` says, and what was passed over."""

    results: tuple[AuthResult, ...] = ()
    arc: str | None = None  # the `arc=` result it records (chain validation), if any
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Comments and tokens.


def _without_comments(value: str) -> str:
    """`value` with RFC 5322 comments (nested parentheses, quoted pairs) removed; linear."""
    if "(" not in value:
        return value
    out: list[str] = []
    depth = 0
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif char == "(":
            depth += 1
            out.append(" ")
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _host(token: str) -> str:
    return token.strip().strip("[]<>").rstrip(".").lower()


def received_by(value: str) -> str | None:
    """The host after `by` in a `Received:` value (lower case), or None.

    Only the part before the date (`;`) is read, comments removed, so a
    `by` inside a comment or the `from` clause's comment does not count.
    """
    tokens = _without_comments(value[:MAX_VALUE]).split(";", 1)[0].split()
    for i, token in enumerate(tokens[:-1]):
        if token.lower() == "by":
            return _host(tokens[i + 1]) or None
    return None


def authserv_id(value: str) -> str | None:
    """The authserv-id an `Authentication-Results:` value starts with (lower case)."""
    head = _without_comments(value[:MAX_VALUE]).split(";", 1)[0].split()
    if not head:
        return None
    return head[0].strip('"').rstrip(".").lower() or None


# --------------------------------------------------------------------------
# The believed header.


def believed_results(mail: ParsedMail, authserv: str, own_hosts: frozenset[str]) -> Believed:
    """The results of the topmost `Authentication-Results:` of `authserv`, if believed.

    `own_hosts`: the router's own host name and the front hosts, the only
    writers of `Received:` fields allowed above it.
    """
    wanted = authserv.rstrip(".").lower()
    foreign: str | None = None
    for name, value in mail.headers:
        lowered = name.lower()
        if lowered == "received":
            host = received_by(value)
            if foreign is None and host not in own_hosts:
                foreign = host or "a host that gave no name"
        elif lowered == "authentication-results" and authserv_id(value) == wanted:
            if foreign is not None:
                return Believed(notes=(
                    f"Authentication-Results of {wanted} not believed: it stands below a "
                    f"Received: by {foreign}, not a front host",))
            return _read(value, f"Authentication-Results of {wanted}")
    return Believed(notes=(f"no Authentication-Results of {wanted}",))


def _read(value: str, via: str) -> Believed:
    """The spf, dkim, dmarc and arc results of one header value."""
    try:
        header = authres.parse_value(value[:MAX_VALUE])
    except Exception as exc:  # authres raises its own SyntaxError and others
        return Believed(notes=(f"{via}: unreadable ({type(exc).__name__})",))
    results: list[AuthResult] = []
    arc: str | None = None
    for item in header.results:
        method = str(item.method).lower()
        result = str(item.result).lower()
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in item.properties}
        if method == "spf":
            mailfrom = props.get("smtp.mailfrom")
            if mailfrom:  # a HELO-only result says nothing about an address
                results.append(AuthResult("spf", result, _domain_of(mailfrom), via))
        elif method == "dkim":
            domain = props.get("header.d") or _domain_of(props.get("header.i", ""))
            results.append(AuthResult("dkim", result, _host(domain), via))
        elif method == "dmarc":
            results.append(AuthResult("dmarc", result, _host(props.get("header.from", "")),
                                      via))
        elif method == "arc":
            arc = result
    return Believed(tuple(results), arc)


def _domain_of(value: str) -> str:
    """The domain of `local@domain`, or the value itself when it is a bare domain."""
    return _host(value.rpartition("@")[2])


# --------------------------------------------------------------------------
# ARC.


def tags(value: str) -> dict[str, str]:
    """A DKIM-style tag list (`i=1; d=example.com; ...`) as a dict; the first of a tag wins."""
    found: dict[str, str] = {}
    for part in value[:MAX_VALUE].split(";"):
        match = _TAG.match(part)
        if match:
            found.setdefault(match.group(1).lower(), "".join(match.group(2).split()))
    return found


def arc_results(mail: ParsedMail, sealers: list[str]) -> tuple[tuple[AuthResult, ...], str]:
    """What the newest instance sealed by one of `sealers` records, and a note.

    Call only for a chain that validates: then each seal is the sealer's
    own.  An instance whose number appears on more than one seal or
    results header is ambiguous and not read.
    """
    trusted = [s.rstrip(".").lower() for s in sealers]
    seals: dict[int, list[str]] = {}
    for value in mail.header_all("ARC-Seal"):
        values = tags(value)
        if values.get("i", "").isdigit():
            seals.setdefault(int(values["i"]), []).append(values.get("d", "").lower())
    chosen = None
    for instance in sorted(seals, reverse=True):
        domains = seals[instance]
        if len(domains) == 1 and _sealed_by(domains[0], trusted):
            chosen = instance
            break
    if chosen is None:
        return (), f"no ARC seal by {', '.join(trusted) or 'a trusted sealer'}"
    sealer = seals[chosen][0]
    records = []
    for value in mail.header_all("ARC-Authentication-Results"):
        head, _, rest = value.partition(";")
        if tags(head).get("i") == str(chosen):
            records.append(rest)
    if len(records) != 1:
        return (), f"ARC instance {chosen} of {sealer}: no single ARC-Authentication-Results"
    read = _read(records[0], f"ARC of {sealer}, i={chosen}")
    note = read.notes[0] if read.notes else f"ARC of {sealer} (i={chosen}) read"
    return read.results, note


def _sealed_by(domain: str, trusted: list[str]) -> bool:
    return any(domain == t or domain.endswith("." + t) for t in trusted)
