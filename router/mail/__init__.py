"""Mail as bytes and as plain values: reading, writing, addresses, templates.

The one mail layer that deciding (`router.decide`), acting (`router.act`),
the account and the cases share.  Pure code: no database, no socket, no
event loop (tests/test_layers.py holds it to that).  Kept empty: intake
imports `router.mail.header` and `router.mail.addresses` and must not load
the parser, lxml or jinja2 with them.
"""
