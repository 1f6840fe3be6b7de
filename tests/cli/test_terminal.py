"""Nothing a sender writes reaches the operator's terminal as a control sequence."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from router.act.queue import enqueue, mark_dead
from router.store import received, utcnow
from router.terminal import REPLACEMENT, clean, clean_block, json_text
from tests.cli.desk import desk
from tests.pipeline.test_process import forward

EVIL = "Hallo \x1b]0;pwned\x07 Welt \x1b[2J Ende \u202eevil"
# What a terminal would obey: ESC, BEL, other C0 (but tab and newline), DEL, C1, bidi.
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def encoded(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain Grüße 你好", "plain Grüße 你好"),
    ("title \x1b]0;pwned\x07 after", f"title {REPLACEMENT} after"),
    ("title \x1b]8;;http://x\x1b\\link", f"title {REPLACEMENT}link"),
    ("clear \x1b[2J\x1b[1;31mred", f"clear {REPLACEMENT}{REPLACEMENT}red"),
    ("8-bit \x9b2J csi", f"8-bit {REPLACEMENT} csi"),
    ("bell\x07 nul\x00 del\x7f", f"bell{REPLACEMENT} nul{REPLACEMENT} del{REPLACEMENT}"),
    ("bidi \u202egnp.exe\u202c", f"bidi {REPLACEMENT}gnp.exe{REPLACEMENT}"),
    ("lines\r\nand\ttabs", "lines  and tabs"),
    ("lone \x1b", f"lone {REPLACEMENT}"),
])
def test_clean_one_line(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_block_keeps_lines_and_tabs_only() -> None:
    assert clean_block("a\tb\r\nc\x1b[2Jd\re") == f"a\tb\nc{REPLACEMENT}d\ne"


def test_json_escapes_what_a_terminal_obeys_and_keeps_the_value() -> None:
    value = {"subject": EVIL + " \x9b \x7f Grüße"}
    text = json_text(value)
    assert not OBEYED.search(text) and "Grüße" in text
    assert json.loads(text) == value


def test_held_show_failed_and_queue_print_no_control_characters(tmp_path: Path) -> None:
    d = desk(tmp_path)
    raw = forward("302-1234567-1234567").replace(
        b"Subject: WG: Wo bleibt meine Bestellung?", f"Subject: {encoded(EVIL)}".encode())
    held = d.accept(raw)
    failed = d.accept(raw.replace(b"<fwd-1@", b"<fwd-2@"))
    d.drain()
    with d.engine.begin() as conn:
        conn.execute(received.update().where(received.c.id == failed).values(
            state="failed", last_error=f"RuntimeError: {EVIL}"))
    with d.engine.begin() as conn:
        mail = enqueue(conn, kind="notice", message_id="<n-1@router>", mail_from="a@b.example",
                       rcpt_tos=["service@musterhandel.de"], raw=b"x", received_id=held,
                       now=utcnow())
    mark_dead(d.engine, mail, f"550 relay said {EVIL}", now=utcnow())

    outputs = {args: d.cli(*args) for args in [
        ("held",), ("held", "--format", "json"), ("show", str(held)), ("show", str(failed)),
        ("failed",), ("failed", "--format", "json"), ("queue",), ("queue", "--format", "json")]}
    for args, done in outputs.items():
        assert done.returncode == 0, (args, done.stderr)
        assert not OBEYED.search(done.stdout), (args, done.stdout)
        assert "pwned" not in done.stdout or args[-1] == "json", args
    assert f"subject: Hallo {REPLACEMENT} Welt {REPLACEMENT} Ende {REPLACEMENT}evil" in \
        outputs[("held",)].stdout
    assert f"Subject: Hallo {REPLACEMENT} Welt" in outputs[("show", str(held))].stdout
    assert f"relay said Hallo {REPLACEMENT}" in outputs[("queue",)].stdout
    # JSON keeps the exact value for machines, escaped.
    (row,) = json.loads(outputs[("held", "--format", "json")].stdout)
    assert row["subject"] == EVIL
    (row,) = json.loads(outputs[("failed", "--format", "json")].stdout)
    assert row["reason"] == f"RuntimeError: {EVIL}"


def test_log_lines_of_a_release_carry_no_control_characters(tmp_path: Path) -> None:
    d = desk(tmp_path)
    rid = d.accept(forward("302-1234567-1234567", message_id="<a\x1b[2J\x1b]0;pwned\x07@x>"))
    d.drain()
    released = d.cli("release", str(rid), "--as", "post_sale_seller_fulfilled")
    assert released.returncode == 0, released.stderr
    assert "event=decided" in released.stderr  # the pipeline's log line, cleaned
    assert not OBEYED.search(released.stdout + released.stderr), released
    shown = d.cli("show", str(rid)).stdout
    assert f"Message-ID: <a{REPLACEMENT}{REPLACEMENT}@x>" in shown
