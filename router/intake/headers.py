"""The header edits every intake makes before storing: X-CSBA-* out, Message-ID read.

Our own forwards carry X-CSBA-* headers that the CSBA team trusts (region,
seller, category, contact); the same names coming from outside must not
survive into anything the router later reads or writes.  Which lines are
header fields is decided by router.mail.header, the rule of the parser the
classifier reads stored mail with (plus RFC 5322's obsolete ``Name : value``
form), so every field the classifier could see is removed.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from router.mail.header import section_span

_CSBA_PREFIX = b"x-csba-"
_CSBA = re.compile(re.escape(_CSBA_PREFIX), re.IGNORECASE)
# Inside a header section, where every line is a header line: an X-CSBA-*
# field (also in the obsolete "Name : value" form) at a line's start (after
# CR or LF, or at the start), with its continuation lines.
_CSBA_FIELD = re.compile(
    rb"(?<![^\r\n])x-csba-[\x21-\x39\x3b-\x7e]*+[ \t]*+:[^\r\n]*+(?:\r\n?|\n|\Z)"
    rb"(?:[\t ][^\r\n]*+(?:\r\n?|\n|\Z))*+", re.IGNORECASE)
_MESSAGE_ID_NAME = b"message-id:"
# A line that starts a Message-ID field (a bare CR ends a line too).
_MESSAGE_ID_LINE = re.compile(rb"(?<=[\r\n])message-id:", re.IGNORECASE)
# A field's first line and its continuation lines.
_FIELD_LINES = re.compile(rb"[^\r\n]*+(?:\r\n?|\n|\Z)(?:[\t ][^\r\n]*+(?:\r\n?|\n|\Z))*+")
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
    """`strip_csba_headers` and `message_id_of` from one look at the header.

    Every arriving message needs both, and intake's cost per message is what
    a sender waits for: the header's bounds come from one regex pass
    (router.mail.header.section_span), and fields are only cut out where an
    ``X-CSBA-`` appears in it.  The Message-ID is the first such field the
    parser reads in the bytes returned.
    """
    begin, parser_end, end = section_span(raw, lenient=True)
    if _CSBA.search(raw, begin, end) is not None:
        cleaned = _strip(raw)
        if cleaned is not raw:
            raw = cleaned
            begin, parser_end, _ = section_span(raw)
    return raw, _first_message_id(raw, begin, parser_end)


def _strip(raw: bytes) -> bytes:
    """`raw` without its X-CSBA-* fields (each with its continuation lines).

    Where every field of the section goes, the parser skips the blank line
    that ended them and reads the next lines as the header: they are
    stripped the same way.  Regex substitutions only, so a header of a
    million forged fields costs what one pass over the bytes costs.
    """
    pieces: list[bytes] = []
    pos = 0
    while True:
        begin, _, end = section_span(raw, pos, lenient=True)
        section = raw[begin:end]
        kept = _CSBA_FIELD.sub(b"", section)
        if len(kept) == len(section):
            break
        pieces += (raw[pos:begin], kept)
        if kept.endswith(b"\r") and raw.startswith(b"\n", end):
            # "...\r" next to the separator's "\n" would be one CRLF: the
            # empty line would vanish and the body become header.
            pieces.append(b"\n")
        pos = end
        if kept:
            break
    if not pieces:
        return raw
    pieces.append(raw[pos:])
    return b"".join(pieces)


def _first_message_id(raw: bytes, begin: int, end: int) -> str | None:
    """The value of the first Message-ID field of the header lines raw[begin:end].

    Every line that starts there with "Message-ID:" is such a field (the
    span holds header lines only); its continuation lines go with it.
    """
    if raw[begin:min(begin + len(_MESSAGE_ID_NAME), end)].lower() == _MESSAGE_ID_NAME:
        start = begin
    else:
        found = _MESSAGE_ID_LINE.search(raw, begin + 1, end)
        if found is None:
            return None
        start = found.start()
    field = _FIELD_LINES.match(raw, start, end)
    assert field is not None  # it matches any text
    return _message_id(field.group(), raw[begin:end])


def _message_id(field: bytes, header: bytes) -> str | None:
    """The Message-ID value from its field's lines, blanks removed; None when unusable.

    Plain ASCII (all real Message-IDs) is read directly; anything else goes
    through Python's header parser, which knows encoded and 8-bit forms.
    """
    if field.isascii():
        text = re.sub(r"\s+", "", field.decode("ascii").split(":", 1)[1])
    else:
        try:
            value = BytesHeaderParser(policy=compat32).parsebytes(header).get("Message-ID")
        except Exception:  # a message is accepted even when its header is unreadable
            return None
        text = re.sub(r"\s+", "", str(value)) if value is not None else ""
    if _CONTROL.search(text):
        return None
    return text or None
