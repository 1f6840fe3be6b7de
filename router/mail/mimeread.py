"""The standard email parser with a budget, and a fast path for simple mail.

`read_message(data)` is `message_from_bytes(data, policy=compat32)` with
two differences:

- Where the headers cannot make the message multipart or message/* (no
  "multipart" or "message/" in them), the header block is found as the
  parser finds it, parsed alone, and the rest set as the payload, as the
  parser would set it: the parser reads a body line by line only to join
  the lines again, which for a single text part costs more than the rest.
- The parser costs a Python loop per line, per header field and per MIME
  part, so a 25 MB message built of them stalled a worker (5 MB of empty
  parts: 22 s, of header fields: 8 s, of blank lines in one part: 6.7 s).
  It is fed in chunks; once the message has given more than
  `MAX_PARSED_PARTS` parts, `MAX_PARSED_HEADERS` header fields or
  `MAX_PARSED_LINES` lines, feeding stops, the parser is closed on what it
  has and the rest of the message is ignored; a header block of more
  than `MAX_PARSED_HEADERS` lines is cut there.  Real mail stays far
  below: a 25 MB attachment is 330,000 base64 lines.  The worst left is
  a part whose header block is the whole line budget (the parser reads
  a header block whole before it stores a field): 25 MB of it take
  about 2.5 s on the 2-core machine, against 30 s before.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from email import errors
from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import Policy, compat32

MAX_PARSED_PARTS = 2_100  # read.MAX_PARTS are read; a few more tell there were more
MAX_PARSED_HEADERS = 50_000
MAX_PARSED_LINES = 500_000
_CHUNK = 1 << 16


@dataclass
class _Budget:
    parts: int = 0
    headers: int = 0

    def spent(self, lines: int) -> bool:
        return (self.parts > MAX_PARSED_PARTS or self.headers > MAX_PARSED_HEADERS
                or lines > MAX_PARSED_LINES)


class _CountedMessage(Message):
    """A Message that counts the header fields the parser stores in it."""

    budget: _Budget

    def set_raw(self, name: str, value: str) -> None:
        self.budget.headers += 1
        super().set_raw(name, value)


def read_message(data: bytes) -> tuple[Message, bool]:
    """The parsed message, and whether the budget cut it short."""
    text = data.decode("ascii", "surrogateescape")
    block = _HeaderBlock.of(text)
    lowered = text[: block.end].lower()
    if block.too_long:  # only headers, and too many: read as many as the budget
        return _parse(data[: block.end])[0], True
    if "multipart" in lowered or "message/" in lowered or block.ends_in_from_line:
        return _parse(data)
    # One character per byte (ASCII, the rest as surrogates): the header
    # block's bytes end where its text does.
    msg, cut = _parse(data[: block.end])
    msg.set_payload(text[block.body_start:])
    if block.missing_separator:  # noted before the headers' own defects
        msg.defects.insert(0, errors.MissingHeaderBodySeparatorDefect())
    return msg, cut


def _parse(data: bytes) -> tuple[Message, bool]:
    budget = _Budget()

    def factory(policy: Policy = compat32) -> Message:
        budget.parts += 1
        msg = _CountedMessage(policy=policy)
        msg.budget = budget
        return msg

    parser = BytesFeedParser(_factory=factory, policy=compat32)
    budget.parts = 0  # the parser calls the factory once to try it
    lines = 0
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        parser.feed(chunk)
        lines += chunk.count(b"\n")
        if budget.spent(lines) and start + _CHUNK < len(data):
            return parser.close(), True
    if not data:
        parser.feed(b"")
    return parser.close(), False


# The email package's own tests for a header line and a blank line
# (email.feedparser's headerRE and NLCRE).
_HEADER_START = re.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class _HeaderBlock:
    """Where the email parser ends a message's headers and starts its body."""

    end: int
    body_start: int
    missing_separator: bool  # the body starts with a line that is not a header
    ends_in_from_line: bool  # a later "From " line, which the parser moves to the body
    too_long: bool = False  # more lines than the budget: let the budgeted parser read it

    @classmethod
    def of(cls, text: str) -> _HeaderBlock:
        stream = io.StringIO(text, newline="")  # the parser's own line splitting
        end = 0
        last = ""
        count = 0
        while line := stream.readline():
            if not _HEADER_START.match(line):
                missing = not _NEWLINE.match(line)
                return cls(end, end if missing else end + len(line), missing,
                           count > 1 and last.startswith("From "))
            end += len(line)
            last = line
            count += 1
            if count > MAX_PARSED_HEADERS:
                return cls(end, end, False, False, too_long=True)
        return cls(end, end, False, count > 1 and last.startswith("From "))
