"""`show ID`: one received message in full, as an operator reviews it.

The envelope and how it came, every header (decoded, one line each), the
decision (category, action, rule, reason and what it found) and the mail
sent for it (kind, recipients, state).  Everything from mail passes
through `router.terminal`: no control character reaches the terminal.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

import sqlalchemy as sa

from router import states
from router.cli.common import EXIT_OK, EXIT_USAGE, CommandError, add_command, load, open_store
from router.terminal import clean

#: The states `show` names in other words; the others as they are.
_SHOWN = {states.WAITING: "waiting to be decided"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(sub, common, "show",
                         "one received message: envelope, headers, decision, mail sent for it")
    parser.add_argument("id", type=int, metavar="ID")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from router.store import decisions, outgoing, received

    engine = open_store(load(args))
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.select(received).where(received.c.id == args.id)).one_or_none()
            if row is None:
                raise CommandError(f"no message {args.id}", EXIT_USAGE)
            decision = conn.execute(sa.select(decisions).where(
                decisions.c.received_id == args.id)).one_or_none()
            mails = conn.execute(sa.select(
                outgoing.c.id, outgoing.c.kind, outgoing.c.rcpt_tos, outgoing.c.state,
                outgoing.c.attempts, outgoing.c.created_at, outgoing.c.sent_at,
                outgoing.c.last_error).where(outgoing.c.received_id == args.id)
                .order_by(outgoing.c.id)).all()
    finally:
        engine.dispose()
    for line in describe(row, decision, mails):
        print(line)
    return EXIT_OK


def describe(row: Any, decision: Any, mails: Sequence[Any]) -> list[str]:
    """The lines `show` prints, each already cleaned."""
    sender = "<>" if row.mail_from == "" else (row.mail_from or "unknown")
    state = _SHOWN.get(row.state, row.state)
    lines = [f"message {row.id}: {state}",
             f"  arrived:    {row.arrived_at.isoformat()} by {row.channel}"
             + (f" ({clean(row.channel_ref)})" if row.channel_ref else ""),
             f"  mail from:  {clean(sender)}",
             f"  rcpt to:    {clean(', '.join(row.rcpt_tos or ())) or '-'}",
             f"  size:       {row.size} bytes, sha256 {row.sha256}"]
    if row.state == states.FAILED or row.last_error:
        lines.append(f"  attempts:   {row.attempts}, last error: {clean(row.last_error or '-')}")
    lines += ["", "headers:"]
    lines += [f"  {line}" for line in _headers(row.raw)]
    lines += ["", "decision:"]
    if decision is None:
        lines.append("  none yet")
    else:
        lines += [f"  category:   {clean(decision.category)}",
                  f"  action:     {clean(decision.action)}",
                  f"  rule:       {clean(decision.rule)}",
                  f"  reason:     {clean(decision.reason)}",
                  f"  seller:     {clean(decision.seller_id or '-')}"
                  f"   region: {clean(decision.region or '-')}"
                  f"   language: {clean(decision.language or '-')}",
                  f"  orders:     {clean(', '.join(decision.order_ids or ()) or '-')}"
                  + (f"   contact: {decision.contact_id}" if decision.contact_id else ""),
                  f"  decided at: {decision.decided_at.isoformat()}"]
    lines += ["", "mail sent for it:"]
    if not mails:
        lines.append("  none")
    for mail in mails:
        shown = states.DEFERRED if mail.state == states.PENDING and mail.attempts else mail.state
        when = f" at {mail.sent_at.isoformat()}" if mail.sent_at else ""
        error = f" ({clean(mail.last_error)})" if mail.last_error and shown != states.SENT else ""
        lines.append(f"  #{mail.id} {mail.kind} to {clean(', '.join(mail.rcpt_tos))}: "
                     f"{shown}{when}{error}")
    return lines


def _headers(raw: bytes) -> list[str]:
    """Every header field of the message, in order: unfolded, RFC 2047 decoded, cleaned."""
    try:
        fields = BytesHeaderParser(policy=default_policy).parsebytes(raw).raw_items()
        return [clean(f"{name}: {_decoded(value)}") for name, value in fields]
    except Exception:  # a header too broken to parse: show the raw lines instead
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        return [clean(line.decode("utf-8", "replace")) for line in head.splitlines()]


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _decoded(value: str) -> str:
    """A raw header value as a person reads it, nothing left out.

    The raw value, not the parsed one: the parser reads structured fields
    (Message-ID, addresses) and leaves out what does not fit their syntax,
    which is exactly what a reviewer must see.  8-bit bytes are read as
    UTF-8; encoded words are decoded where the value allows it.
    """
    if any("\udc80" <= c <= "\udcff" for c in value):  # 8-bit bytes, surrogate-escaped
        value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    value = _FOLD.sub("", value).strip()
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # raw 8-bit text beside encoded words, or a broken encoded word
        return value
