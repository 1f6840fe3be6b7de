"""Text from mail made safe to print: no control characters reach the terminal.

Anyone can write a Subject, a Message-ID or an envelope address, and an
RFC 2047 encoded word carries any character, escape sequences included: an
operator's `held` must not let a sender retitle the window (OSC), clear the
screen (CSI), hide text or reorder it (bidi overrides).  Every command that
prints values taken from mail passes them through `clean` (one line) or
`clean_block` (several lines) for tables, and `json_text` for JSON.

What goes: each escape sequence (CSI, OSC, DCS/SOS/PM/APC strings up to
their terminator, other two-byte ESC sequences, and the 8-bit C1 forms) and
every other C0/C1 control, DEL and bidi control becomes one U+FFFD, so the
reader sees that something was there.  In one-line text, tabs and line
breaks become a space.  The text log lines of one-shot commands
(`router.logs`) pass through `clean` too.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"

_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI: parameters, final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # strings
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # any other escape sequence (or a lone ESC)
)
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
_BLOCK_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
# Characters JSON may carry raw that a terminal still obeys: written as \\uXXXX.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}]")


def clean(text: object) -> str:
    """`text` on one line, without escape sequences or control characters."""
    return _CONTROLS.sub(REPLACEMENT, _ESCAPES.sub(REPLACEMENT,
                                                    _LINE_BREAKS.sub(" ", str(text))))


def clean_block(text: object) -> str:
    """`text` keeping its line breaks (as \\n) and tabs; everything else as in `clean`."""
    lines = _BLOCK_BREAKS.sub("\n", str(text)).split("\n")
    return "\n".join(_CONTROLS.sub(REPLACEMENT, _ESCAPES.sub(REPLACEMENT, line))
                     for line in lines)


def json_text(value: Any, **options: Any) -> str:
    """`json.dumps` (non-ASCII kept readable) with the terminal's controls escaped too.

    JSON escapes C0 controls itself; DEL, C1 controls and bidi controls are
    allowed raw in JSON strings, so they are written as \\uXXXX here (the
    same value for a JSON reader, inert on a terminal).
    """
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
