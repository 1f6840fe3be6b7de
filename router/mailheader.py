"""Where a message's header section ends, and which line belongs to which field.

One rule for every reader of stored mail: intake strips ``X-CSBA-*`` fields
by it, and it is the rule of Python's email parser, which the classifier
reads messages with (router.decide.parse).  When the two read headers
differently, a field placed where only the parser still sees a header (after
a stray ``From `` line, a ``:value`` line, or a bare CR inside a line)
survives intake's strip and reaches the classifier as if the router had
written it.

The parser's rule (email.feedparser with the compat32 policy, after
router.decide.parse has dropped a leading byte-order mark and blank lines):

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"

# The parser's test for a header-section line (email.feedparser.headerRE).
_SECTION_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")
# RFC 5322 4.5.3: obsolete field syntax, blanks between the name and ":".
_OBSOLETE_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]+:")
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class HeaderLine:
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
        found = _LINE_END.search(raw, pos)
        end = found.end() if found is not None else size
        if not _SECTION_LINE.match(raw, pos):
            obsolete = _OBSOLETE_FIELD.match(raw, pos, end) if lenient else None
            if obsolete is None:
                if found is not None and found.start() == pos:  # the empty separator line
                    pos = end
                break
            field = obsolete.group(1).lower()
            if parser_lines is None:
                parser_lines = len(lines)
            lines.append(HeaderLine(pos, end, field, True))
        elif raw[pos] in b" \t":
            lines.append(HeaderLine(pos, end, field, False))
        elif raw.startswith(b"From ", pos):
            field = None  # the envelope line, or a misplaced one: no field
            lines.append(HeaderLine(pos, end, None, True))
        else:
            colon = raw.index(b":", pos)
            field = raw[pos:colon].lower() or None  # ":value" names no field
            lines.append(HeaderLine(pos, end, field, True))
        pos = end
    return HeaderSection(tuple(lines), pos,
                         len(lines) if parser_lines is None else parser_lines)
