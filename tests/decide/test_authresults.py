"""The router's reader of `Authentication-Results:` against authres, the reference parser.

The examples are RFC 8601's own (Appendix B) and what large providers
write; for each, the authserv-id and every method/result pair must be what
authres reads, and the properties sender trust uses (smtp.mailfrom,
header.d, header.i, header.from) too.
"""

from __future__ import annotations

import time

import authres
import pytest

from router.decide.authresults import parse

EXAMPLES = [
    "example.org 1; none",
    "example.com; spf=pass smtp.mailfrom=example.net",
    "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; "
    "spf=pass smtp.mailfrom=example.net",
    "example.com; iprev=pass policy.iprev=192.0.2.200",
    "example.com; sender-id=fail header.from=example.com; "
    "dkim=pass (good signature) header.d=example.com",
    'example.com; dkim=pass reason="good signature" header.i=@mail-router.example.net; '
    'dkim=fail reason="bad signature" header.i=@newyork.example.com',
    "mail-router.example.net; dkim=pass (good signature) header.d=newyork.example.com "
    "header.b=oINEO8hg; dkim=fail (bad signature) header.d=mail-router.example.net "
    "header.b=EToRSuvU",
    "mx.google.com; dkim=pass header.i=@musterhandel.de header.s=s2026 header.b=Ab/c+d9; "
    "spf=pass (google.com: domain of service@musterhandel.de designates 192.0.2.25 as "
    "permitted sender) smtp.mailfrom=service@musterhandel.de; dmarc=pass (p=REJECT "
    "sp=REJECT dis=NONE) header.from=musterhandel.de; arc=pass (i=1 spf=pass "
    "spfdomain=musterhandel.de dkim=pass dkdomain=musterhandel.de dmarc=pass "
    "fromdomain=musterhandel.de)",
    "spf.protection.outlook.com; spf=pass (sender IP is 192.0.2.7) "
    "smtp.mailfrom=musterhandel.de; dkim=pass (signature was verified) "
    "header.d=musterhandel.de;dmarc=pass action=none header.from=musterhandel.de;"
    "compauth=pass reason=100",
]
USED = ("smtp.mailfrom", "header.d", "header.i", "header.from")


@pytest.mark.parametrize("value", EXAMPLES)
def test_reads_what_authres_reads(value: str) -> None:
    reference = authres.AuthenticationResultsHeader.parse_value(value)
    authserv, results = parse(value)
    assert authserv == reference.authserv_id
    assert [(m, r) for m, r, _ in results] == [
        (str(x.method).lower(), str(x.result).lower()) for x in reference.results]
    for (_, _, props), expected in zip(results, reference.results, strict=True):
        theirs = {f"{p.type}.{p.name}".lower(): str(p.value) for p in expected.properties}
        for key in USED:
            assert props.get(key) == theirs.get(key), key


def test_comments_everywhere() -> None:
    """RFC 8601's example of comments in every place (authres 1.2.0 cannot read it)."""
    authserv, results = parse(
        "foo.example.net (foobar) 1 (baz); dkim (Because I like it) / 1 (One yay) = (wait "
        "for it) fail policy (A dot can go here) . (like that) expired (this surprised me) = "
        "(as I wasn't expecting it) 1362471462")
    assert authserv == "foo.example.net"
    assert [(m, r) for m, r, _ in results] == [("dkim", "fail")]


def test_an_unreadable_result_does_not_hide_the_others() -> None:
    _, results = parse("mx.example; spf; dkim=pass header.d=example.com; =fail")
    assert results == [("dkim", "pass", {"header.d": "example.com"})]


def test_hostile_values_are_read_in_linear_time() -> None:
    """Unclosed quotes, deep comments, a long run without separators: under a second."""
    for value in ("mx; dkim=pass " + '"' * 8000, "mx; " + "(" * 8000, "mx; " + "a" * 8000,
                  "mx; " + "a=" * 4000, "mx; " + "\\" * 8000, "mx; " + "x=y " * 2000):
        started = time.process_time()
        for _ in range(50):
            parse(value)
        assert time.process_time() - started < 1.0, value[:20]
