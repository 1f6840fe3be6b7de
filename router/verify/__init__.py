"""The router's own authentication checks (`trust.verify`): the I/O step before deciding.

`router.decide` stays pure: it judges results it is given.  This package
gathers them where `trust.verify` is set, from DNS (see `dns`) and the
message's signatures (see `checks`), into a plain `Verified` that the
pipeline, `classify FILE` and `ingest` pass to `classify`.

The checks run only where they can change the decision: trust applies (a
seller's or team's address hands the mail over, no `trust: none`), and the
believed `Authentication-Results:` does not prove the address already.
"""

from __future__ import annotations

import ipaddress
from email.utils import getaddresses

from router.config.model import Config
from router.decide.identify import find_seller
from router.decide.trust import Verified, assess
from router.mail.message import Envelope, ParsedMail
from router.verify.checks import check_arc, check_dkim, check_dmarc, check_spf
from router.verify.dns import Budget, resolver_for

NOT_NEEDED = "the router's own checks were not needed: the believed header proves the sender"


def authenticate(config: Config, raw: bytes, mail: ParsedMail, envelope: Envelope, *,
                 peer: str | None, helo: str | None) -> Verified | None:
    """The router's own results for one message; None where they are not wanted.

    `peer` is the IP address that handed the message over by SMTP (None for
    IMAP, archives and files: then there is no SPF check), `helo` its name.
    """
    trust = config.trust
    if trust is None or not trust.verify:
        return None
    match = find_seller(config, mail, envelope)
    verdict = assess(config, mail, envelope, match.seller if match else None, None)
    if verdict is None:
        return None
    if verdict.authenticated:
        return Verified(notes=(NOT_NEEDED,))
    return verify(config, raw, mail, envelope, peer=peer, helo=helo)


def verify(config: Config, raw: bytes, mail: ParsedMail, envelope: Envelope, *,
           peer: str | None, helo: str | None) -> Verified:
    """SPF (when a client address is known), every DKIM signature, ARC, DMARC."""
    assert config.trust is not None
    resolver = resolver_for(config.trust.resolver)
    budget = Budget()
    results = []
    notes = [f"DNS: {resolver.server}"]
    mail_from = envelope.mail_from or ""
    if not mail_from:
        notes.append("SPF not checked: no envelope sender")
    elif peer is None or not is_ip(peer):
        notes.append("SPF not checked: the mail did not come by SMTP to this router")
    else:
        results.append(check_spf(resolver, budget, ip=peer, mail_from=mail_from, helo=helo))
    dkim_results, dkim_notes = check_dkim(resolver, budget, raw)
    results.extend(dkim_results)
    notes.extend(dkim_notes)
    if not dkim_results:
        notes.append("no DKIM signature")
    arc = None
    if config.trust.arc_sealers and mail.has_header("ARC-Seal"):
        arc, note = check_arc(resolver, budget, raw)
        notes.append(note)
    from_domain = _from_domain(mail)
    if from_domain is None:
        notes.append("DMARC not checked: From: does not hold exactly one address")
    else:
        results.append(check_dmarc(resolver, budget, from_domain, results))
    return Verified(tuple(results), arc, tuple(notes))


def is_ip(value: str) -> bool:
    """An IPv4 or IPv6 address (SPF is checked only for a known client address)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _from_domain(mail: ParsedMail) -> str | None:
    """The one From: address's domain (RFC 7489 6.6.1), else None."""
    values = mail.header_all("From")
    found = [a for _, a in getaddresses(values) if "@" in a] if len(values) == 1 else []
    if len(found) != 1:
        return None
    domain = found[0].rpartition("@")[2].strip().rstrip(".").lower()
    return domain or None
