"""The header edits every intake makes before storing: X-CSBA-* out, Message-ID read.

Our own forwards carry X-CSBA-* headers that the CSBA team trusts (region,
seller, category, contact); the same names coming from outside must not
survive into anything the router later reads or writes.  Which lines are
header fields is decided by router.mailheader, the rule of the parser the
classifier reads stored mail with (plus RFC 5322's obsolete ``Name : value``
form), so every field the classifier could see is removed.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from router.mailheader import HeaderSection, read_header

_CSBA_PREFIX = b"x-csba-"
# A Message-ID with these cannot be stored as text everywhere (PostgreSQL
# refuses NUL) and is no real Message-ID: stored as none.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def strip_csba_headers(raw: bytes) -> bytes:
    """``raw`` without header fields named ``X-CSBA-*``, byte for byte otherwise.

    Only the header section is touched, folded continuations go with their
    field, a body line that merely looks like such a header stays.
    """
    return clean_message(raw)[0]


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID field's value, unfolded; None when absent or unreadable.

    Later stages recognise the same message arriving twice by it.
    """
    return clean_message(raw)[1]


def clean_message(raw: bytes) -> tuple[bytes, str | None]:
    """`strip_csba_headers` and `message_id_of` from one pass over the header.

    Every arriving message needs both, and intake's cost per message is what
    a sender waits for.  The Message-ID is the first such field the parser
    itself reads (not one only the obsolete form makes a field).
    """
    spans: list[tuple[int, int]] = []  # the parts of raw that stay, in order
    pos = 0
    while True:
        section = read_header(raw, start=pos, lenient=True)
        if not section.lines:
            break
        kept = [line for line in section.lines if not _is_csba(line.field)]
        if len(kept) == len(section.lines):
            break
        spans.append((pos, section.lines[0].start))
        spans.extend((line.start, line.end) for line in kept)
        pos = section.lines[-1].end
        if kept:
            break
        # Every field went: the parser now skips the blank line that ended
        # them and reads the next lines as the header, so they are one too.
    if not spans:
        return raw, _message_id(raw, section)
    spans.append((pos, len(raw)))
    return _joined(raw, spans), _message_id(raw, section)


def _joined(raw: bytes, spans: list[tuple[int, int]]) -> bytes:
    """The spans of raw put together, each line still the line it was.

    A line that ends in a bare CR, put next to one that starts with LF, would
    merge with it into one CRLF (an empty separator line would vanish and the
    body become header): such a line gets its LF.
    """
    out: list[bytes] = []
    end = 0
    for start, stop in spans:
        if start == stop:
            continue
        if out and start != end and raw[end - 1:end] == b"\r" and raw[start:start + 1] == b"\n":
            out.append(b"\n")
        out.append(raw[start:stop])
        end = stop
    return b"".join(out)


def _is_csba(field: bytes | None) -> bool:
    return field is not None and field.startswith(_CSBA_PREFIX)


def _message_id(raw: bytes, section: HeaderSection) -> str | None:
    """The first Message-ID field's value, blanks removed; None without a usable one.

    Plain ASCII (all real Message-IDs) is read directly; anything else goes
    through Python's header parser, which knows encoded and 8-bit forms.
    """
    lines = section.lines
    found = next((i for i, line in enumerate(lines[:section.parser_lines])
                  if line.first and line.field == b"message-id"), None)
    if found is None:
        return None
    last = found + 1
    while last < len(lines) and not lines[last].first:
        last += 1
    field = raw[lines[found].start:lines[last - 1].end]
    if field.isascii():
        text = re.sub(r"\s+", "", field.decode("ascii").split(":", 1)[1])
    else:
        header = raw[lines[0].start:section.body_start]
        try:
            value = BytesHeaderParser(policy=compat32).parsebytes(header).get("Message-ID")
        except Exception:  # a message is accepted even when its header is unreadable
            return None
        text = re.sub(r"\s+", "", str(value)) if value is not None else ""
    if _CONTROL.search(text):
        return None
    return text or None
