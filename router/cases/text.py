"""The author's own words of a reply: what a case relay passes on.

A reply quotes what it answers (the router's forward, an earlier relay)
below an attribution line, a separator or Outlook's header block; the
markers are the forward table's (`router.decide.unwrap.quote_start`, de,
en, fr, zh and the usual clients).  The lines above the first marker are
the new text, passed on exactly as written: no line is reflowed, trimmed
or re-encoded.  Where there is no marker, a trailing block of `>`-quoted
lines is left out; where the new text would be empty (a reply written
below the quote), the whole text is passed on.  The whole message travels
attached to every relay as well, so nothing a person wrote is lost where
this guesses wrong.
"""

from __future__ import annotations

from router.decide.unwrap import quote_start
from router.mail.message import ParsedMail


def own_text(mail: ParsedMail) -> str:
    """The new text of a reply, unchanged but for line ends and blank lines around it."""
    text = mail.text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    start = quote_start(text)
    own = lines[:start] if start is not None else _without_trailing_quote(lines)
    kept = _trimmed(own)
    if not kept:
        kept = _trimmed(lines)
    return "\n".join(kept)


def _without_trailing_quote(lines: list[str]) -> list[str]:
    """`lines` without the block of quoted (and blank) lines at their end."""
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if end == len(lines) or not any(line.lstrip().startswith(">") for line in lines[end:]):
        return lines
    return lines[:end]


def _trimmed(lines: list[str]) -> list[str]:
    """Without blank lines at the start and the end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]
