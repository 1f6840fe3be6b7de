"""Hostile SMTP input against a real `serve`: malformed commands, NUL, forged headers.

Issue 12: `MAIL FROM:<` answered 451 with a traceback in the log, a NUL in
the sender was accepted (and on PostgreSQL failed every message committed
with it), and X-CSBA-* fields placed where only the classifier's parser saw
a header survived intake.
"""

from __future__ import annotations

import pytest

from router.mail.read import parse_message
from tests.intake.rawsmtp import RawSMTP
from tests.intake.routerproc import Router
from tests.intake.test_csba_strip import SHAPES

DE = "csba-de2de@amazon.de"
SELLER = "service@musterhandel.de"


def queued(text: str) -> int:
    assert text.startswith("2.0.0 OK queued as "), text
    return int(text.rsplit(" ", 1)[1])


def test_nul_in_the_sender_is_refused_at_mail_from(router: Router) -> None:
    with RawSMTP(router.port) as client:
        client.greet()
        code, text = client.command(b"MAIL FROM:<serv\x00ice@musterhandel.de>")
        assert code == 501, text
        code, text = client.command(b'MAIL FROM:<"a\x00b"@musterhandel.de>')
        assert code == 501, text
        code, text = client.command(b"MAIL FROM:<service@muster\x01handel.de>")
        assert code == 501, text
        # The session goes on: a proper sender is taken.
        assert client.message(SELLER, DE, b"Subject: x\r\n\r\nok\r\n")[0] == 250


@pytest.mark.parametrize("line", ["MAIL FROM:<", "MAIL FROM: <", "MAIL FROM:<@"])
def test_a_broken_sender_is_a_syntax_error_not_a_local_error(router: Router, line: str) -> None:
    errors_before = len(router.records("session_error"))
    with RawSMTP(router.port) as client:
        client.greet()
        code, text = client.command(line)
        assert code == 501, text
        assert client.command("RSET")[0] == 250
        assert client.command("MAIL FROM:<>")[0] == 250
        assert client.command("RCPT TO:<")[0] == 501
        assert client.command("RCPT TO:<<")[0] == 553  # unparsable: aiosmtpd's own answer
        assert client.command("QUIT")[0] == 221
    assert len(router.records("session_error")) == errors_before
    assert "Traceback" not in router.log


def test_nul_or_control_in_helo_is_refused(router: Router) -> None:
    with RawSMTP(router.port) as client:
        assert client.reply()[0] == 220
        assert client.command(b"EHLO mx.\x00evil.example")[0] == 501
        assert client.command(b"HELO mx.\x1bevil.example")[0] == 501
        assert client.command("EHLO mx.musterhandel.de")[0] == 250
        assert client.message(SELLER, DE, b"Subject: x\r\n\r\nok\r\n")[0] == 250


def test_nul_in_message_id_is_stored_without_it(router: Router) -> None:
    with RawSMTP(router.port) as client:
        client.greet()
        code, text = client.message(
            SELLER, DE, b"Message-ID: <a\x00b@musterhandel.de>\r\nSubject: x\r\n\r\nok\r\n")
    assert code == 250, text
    row = router.row(queued(text))
    assert row.message_id is None
    assert b"<a\x00b@musterhandel.de>" in row.raw  # the message itself is kept as sent


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_forged_csba_fields_do_not_reach_the_classifier(router: Router, shape: str) -> None:
    with RawSMTP(router.port) as client:
        client.greet()
        code, text = client.message(SELLER, DE, SHAPES[shape])
    assert code == 250, text
    stored = router.row(queued(text)).raw
    assert stored.startswith(b"Received: ")
    assert [n for n, _ in parse_message(stored).headers if n.lower().startswith("x-csba-")] == []


def test_unknown_commands_end_the_session(router: Router) -> None:
    with RawSMTP(router.port) as client:
        client.greet()
        codes = []
        try:
            for n in range(20):
                codes.append(client.command(f"XBOGUS{n}")[0])
        except ConnectionError:
            pass
        assert codes[-1] == 502 and len(codes) < 20
        client.wait_closed()


def test_overlong_command_line_is_refused(router: Router) -> None:
    with RawSMTP(router.port) as client:
        client.greet()
        assert client.command("NOOP " + "x" * 5000)[0] == 500
        assert client.command("NOOP")[0] == 250
