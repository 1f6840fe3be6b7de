"""Where a message's header section ends, and which line belongs to which field.

One rule for every reader of stored mail: intake strips ``X-CSBA-*`` fields
by it, and it is the rule of Python's email parser, which the classifier
reads messages with (router.mail.read).  When the two read headers
differently, a field placed where only the parser still sees a header (after
a stray ``From `` line, a ``:value`` line, or a bare CR inside a line)
survives intake's strip and reaches the classifier as if the router had
written it.

The parser's rule (email.feedparser with the compat32 policy, after
router.mail.read has dropped a leading byte-order mark and blank lines):

- lines end at CRLF, LF or a bare CR;
- the section goes on while a line starts with ``From ``, with a run of
  printable non-blank characters other than ``:`` followed by ``:``
  (possibly none: ``:value``), or with a blank or tab (a continuation);
- an empty line ends it and is not part of the body; any other line ends
  it and is the body's first line;
- inside the section a ``From `` line (the first: the mbox envelope line;
  a later one: misplaced) and a ``:value`` line start no field, and
  continuation lines after them, or at the very start, belong to no field.

``lenient=True`` reads a superset, for stripping: a line in RFC 5322's
obsolete form ``Name : value`` (blanks before the colon), which the parser
takes for the first body line, is read as a field and the section goes on,
as a mail program that accepts the obsolete syntax would read it.  What any
of these readers takes for an ``X-CSBA-*`` field is then removed.

The rule comes in two forms, held to each other and to Python's parser by
tests/intake/test_csba_strip.py: :func:`section_span`, the bounds from one
regex pass (what intake uses: linear, and a header of a million lines
costs C, not Python, per line), and :func:`read_header`, the lines one by
one with the field each belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

BOM = b"\xef\xbb\xbf"

# A field line as the parser's test (email.feedparser.headerRE) accepts it:
# printable characters other than ":" and blanks (possibly none), then ":".
_FIELD_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]*:")
# RFC 5322 4.5.3: obsolete field syntax, blanks between the name and ":".
_OBSOLETE_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]+:")
_BLANK = b" \t"
# The same rule as one regex over the whole section (read_header lists the lines).
# Possessive: nothing here ever needs to backtrack, and a repetition that
# keeps no positions to go back to costs a third as much per line.
_SECTION = re.compile(
    rb"(?:(?:[\x21-\x39\x3b-\x7e]*+:|From |[\t ])[^\r\n]*+(?:\r\n?|\n|\Z))*+")
_OBSOLETE_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]++[ \t]++:[^\r\n]*+(?:\r\n?|\n|\Z)")


class HeaderLine(NamedTuple):
    """One line of the header section, as offsets into the message."""

    start: int
    end: int  # after the line's own ending
    field: bytes | None  # lower-cased name of the field it belongs to; None: of none
    first: bool  # the field's first line (False for a continuation)


@dataclass(frozen=True, slots=True)
class HeaderSection:
    """The header section of a message: its lines and where the body starts."""

    lines: tuple[HeaderLine, ...]
    body_start: int  # where the section ends (after the empty separator line, if any)
    parser_lines: int  # how many of `lines` the parser reads (all unless lenient found more)


def parser_start(raw: bytes, pos: int = 0) -> int:
    """Where the classifier's parser starts reading: past a BOM and blank lines.

    From `pos` on; a BOM is skipped only at the very start of the message.
    """
    if pos == 0 and raw.startswith(BOM):
        pos = len(BOM)
    while pos < len(raw) and raw[pos] in b"\r\n":
        pos += 1
    return pos


def line_end(raw: bytes, pos: int) -> int:
    """The offset after the line that starts at `pos` (CRLF, LF or a bare CR ends it)."""
    newline = raw.find(b"\n", pos)
    stop = len(raw) if newline < 0 else newline
    cr = raw.find(b"\r", pos, stop)
    if cr >= 0 and cr + 1 != newline:
        return cr + 1  # a bare CR
    return stop if newline < 0 else newline + 1


def section_span(raw: bytes, start: int = 0, *, lenient: bool = False) -> tuple[int, int, int]:
    """Where the header section begins, where the parser's reading of it ends, and its end.

    The bounds `read_header` finds (the end before any empty separator
    line), from one regex pass without listing the lines: the cheap first
    look for the common message, which needs nothing more.
    """
    begin = parser_start(raw, start)
    parser_end = end = _SECTION.match(raw, begin).end()  # type: ignore[union-attr]
    while lenient and (obsolete := _OBSOLETE_LINE.match(raw, end)) is not None:
        end = _SECTION.match(raw, obsolete.end()).end()  # type: ignore[union-attr]
    return begin, parser_end, end


def read_header(raw: bytes, *, start: int = 0, lenient: bool = False) -> HeaderSection:
    """The header section of `raw[start:]` by the rule above (see the module's docstring).

    Lines are offsets into `raw`.
    """
    lines: list[HeaderLine] = []
    pos = parser_start(raw, start)
    field: bytes | None = None
    parser_lines: int | None = None
    size = len(raw)
    while pos < size:
        end = line_end(raw, pos)
        if raw[pos] in _BLANK:
            lines.append(HeaderLine(pos, end, field, False))
        elif raw.startswith(b"From ", pos):
            field = None  # the envelope line, or a misplaced one: no field
            lines.append(HeaderLine(pos, end, None, True))
        elif (name := _FIELD_NAME.match(raw, pos, end)) is not None:
            field = raw[pos:name.end() - 1].lower() or None  # ":value" names no field
            lines.append(HeaderLine(pos, end, field, True))
        else:
            obsolete = _OBSOLETE_FIELD.match(raw, pos, end) if lenient else None
            if obsolete is None:
                if raw[pos] in b"\r\n":  # the empty separator line
                    pos = end
                break
            field = obsolete.group(1).lower()
            if parser_lines is None:
                parser_lines = len(lines)
            lines.append(HeaderLine(pos, end, field, True))
        pos = end
    return HeaderSection(tuple(lines), pos,
                         len(lines) if parser_lines is None else parser_lines)
