"""Sender trust: which seller or team address the mail proves (pure rules).

With a `trust:` section an address that hands mail over is believed only
as far as the mail is authenticated.  The facts are results (`AuthResult`:
method, result, the domain it is about, who says so) from three places:

- the believed `Authentication-Results:` of `trust.authserv_id` (see
  `authresults`),
- the router's own checks (`trust.verify`), gathered before deciding by
  `router.verify` and passed in as a `Verified`,
- the `ARC-Authentication-Results:` of an instance sealed by one of
  `trust.arc_sealers`, when the chain validates (the router's own ARC
  check, or `arc=pass` in the believed header): a provider's automatic
  forwarding breaks SPF and often DKIM, and ARC carries what the provider
  saw before it forwarded.

An address is proven by a `pass` aligned with its domain (DMARC relaxed
alignment: the same organisational domain, from the public suffix list),
of a method that fits where the address was found (`trust.require`):

| require       | envelope sender, Return-Path | Resent-From, X-Forwarded-For, From |
|---------------|------------------------------|------------------------------------|
| `dmarc`       | SPF                          | DKIM, or DMARC of the From: domain |
| `spf_or_dkim` | SPF, DKIM or DMARC           | SPF, DKIM or DMARC                 |

(`Return-Path` records the envelope sender of the last hop.)  The mail may
name the seller more than once (envelope and From:); the first of those
addresses that is proven is the one the mail comes from, and a notice goes
there: a forger cannot pick the mailbox of a `*@domain` seller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

from router.config.model import Config, Seller, Trust
from router.decide.authresults import AuthResult, arc_results, believed_results
from router.decide.identify import seller_addresses, team_addresses
from router.mail.message import Envelope, Evidence, ParsedMail

ENVELOPE_SOURCES = frozenset({"envelope sender", "Return-Path"})
_DMARC_FITS = {True: frozenset({"spf"}), False: frozenset({"dkim", "dmarc"})}
_ANY = frozenset({"spf", "dkim", "dmarc"})


@dataclass(frozen=True)
class Verified:
    """What the router's own checks found (`router.verify`), as plain values.

    `arc` is the ARC chain's validation (`pass`, `fail`, `none`); None when
    it was not checked.  `notes` says what was not checked and why.
    """

    results: tuple[AuthResult, ...] = ()
    arc: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Whether the mail proves the address of the seller or team that handed it over."""

    party: str  # "seller A1MUSTERHANDEL", "team of region de2de"
    authenticated: bool
    address: str | None  # the proven address (None: none is)
    addresses: tuple[tuple[str, str], ...]  # (source, address) of the party, lookup order
    proof: AuthResult | None
    results: tuple[AuthResult, ...]
    notes: tuple[str, ...]

    def reason(self) -> str:
        """One sentence for `held`: whose address, what passed and what failed."""
        named = ", ".join(f"{a} ({s})" for s, a in self.addresses)
        if self.authenticated:
            return f"{self.address} of the {self.party} is authenticated: {self.proof}."
        passed = _by_source([r for r in self.results if r.result == "pass"])
        failed = _by_source([r for r in self.results if r.result != "pass"])
        text = (f"The mail does not prove it comes from the {self.party} ({named}): "
                f"passed: {passed or 'nothing'}; failed: {failed or 'nothing was checked'}")
        if passed:
            text += "; no pass is aligned with the address and where it was found"
        if not self.results and self.notes:
            text += f" ({'; '.join(self.notes)})"
        return text + "."

    def evidence(self) -> tuple[Evidence, ...]:
        """Every result and note, for `--explain` and `show`."""
        found = [Evidence("trust", str(r), "pass" if r.result == "pass" else "not a pass")
                 for r in self.results]
        found.extend(Evidence("trust", note, "note") for note in self.notes)
        verdict = (f"{self.address} proven by {self.proof}" if self.authenticated
                   else "no address of the " + self.party + " is proven")
        found.append(Evidence("trust-verdict", verdict, self.party))
        return tuple(found)


def _by_source(results: Sequence[AuthResult]) -> str:
    """`spf=fail for a.com, dmarc=fail for b.de (who says so); ...`, grouped by who says so."""
    groups: dict[str, list[str]] = {}
    for result in results:
        groups.setdefault(result.via, []).append(result.said())
    return "; ".join(f"{', '.join(said)} ({via})" for via, said in groups.items())


# --------------------------------------------------------------------------
# Domains.


@cache
def _suffixes() -> PublicSuffixList:
    """The public suffix list the package ships (read once per process)."""
    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """The registrable domain (`mail.example.co.uk` -> `example.co.uk`); itself if none."""
    domain = domain.strip().rstrip(".").lower()
    return _suffixes().privatesuffix(domain) or domain


def aligned(one: str, other: str) -> bool:
    """DMARC relaxed alignment: the same organisational domain."""
    if not one or not other:
        return False
    return organisational_domain(one) == organisational_domain(other)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].rstrip(".").lower()


# --------------------------------------------------------------------------
# The facts and the judgement.


def trust_results(trust: Trust, mail: ParsedMail, hostname: str,
                  verified: Verified | None) -> tuple[tuple[AuthResult, ...], tuple[str, ...]]:
    """Every result the router believes for this mail, and notes on what it passed over."""
    results: list[AuthResult] = []
    notes: list[str] = []
    header_arc: str | None = None
    if trust.authserv_id:
        own = frozenset({hostname.lower(), *trust.trusted_front_hosts})
        believed = believed_results(mail, trust.authserv_id, own)
        results.extend(believed.results)
        notes.extend(believed.notes)
        header_arc = believed.arc
    if verified is not None:
        results.extend(verified.results)
        notes.extend(verified.notes)
    elif trust.verify:
        notes.append("the router's own checks did not run")
    if trust.arc_sealers and mail.has_header("ARC-Seal"):
        chain = verified.arc if verified is not None and verified.arc else None
        if header_arc == "pass" or chain == "pass":
            carried, note = arc_results(mail, trust.arc_sealers)
            results.extend(carried)
            notes.append(note)
        else:
            notes.append(f"ARC chain not validated (router: {chain or 'not checked'}, "
                         f"header: {header_arc or 'none'}): its results are not used")
    return tuple(results), tuple(notes)


def judge(trust: Trust, party: str, addresses: Sequence[tuple[str, str]],
          results: Sequence[AuthResult], notes: Sequence[str] = ()) -> Verdict:
    """The first of `addresses` that an aligned pass of a fitting method proves."""
    for source, address in addresses:
        domain = _domain(address)
        if trust.require == "spf_or_dkim":
            fits = _ANY
        else:
            fits = _DMARC_FITS[source in ENVELOPE_SOURCES]
        for result in results:
            if (result.result == "pass" and result.method in fits
                    and aligned(result.domain, domain)):
                return Verdict(party, True, address, tuple(addresses), result, tuple(results),
                               tuple(notes))
    return Verdict(party, False, None, tuple(addresses), None, tuple(results), tuple(notes))


def assess(config: Config, mail: ParsedMail, envelope: Envelope, seller: Seller | None,
           verified: Verified | None) -> Verdict | None:
    """The verdict on the seller (or else team) address that handed the mail over.

    None where trust does not apply: no `trust:` section, a seller with
    `trust: none`, or neither a seller's nor a team's address among the
    candidates.
    """
    trust = config.trust
    if trust is None:
        return None
    if seller is not None:
        if seller.trust == "none":
            return None
        addresses = seller_addresses(config, mail, envelope, seller)
        party = f"seller {seller.id}"
    else:
        addresses = team_addresses(config, mail, envelope)
        party = "CSBA team"
    if not addresses:
        return None
    results, notes = trust_results(trust, mail, config.instance.hostname, verified)
    return judge(trust, party, addresses, results, notes)
