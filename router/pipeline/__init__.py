"""The pipeline: workers that take stored messages, decide, and act once.

`claims` leases `received` rows to one worker at a time, `plan` turns a
Decision into what to do (pure, with the no-backscatter guards), `process`
writes the decision, the contact and the outgoing mail in one transaction,
and `runner` is the asyncio loop that `serve` runs.
"""
