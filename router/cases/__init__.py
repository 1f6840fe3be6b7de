"""Cases: the CSBA team's questions to sellers, carried by the router.

The pure checks that recognise a case's mail live in `router.decide.cases`;
this package is the rest: what the checks read from the store (`book`),
the author's own words of a reply (`text`), the mail a case writes
(`mail`: relays, the reminder, the overdue note), writing a case's step in
the pipeline's transaction (`work`), and reading cases for `cases` and the
monthly statement (`listing`).

Due times ride on the delivery queue: the reminder and the overdue note are
queued with the relay, in the same transaction, as outgoing rows that fall
due at their time (`outgoing.next_try_at`); the seller's answer takes them
off the queue.  See docs/decisions.md ("Cases").
"""
