"""HTML bodies turned into plain text with the line structure kept.

Forward detection works line by line ("Von: ..." on its own line after a
separator), so block elements and <br> must become line breaks while
inline markup (<b>Von:</b> <a>addr</a>) must not.  A real parser copes with
the tag soup Outlook and webmailers write; regexes over HTML do not.

Cost is linear in the input for any input (the router may be sent HTML
built to be slow).  The parser is libxml2's (lxml), driven as a stream: its
events go straight to a small state machine instead of building a tree, so
neither deep nesting nor millions of tags cost more than a constant each.
Caps per part: `MAX_HTML_CHARS` characters, `MAX_HTML_ELEMENTS` elements
and `MAX_HTML_STRINGS` strings are read, the rest is ignored (2 MB built
to be slow converts in about 0.3 s, see bench/worst_html.py); `_tidy`
then uses only patterns that cannot retry over a run.

The text is exactly what walking BeautifulSoup's lxml tree gave before
(tests/fuzz checks it against that walk on generated tag soup): a block
element starts and ends a line, <br> breaks one, cells are separated by
a space, `<pre>` is its strings with their newlines kept, comments,
doctypes and processing instructions are dropped, and so are strings
inside rt, rp, script, style or template (BeautifulSoup's "string
containers") wherever they occur.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

MAX_HTML_CHARS = 2_000_000
# Elements and strings (text between tags, entities) handled per part:
# each costs a Python call or two, and mail with more is generated (the
# densest real mail at hand, a 256 KB newsletter, has 6,000 events: 2 MB
# of it would have 47,000).  The rest of the part is ignored.
MAX_HTML_ELEMENTS = 100_000
MAX_HTML_STRINGS = 500_000

_DROP = frozenset(("script", "style", "head", "title", "noscript", "template", "object", "svg"))
_BLOCK = frozenset((
    "p", "div", "tr", "li", "ul", "ol", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "address", "section",
    "article", "header", "footer", "form", "fieldset", "center", "body", "tbody",
    "thead", "caption",
))
_CELL = frozenset(("td", "th"))
# Strings inside these (at any depth) are not body text.
_CONTAINERS = frozenset(("rt", "rp", "script", "style", "template"))
# Private-use characters survive whitespace collapsing and stand for
# line breaks / cell gaps until the very end.
_NL = "\ue000"  # block boundary: runs of them make one line break
_TAB = "\ue001"
_BR = "\ue002"  # <br>: each one is a line break
_SPACES = re.compile(r"[ \t\r\n\f\v\u200b\u2028\u2029]+")
_BLOCK_RUN = re.compile("\ue000(?: ?\ue000)*")
_BR_AT_BLOCK = re.compile("\ue002 ?\ue000")
_MANY_SPACES = re.compile(r" {2,}")
_MANY_NL = re.compile(r"\n{3,}")

# What an element does when it closes (kept on the open-element stack).
_PLAIN, _HIDE, _PRE, _BLOCK_END, _CELL_END, _BREAK = range(6)
_ACTIONS = {
    **dict.fromkeys(_BLOCK, _BLOCK_END), **dict.fromkeys(_CELL, _CELL_END),
    **dict.fromkeys(_DROP, _HIDE), "pre": _PRE, "br": _BREAK,
}
_OPENS = {_BLOCK_END: _NL, _PRE: _NL, _BREAK: _BR}


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment; never raises."""
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    if html.startswith("\ufeff"):
        html = html[1:]
    try:
        return _tidy(_parse(html))
    except Exception:  # noqa: BLE001 - a parser bug must not lose the mail
        # Lone surrogates (from a broken utf-7 part, say) cannot be handed
        # to libxml2; replace them and parse once more.
        clean = html.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        try:
            return _tidy(_parse(clean))
        except Exception:  # noqa: BLE001
            return _tidy(clean.replace("<", " "))


class _Enough(Exception):
    """Raised by the target to stop the parser at a cap."""


def _parse(html: str) -> str:
    try:
        return _feed(html, etree.HTMLParser)
    except (UnicodeDecodeError, LookupError, etree.ParserError):
        # As BeautifulSoup did: libxml2 refused the text, try its UTF-8.
        return _feed(html.encode("utf8"), lambda **kw: etree.HTMLParser(encoding="utf8", **kw))


def _feed(html: str | bytes, make: Callable[..., etree.HTMLParser]) -> str:
    target = _TextTarget()
    parser = make(target=target, recover=True)
    try:
        parser.feed(html)
        parser.close()
    except _Enough:
        target.close()
    return target.text()


class _TextTarget:
    """lxml parser target: start/end/data events in, marked-up text out.

    Open elements are kept on a stack as (name, what to do at its end),
    and an end tag closes up to the most recent open element of its name
    (none if there is none), as a tree builder would.
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[tuple[str, int, bool]] = []
        self.open_count: dict[str, int] = {}
        self.hidden = 0  # open elements whose content is not text (script, br, ...)
        self.pre = 0  # open <pre> elements whose strings are kept as they are
        self.containers = 0  # open rt/rp/script/style/template
        self.elements = 0
        self.strings = 0

    def start(self, tag: str, attrib: object, nsmap: object = None) -> None:
        self.elements += 1
        if self.elements > MAX_HTML_ELEMENTS:
            raise _Enough
        action = _PLAIN
        if not self.hidden and not self.pre:
            action = _ACTIONS.get(tag, _PLAIN)
            if action:
                opens = _OPENS.get(action)
                if opens:
                    self.out.append(opens)
                if action == _BREAK:
                    action = _HIDE
                if action == _HIDE:
                    self.hidden += 1
                elif action == _PRE:
                    self.pre += 1
        container = tag in _CONTAINERS
        if container:
            self.containers += 1
        self.stack.append((tag, action, container))
        self.open_count[tag] = self.open_count.get(tag, 0) + 1

    def end(self, tag: str) -> None:
        if not self.open_count.get(tag):
            return
        while self.stack:
            name = self._pop()
            if name == tag:
                break

    def _pop(self) -> str:
        name, action, container = self.stack.pop()
        self.open_count[name] -= 1
        if container:
            self.containers -= 1
        if action == _HIDE:
            self.hidden -= 1
        elif action == _PRE:
            self.pre -= 1
            self.out.append(_NL)
        elif action == _BLOCK_END:
            self.out.append(_NL)
        elif action == _CELL_END:
            self.out.append(_TAB)
        return name

    def data(self, text: str) -> None:
        self.strings += 1
        if self.strings > MAX_HTML_STRINGS:
            raise _Enough
        if self.hidden or self.containers:
            return
        self.out.append(text.replace("\n", _BR) if self.pre else text)

    def close(self) -> None:
        while self.stack:
            self._pop()

    def text(self) -> str:
        return "".join(self.out)


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _BLOCK_RUN.sub(_NL, text)
    text = _BR_AT_BLOCK.sub(_BR, text)
    text = text.replace("\u00a0", " ").replace(_TAB, " ")
    text = text.replace(_NL, "\n").replace(_BR, "\n")
    # Spaces around line breaks go.  Not re.sub(r" *\n *"): that retries
    # at every space of a newline-free run (quadratic on a million &nbsp;).
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    text = _MANY_SPACES.sub(" ", text)
    text = _MANY_NL.sub("\n\n", text)
    return text.strip()
