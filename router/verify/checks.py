"""The router's own SPF, DKIM, ARC and DMARC checks of one message (DNS: `dns`).

Libraries, each the reference of its standard in Python:

- SPF: pyspf (RFC 7208; the implementation Debian's SPF policy daemons and
  authheaders use, tested against the RFC's test suite).  Its DNS goes
  through `spf.DNSLookup`, which is pointed at this module's resolver.
- DKIM and ARC: dkimpy (RFC 6376, RFC 8617), with this module's resolver
  as its `dnsfunc`.
- DMARC: the `dmarc` package (RFC 7489) parses the policy record and
  evaluates it over the SPF and DKIM results; the organisational domain
  comes from the public suffix list (`router.decide.trust`).

Every result is an `AuthResult` with `via` "router"; a check that could not
be made says so in a note.  Nothing here raises for a message's content.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import dkim
import dmarc
import spf

from router.decide.authresults import AuthResult, tags
from router.decide.trust import organisational_domain
from router.verify.dns import Budget, DnsTemporaryError, Resolver

VIA = "router's check"
#: DKIM signatures checked per message (each costs a key lookup); the rest are ignored.
MAX_SIGNATURES = 5
#: dkimpy's smallest RSA key (RFC 8301: at least 1024 bits).
MIN_KEY_BITS = 1024

_local = threading.local()


# --------------------------------------------------------------------------
# SPF


def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 20) -> list[Any]:
    """pyspf's `DNSLookup`: ((name, type), value) pairs, through this thread's resolver."""
    resolver: Resolver = _local.resolver
    budget: Budget = _local.budget
    try:
        records = resolver.answers(name, qtype, budget)
    except DnsTemporaryError as exc:
        raise spf.TempError(str(exc)) from None
    found: list[Any] = []
    for rdata in records:
        if qtype in ("A", "AAAA"):
            found.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            found.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            found.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            found.append(((name, qtype), rdata.strings))
    return found


def check_spf(resolver: Resolver, budget: Budget, *, ip: str, mail_from: str,
              helo: str | None) -> AuthResult:
    """SPF of the MAIL FROM domain for the address that connected (none is exempt)."""
    domain = mail_from.rpartition("@")[2].lower()
    spf.DNSLookup = _spf_lookup  # pyspf's hook for its DNS (a module global)
    _local.resolver, _local.budget = resolver, budget
    try:
        left = budget.lifetime()
        result, _code, _why = spf.query(i=ip, s=mail_from, h=helo or "unknown",
                                        timeout=left, querytime=left).check()
    except DnsTemporaryError:
        result = "temperror"
    except Exception:  # pyspf on a malformed address or record
        result = "permerror"
    return AuthResult("spf", str(result), domain, f"{VIA}, client {ip}")


# --------------------------------------------------------------------------
# DKIM and ARC


def _dkim_dns(resolver: Resolver, budget: Budget) -> Any:
    """dkimpy's `dnsfunc`: the key record's text, None where there is none."""
    def lookup(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        try:
            records = resolver.txt(text, budget)
        except DnsTemporaryError as exc:
            raise dkim.DnsTimeoutError(str(exc)) from None
        return records[0] if records else None

    return lookup


def signatures(raw: bytes) -> list[dict[str, str]]:
    """The tags of each DKIM-Signature, top first (read without checking)."""
    found = []
    headers, _ = dkim.rfc822_parse(raw)
    for name, value in headers:
        if name.lower() == b"dkim-signature":
            found.append(tags(value.decode("ascii", "replace")))
    return found


def check_dkim(resolver: Resolver, budget: Budget, raw: bytes) -> tuple[list[AuthResult],
                                                                         list[str]]:
    """One result per DKIM signature (the first `MAX_SIGNATURES`), and notes."""
    results: list[AuthResult] = []
    notes: list[str] = []
    found = signatures(raw)
    if len(found) > MAX_SIGNATURES:
        notes.append(f"{len(found)} DKIM signatures: only the first {MAX_SIGNATURES} checked")
    lookup = _dkim_dns(resolver, budget)
    for index, sig in enumerate(found[:MAX_SIGNATURES]):
        domain = sig.get("d", "").rstrip(".").lower()
        try:
            verifier = dkim.DKIM(raw, minkey=MIN_KEY_BITS, timeout=budget.lifetime())
            result = "pass" if verifier.verify(idx=index, dnsfunc=lookup) else "fail"
        except (dkim.DnsTimeoutError, DnsTemporaryError):
            result = "temperror"
        except dkim.ValidationError as exc:  # body hash mismatch, expired, ...: RFC 8601 fail
            result = "fail"
            notes.append(f"DKIM signature of {domain or '?'}: {exc}")
        except dkim.DKIMException as exc:  # unreadable signature or key
            result = "permerror"
            notes.append(f"DKIM signature of {domain or '?'}: {exc}")
        except Exception as exc:  # dkimpy on input it did not expect: not a pass
            result = "permerror"
            notes.append(f"DKIM signature of {domain or '?'}: {type(exc).__name__}")
        results.append(AuthResult("dkim", result, domain, VIA))
    return results, notes


def check_arc(resolver: Resolver, budget: Budget, raw: bytes) -> tuple[str, str]:
    """The ARC chain's validation (`pass`, `fail`, `none`) and why."""
    try:
        cv, _results, comment = dkim.arc_verify(raw, dnsfunc=_dkim_dns(resolver, budget),
                                                minkey=MIN_KEY_BITS,
                                                timeout=budget.lifetime())
    except (dkim.DnsTimeoutError, DnsTemporaryError) as exc:
        return "temperror", f"ARC chain: {exc}"
    except Exception as exc:  # dkimpy raises several kinds on broken chains
        return "fail", f"ARC chain: {type(exc).__name__}: {exc}"
    status = cv.decode("ascii") if isinstance(cv, bytes) else "fail"
    return status, f"ARC chain: {status} ({comment})"


# --------------------------------------------------------------------------
# DMARC


class _Suffixes:
    """The `publicsuffix` object the dmarc package asks for an organisational domain."""

    def get_public_suffix(self, domain: str) -> str:
        return organisational_domain(domain)


def dmarc_record(resolver: Resolver, budget: Budget, domain: str) -> tuple[str | None,
                                                                           str | None]:
    """The DMARC record of `domain`, else of its organisational domain (RFC 7489 6.6.3).

    Returns (record, the organisational domain where its record was used);
    (None, None) where there is none, or more than one (then no policy applies).
    """
    records = _dmarc_records(resolver, budget, domain)
    org = organisational_domain(domain)
    if not records and org != domain:
        records = _dmarc_records(resolver, budget, org)
        return (records[0], org) if len(records) == 1 else (None, None)
    return (records[0], None) if len(records) == 1 else (None, None)


def _dmarc_records(resolver: Resolver, budget: Budget, domain: str) -> list[str]:
    texts = [r.decode("utf-8", "replace") for r in resolver.txt(f"_dmarc.{domain}", budget)]
    return [t for t in texts if t.replace(" ", "").lower().startswith("v=dmarc1")]


def check_dmarc(resolver: Resolver, budget: Budget, from_domain: str,
                results: Sequence[AuthResult]) -> AuthResult:
    """DMARC of the From: domain over the router's own SPF and DKIM results."""
    try:
        record, org = dmarc_record(resolver, budget, from_domain)
    except DnsTemporaryError:
        return AuthResult("dmarc", "temperror", from_domain, VIA)
    if record is None:
        return AuthResult("dmarc", "none", from_domain, VIA)
    try:
        checker = dmarc.DMARC(publicsuffix=_Suffixes())
        policy = checker.parse_record(record, domain=from_domain, org_domain=org)
    except dmarc.Error:
        return AuthResult("dmarc", "permerror", from_domain, VIA)
    spf_result = next((r for r in results if r.method == "spf"), None)
    outcome = checker.get_result(policy, auth_results=dmarc.AuthResults(
        spf=dmarc.SPF(spf_result.domain, dmarc.SPFResult.PASS)
        if spf_result is not None and spf_result.result == "pass" and spf_result.domain
        else None,
        dkim=[dmarc.DKIM(r.domain, dmarc.DKIMResult.PASS) for r in results
              if r.method == "dkim" and r.result == "pass" and r.domain] or None))
    passed = outcome.result is dmarc.DMARCResult.PASS
    return AuthResult("dmarc", "pass" if passed else "fail", from_domain, VIA)
