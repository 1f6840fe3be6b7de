"""HTML bodies turned into plain text with the line structure kept.

Forward detection works line by line ("Von: ..." on its own line after a
separator), so block elements and <br> must become line breaks while
inline markup (<b>Von:</b> <a>addr</a>) must not.  A real parser copes with
the tag soup Outlook and webmailers write; regexes over HTML do not.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import NavigableString, PageElement, Tag

MAX_HTML_CHARS = 2_000_000
# Past this size the tree parser costs seconds; mail that big is
# newsletters and generated reports, where a tag-stripping pass is enough.
MAX_PARSED_HTML_CHARS = 400_000

_DROP = frozenset(("script", "style", "head", "title", "noscript", "template", "object", "svg"))
_BLOCK = frozenset((
    "p", "div", "tr", "li", "ul", "ol", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "address", "section",
    "article", "header", "footer", "form", "fieldset", "center", "body", "tbody",
    "thead", "caption",
))
_CELL = frozenset(("td", "th"))
# Private-use characters survive whitespace collapsing and stand for
# line breaks / cell gaps until the very end.
_NL = "\ue000"  # block boundary: runs of them make one line break
_TAB = "\ue001"
_BR = "\ue002"  # <br>: each one is a line break
_SPACES = re.compile(r"[ \t\r\n\f\v\u200b\u2028\u2029]+")
_BLOCK_RUN = re.compile("\ue000(?: ?\ue000)*")
_BR_AT_BLOCK = re.compile("\ue002 ?\ue000")
_AROUND_NL = re.compile(r" *\n *")
_MANY_NL = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment; never raises."""
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    if len(html) > MAX_PARSED_HTML_CHARS:
        return _fallback(html)
    try:
        return _convert(html)
    except Exception:  # noqa: BLE001 - a parser bug must not lose the mail
        return _fallback(html)


def _convert(html: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")
    out: list[str] = []
    # Iterative walk (deeply nested mail HTML would overflow recursion);
    # the end markers are pushed below a tag's children.
    stack: list[PageElement | str] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            out.append(node)  # an end marker
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:  # not a comment, doctype, ...
                out.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in _DROP:
            continue
        if name == "br":
            out.append(_BR)
            continue
        if name == "pre":
            out.extend((_NL, node.get_text().replace("\n", _BR), _NL))
            continue
        if name in _BLOCK:
            out.append(_NL)
            stack.append(_NL)
        elif name in _CELL:
            stack.append(_TAB)
        stack.extend(reversed(node.contents))
    return _tidy("".join(out))


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _BLOCK_RUN.sub(_NL, text)
    text = _BR_AT_BLOCK.sub(_BR, text)
    text = text.replace("\u00a0", " ").replace(_TAB, " ")
    text = text.replace(_NL, "\n").replace(_BR, "\n")
    text = _AROUND_NL.sub("\n", text)
    text = re.sub(r" {2,}", " ", text)
    text = _MANY_NL.sub("\n\n", text)
    return text.strip()


_TAG = re.compile(r"<[^>]*>")
_DROP_BLOCK = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BREAK_TAG = re.compile(r"<\s*/?\s*(br|p|div|tr|li|table|h[1-6]|blockquote)\b[^>]*>", re.I)


def _fallback(html: str) -> str:
    """Tag stripping for HTML too big to parse, or where the parser failed."""
    import html as htmllib

    text = _DROP_BLOCK.sub(" ", html)
    text = _BREAK_TAG.sub(_NL, text)
    text = _TAG.sub(" ", text)
    return _tidy(htmllib.unescape(text))
