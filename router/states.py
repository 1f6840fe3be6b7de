"""The states of stored rows, named once: received messages, outgoing mail, cases.

These strings are what the database stores (`router.store.schema` checks
them).  Where the command line or the metrics show a state under another
word (a `received` message is "waiting"), the word is theirs; a state they
show as it is, they show through these names.  Plain strings like the
categories (`router.categories`), so deciding, which never imports the
store, names them too.
"""

from __future__ import annotations

from typing import Final

# A received message (`received.state`).
WAITING: Final = "received"  # not decided yet (leased to a worker or not)
DONE: Final = "done"  # decided and acted on
HELD: Final = "held"  # kept for a person to review
FAILED: Final = "failed"  # processing failed too often, or took too long
MESSAGE_STATES: Final = (WAITING, DONE, HELD, FAILED)

# A mail of the outgoing queue (`outgoing.state`).
PENDING: Final = "pending"  # due at `next_try_at` (a delivery's lease moves it on)
SENT: Final = "sent"
DEAD: Final = "dead"  # given up: `give_up_after`, or refused for good
MAIL_STATES: Final = (PENDING, SENT, DEAD)
DEFERRED: Final = "deferred"  # shown, not stored: a pending mail that failed before

# A case (`cases.state`).
OPEN: Final = "open"  # asked, not answered yet
ANSWERED: Final = "answered"
CASE_STATES: Final = (OPEN, ANSWERED)
OVERDUE: Final = "overdue"  # shown, not stored: an open case past its due time
