"""Inputs built to be slow: the known worst cases for each per-message step.

Shared by the tests (tests/mail/test_html_text.py, tests/fuzz/) and by
bench/worst_html.py, which times them through the whole decide path.  Each
builder takes a size in characters so a bench can show how the cost grows
(linear: double the size, double the time).
"""

from __future__ import annotations

from collections.abc import Callable


def repeat(unit: str, size: int) -> str:
    """`unit` repeated to exactly `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


# name -> (what it attacks, builder of `size` characters)
HTML_CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    "unclosed_tag": (
        "one tag never closed: the old <[^>]*> fallback was quadratic (issue 12)",
        lambda n: "<a " + "x" * (n - 3)),
    "unclosed_tags": ("tags opened, never closed", lambda n: repeat("<p x", n)),
    "lt_run": ("a run of '<'", lambda n: "<" * n),
    "lt_name_run": ("'<a' repeated", lambda n: repeat("<a", n)),
    "deep_div": ("<div> nested without end", lambda n: repeat("<div>", n)),
    "deep_inline": ("<b> nested without end", lambda n: repeat("<b>", n)),
    "deep_mixed": ("blocks, tables and cells nested",
                   lambda n: repeat("<div><span><table><tr><td><p>", n)),
    "deep_then_wrong_ends": ("deep nesting closed by end tags never opened",
                             lambda n: repeat("<b>", n // 2) + repeat("</i>", n - n // 2)),
    "many_attributes": ("one tag with a million attributes",
                        lambda n: "<a " + repeat("x=1 ", n - 4) + ">"),
    "quoted_attributes": ("quoted attributes, never closed",
                          lambda n: "<a " + repeat("x=\"1\" y='2' ", n - 3)),
    "comment_openers": ("'<!--' repeated, never closed", lambda n: repeat("<!--", n)),
    "comment_unclosed": ("one comment never closed", lambda n: "<!--" + "x" * (n - 4)),
    "lazy_drop_block": ("<script> opened, never closed: the old lazy block pattern",
                        lambda n: repeat("<script>x", n)),
    "style_openers": ("<style> repeated", lambda n: repeat("<style>a", n)),
    "cdata_openers": ("'<![CDATA[' repeated", lambda n: repeat("<![CDATA[", n)),
    "pi_openers": ("'<?x' repeated", lambda n: repeat("<?x", n)),
    "doctype_openers": ("'<!DOCTYPE ' repeated", lambda n: repeat("<!DOCTYPE ", n)),
    "entities": ("'&amp' without ';'", lambda n: repeat("&amp", n)),
    "numeric_entities": ("huge numeric references", lambda n: repeat("&#99999999", n)),
    "nbsp_run": ("a run of &nbsp; between words: ' *\\n *' in _tidy was quadratic",
                 lambda n: "x" + repeat("&nbsp;", n - 2) + "y"),
    "raw_nbsp_run": ("a run of U+00A0 between words", lambda n: "x" + "\u00a0" * (n - 2) + "y"),
    "pre_breaks": ("<pre> and <br> nested", lambda n: repeat("<pre>\n<br>", n)),
    "paragraphs": ("many small paragraphs", lambda n: repeat("<p>a</p>", n)),
    "cells": ("cells never closed", lambda n: repeat("<td>", n)),
    "ruby": ("ruby text nested", lambda n: repeat("<ruby><rt>", n)),
    "end_tags": ("end tags only", lambda n: repeat("</b>", n)),
}


def html_case(name: str, size: int) -> str:
    return HTML_CASES[name][1](size)


# Plain-text units whose long runs attack the per-message steps after the
# HTML: address, order-id and number patterns, unwrap's header-block and
# quote patterns, the phrase matcher and the language cleaner.
TEXT_UNITS: dict[str, str] = {
    "letters": "a",
    "dots": "a.",
    "address_parts": "a@",
    "at_signs": "@a",
    "digits": "1",
    "digit_groups": "123-",
    "order_id_parts": "302-1234567-",
    "spaces": " ",
    "tabs": "\t",
    "quote_marks": ">",
    "angles": "<a@",
    "brackets": "[a@",
    "underscores": "a_",
    "plus_signs": "a+",
    "labels": "Von: ",
    "label_words": "From To Cc ",
    "words": "bitte ",
    "phrase_start": "würde ich ",
    "encoded_words": "=?utf-8?q?",
    "urls": "http://",
    "han": "订",
    "nbsp": "\u00a0",
    "dashes": "\u2013",
}
HEADER_NAMES = ("From", "Subject", "Reply-To", "Return-Path", "Message-ID", "To", "Date",
                "References", "Auto-Submitted", "Content-Type")


def text_mail(unit: str, size: int, *, header: str | None = None) -> bytes:
    """A message whose body (or, with `header`, that header) is `unit` repeated."""
    run = repeat(unit, size)
    headers = {"From": "kunde@example.de", "To": "csba-de2de@amazon.de",
               "Subject": "Frage", "Message-ID": "<x@example.de>"}
    body = "Hallo"
    if header is None:
        body = run
    else:
        headers[header] = run
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode("utf-8")
