"""The HTML-to-text tree walk the router used before issue 12, as a reference.

router/mail/html_text.py now streams libxml2's events instead of building
a BeautifulSoup tree (the tree cost seconds on big or deep HTML); its
output must stay exactly what this walk gives, and the differential fuzz
test (tests/fuzz/test_fuzz_html.py) checks that on generated tag soup.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import NavigableString, PageElement, Tag

_DROP = frozenset(("script", "style", "head", "title", "noscript", "template", "object", "svg"))
_BLOCK = frozenset((
    "p", "div", "tr", "li", "ul", "ol", "table", "blockquote", "pre", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "address", "section",
    "article", "header", "footer", "form", "fieldset", "center", "body", "tbody",
    "thead", "caption",
))
_CELL = frozenset(("td", "th"))
_NL, _TAB, _BR = "\ue000", "\ue001", "\ue002"


def reference_text(html: str) -> str:
    """What the old tree walk gave for `html` (small input only: it is slow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")
    out: list[str] = []
    stack: list[PageElement | str] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            out.append(node)
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:
                out.append(str(node))
            continue
        if not isinstance(node, Tag) or node.name in _DROP:
            continue
        if node.name == "br":
            out.append(_BR)
            continue
        if node.name == "pre":
            out.extend((_NL, node.get_text().replace("\n", _BR), _NL))
            continue
        if node.name in _BLOCK:
            out.append(_NL)
            stack.append(_NL)
        elif node.name in _CELL:
            stack.append(_TAB)
        stack.extend(reversed(node.contents))
    return _tidy("".join(out))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t\r\n\f\v\u200b\u2028\u2029]+", " ", text)
    text = re.sub("\ue000(?: ?\ue000)*", _NL, text)
    text = re.sub("\ue002 ?\ue000", _BR, text)
    text = text.replace("\u00a0", " ").replace(_TAB, " ")
    text = text.replace(_NL, "\n").replace(_BR, "\n")
    text = re.sub(r" *\n *", "\n", text)  # quadratic on long runs of spaces
    text = re.sub(r" {2,}", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
