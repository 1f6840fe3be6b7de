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

Everything here is a linear scan (see `parse`).  No header is read in full
unless its authserv-id (or ARC instance) is the one wanted, and values are
cut to `MAX_VALUE` characters first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.mail.message import ParsedMail

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
        return f"{self.said()} ({self.via})"

    def said(self) -> str:
        """`method=result for domain`, without who says so."""
        return f"{self.method}={self.result}" + (f" for {self.domain}" if self.domain else "")


@dataclass(frozen=True)
class Believed:
    """What the believed `Authentication-Results:` says, and what was passed over."""

    results: tuple[AuthResult, ...] = ()
    arc: str | None = None  # the `arc=` result it records (chain validation), if any
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Comments and tokens.

# Quoted strings, parentheses, quoted pairs and runs of anything else: every
# alternative starts with its own character and none can backtrack, so one
# pass over a value is linear however it is nested or left unterminated.
_COMMENT_PARTS = re.compile(r'"(?:[^"\\]|\\.)*"?|[()]|\\.?|[^"()\\]+')
# After comments: quoted strings, "=" and ";" on their own, runs of the rest.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[=;]|[^\s=;"]+')


def _without_comments(value: str) -> str:
    """`value` with RFC 5322 comments (nested, quoted pairs) replaced by spaces; linear.

    Parentheses inside a quoted string are no comment.
    """
    if "(" not in value:
        return value
    out: list[str] = []
    depth = 0
    for part in _COMMENT_PARTS.findall(value):
        if part == "(":
            depth += 1
        elif part == ")" and depth:
            depth -= 1
            if not depth:
                out.append(" ")
        elif not depth:
            out.append(part)
    return "".join(out)


def _unquote(token: str) -> str:
    if token.startswith('"'):
        return re.sub(r"\\(.)", r"\1", token[1:-1] if token.endswith('"') and len(token) > 1
                      else token[1:])
    return token


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


def parse(value: str) -> tuple[str | None, list[tuple[str, str, dict[str, str]]]]:
    """An `Authentication-Results:` value: its authserv-id, and per result the
    method, the result and the properties (`ptype.property` -> value, `reason`).

    RFC 8601 section 2.2, read leniently: comments anywhere, quoted values,
    a method version (`dkim/1`); a result that cannot be read is left out,
    the rest still count.  Linear in the value's length (cut to `MAX_VALUE`).

    (authres, the parser dkimpy's authors keep, reads the same and is used
    to check this one in the tests; it costs half a millisecond a header,
    a third of what the pipeline spends on a message.)
    """
    tokens = _TOKENS.findall(_without_comments(value[:MAX_VALUE]))
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == ";":
            parts.append([])
        else:
            parts[-1].append(token)
    head = parts[0]
    authserv = _unquote(head[0]).rstrip(".").lower() if head else None
    results: list[tuple[str, str, dict[str, str]]] = []
    for part in parts[1:]:
        if not part:
            continue
        method, _, _version = part[0].partition("/")
        k = 1
        if not _version and k < len(part) and part[k].startswith("/"):
            k += 1 if part[k] != "/" else 2  # `dkim /1` or `dkim / 1`
        if len(part) < k + 2 or part[k] != "=":
            continue  # `none`, or a result that cannot be read
        outcome = _unquote(part[k + 1]).lower()
        method = method.lower()
        props: dict[str, str] = {}
        k += 2
        while k + 2 < len(part):
            if part[k + 1] == "=":
                props.setdefault(part[k].lower(), _unquote(part[k + 2]))
                k += 3
            else:
                k += 1
        results.append((method, outcome, props))
    return authserv, results


def _read(value: str, via: str) -> Believed:
    """The spf, dkim, dmarc and arc results of one header value."""
    _, found = parse(value)
    if not found:
        return Believed(notes=(f"{via}: unreadable, no result could be read",))
    results: list[AuthResult] = []
    arc: str | None = None
    for method, result, props in found:
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
