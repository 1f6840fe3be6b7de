"""A stored message read into what deciding needs: mail, envelope, own authentication.

Deciding is pure (`router.decide`); what it is given is gathered here.  The
router's own authentication checks (`trust.verify`, see `router.verify`)
wait on DNS, up to `router.verify.dns.BUDGET_SECONDS` for one message whose
domains answer slowly; a batch's messages are therefore checked side by
side in threads, so one slow sender's domain costs the batch that wait
once, not once per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from router.config import Config
from router.decide.trust import Verified
from router.mail.message import Envelope, ParsedMail
from router.mail.read import parse_message
from router.verify import authenticate

#: Messages of a batch whose checks run at once: they mostly wait on DNS, and
#: a whole batch (runner.BATCH, 50) at once keeps its worst case at one DNS
#: budget, well inside `instance.decide_timeout`.
THREADS = 64


@dataclass(frozen=True)
class Read:
    """One stored message as deciding needs it."""

    mail: ParsedMail
    envelope: Envelope
    verified: Verified | None  # the router's own checks; None where they did not run


def envelope_of(config: Config, row: Any) -> Envelope:
    """The envelope as stored; an IMAP account stands for the recipient's region."""
    region = None
    if row.channel == "imap" and row.channel_ref:
        account = str(row.channel_ref).split(":", 1)[0]
        region = next((a.region for a in config.imap if a.name == account), None)
    return Envelope(mail_from=row.mail_from, rcpt_tos=tuple(row.rcpt_tos or ()),
                    imap_region=region)


def smtp_peer(row: Any) -> str | None:
    """The address that handed the message to this router over SMTP (intake's channel_ref)."""
    return str(row.channel_ref) if row.channel == "smtp" and row.channel_ref else None


def read(config: Config, row: Any) -> Read:
    """Parse one stored message and run the router's own checks where they apply."""
    mail = parse_message(row.raw)
    envelope = envelope_of(config, row)
    verified = authenticate(config, row.raw, mail, envelope, peer=smtp_peer(row),
                            helo=getattr(row, "helo", None))
    return Read(mail, envelope, verified)


def read_many(config: Config, rows: Sequence[Any]) -> dict[int, Read]:
    """`read` for a batch, side by side where the router checks authentication itself.

    A message whose reading raises is left out: it is read again, and fails
    on its own, when it is decided.
    """
    if config.trust is None or not config.trust.verify or len(rows) < 2:
        return {}
    found: dict[int, Read] = {}
    with ThreadPoolExecutor(max_workers=min(THREADS, len(rows)),
                            thread_name_prefix="authenticate") as pool:
        futures = {row.id: pool.submit(read, config, row) for row in rows}
        for row_id, future in futures.items():
            try:
                found[row_id] = future.result()
            except Exception:
                continue
    return found
