"""Intake: the ways mail reaches the router (SMTP, IMAP polling, archives for `ingest`).

Every channel does the same two things: refuse what is not addressed to a
csba address, and store what is, durably, before acknowledging it.  None of
them decides what a message is; that happens later, from the database.
"""
