"""Every public corpus file through the full classify(), and the automatic ones.

The corpora (../shared/corpora: bounce parsers', MIME libraries' and forward
parsers' test mail) hold what the world sends, broken MIME included.  Each
file is classified as if a registered seller had handed it over, so the
whole chain runs (unwrapping, rules, order lookup, language) rather than
stopping at unknown_sender.  The files listed in corpora_automatic.txt must
come out auto_generated through classify() itself: on a recognised forward
the classifier ignores a seller's own forwarding marks (checks.forward_marker),
and a real bounce or auto-reply must not slip through that door.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

from router.decide.classify import classify
from router.decide.decision import Decision
from router.mail.message import Envelope
from router.mail.read import parse_message
from tests.decide.labelled.world import load
from tests.helpers import shared_path
from tests.mail.test_read import corpus_files

HERE = Path(__file__).resolve().parent
SELLER = Envelope(mail_from="service@musterhandel.de", rcpt_tos=("csba-de2de@amazon.de",))
WORLD = load()


def _classify(raw: bytes) -> Decision:
    return classify(WORLD.config, parse_message(raw), SELLER, orders=WORLD.orders,
                    history=WORLD.history, now=WORLD.now)


def _entries() -> list[str]:
    lines = (HERE / "corpora_automatic.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _raw(root: Path, entry: str) -> bytes:
    """Bytes of one listed message; `PATH#N` is message N of an mbox."""
    path, _, index = entry.partition("#")
    if not index:
        return (root / path).read_bytes()
    box = mailbox.mbox(root / path, create=False)
    try:
        return box.get_bytes(box.keys()[int(index)])
    finally:
        box.close()


def test_every_corpus_file_classifies() -> None:
    shared_path("corpora")
    files = corpus_files()
    assert len(files) > 300
    failures = []
    for path in files:
        try:
            decision = _classify(path.read_bytes())
            assert decision.category and decision.action and decision.rule
        except Exception as exc:  # noqa: BLE001 - collect them all
            failures.append(f"{path}: {exc!r}")
    assert not failures, "\n".join(failures)


def test_every_mbox_message_classifies() -> None:
    """mbox files hold many messages: each one, not just the file's first."""
    root = shared_path("corpora")
    failures = []
    count = 0
    for path in sorted(root.rglob("mbox*")):
        if not path.is_file():
            continue
        box = mailbox.mbox(path, create=False)
        try:
            for key in box.keys():
                count += 1
                try:
                    _classify(box.get_bytes(key))
                except Exception as exc:  # noqa: BLE001
                    failures.append(f"{path}#{key}: {exc!r}")
        finally:
            box.close()
    assert count > 0 and not failures, "\n".join(failures)


def test_corpora_automatic_mail_comes_out_auto_generated() -> None:
    root = shared_path("corpora")
    entries = _entries()
    assert len(entries) > 100
    wrong = []
    for entry in entries:
        decision = _classify(_raw(root, entry))
        if decision.category != "auto_generated" or decision.action != "drop":
            wrong.append(f"{entry}: {decision.category} by {decision.rule}: {decision.reason}")
    assert not wrong, f"{len(wrong)} automatic files not auto_generated:\n" + "\n".join(wrong)


def test_bounce_forwarded_by_the_seller_is_still_automatic() -> None:
    """A recognised forward drops the seller's own marks, not the bounce's signs."""
    root = shared_path("corpora")
    bounce = _raw(root, "MimeKit/UnitTests/TestData/messages/bounce.txt")
    wrapped = (b"From: service@musterhandel.de\r\nTo: csba-de2de@amazon.de\r\n"
               b"Subject: Fwd: what is this?\r\nAuto-Submitted: auto-forwarded\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
               b"--b\r\nContent-Type: text/plain\r\n\r\nPlease check.\r\n--b\r\n"
               b"Content-Type: message/rfc822\r\n\r\n" + bounce + b"\r\n--b--\r\n")
    decision = _classify(wrapped)
    assert decision.category == "auto_generated", decision.reason
