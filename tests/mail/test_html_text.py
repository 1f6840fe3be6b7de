"""HTML to text: the line structure forward detection needs, in linear time.

The timing tests are the bound issue 12 asks for explicitly (2 MB of
hostile HTML in under a second); the figures themselves are printed by
bench/worst_html.py.
"""

from __future__ import annotations

import time

import pytest

from router.mail.html_text import (
    MAX_HTML_CHARS,
    MAX_HTML_ELEMENTS,
    MAX_HTML_STRINGS,
    html_to_text,
)
from tests.fuzz.hostile import HTML_CASES, html_case, repeat

TWO_MB = 2_000_000


def _timed(html: str) -> tuple[str, float]:
    """The text and the CPU seconds it cost (other processes' load does not count)."""
    start = time.process_time()
    text = html_to_text(html)
    return text, time.process_time() - start


@pytest.mark.parametrize("name", sorted(HTML_CASES))
def test_two_megabytes_of_hostile_html_take_under_a_second(name: str) -> None:
    html = html_case(name, TWO_MB)
    assert len(html) == TWO_MB
    text, seconds = _timed(html)
    assert isinstance(text, str)
    assert seconds < 1.0, f"{name} ({HTML_CASES[name][0]}): {seconds:.2f} s"


def test_everything_hostile_at_once_takes_under_a_second() -> None:
    # The constructs interleaved, so no one state of the parser lasts long.
    units = ["<a ", "x=1 ", "<<<<", "<!--", "<b>", "<div>", "&nbsp;", "\u00a0", "</i>",
             "<script>", "<td>", "<pre>\n", "<![CDATA[", "<?x", "&#9999999", " \n "]
    html = repeat("".join(units), TWO_MB)
    _, seconds = _timed(html)
    assert seconds < 1.0, f"{seconds:.2f} s"


def test_420k_unclosed_tag_is_fast() -> None:
    # Issue 12: 420,000 characters of one unclosed tag took 95 s in the
    # regex fallback (<[^>]*> retried at every position).
    html = "<p>Hallo, Bestellung 302-1234567-1234567 <a " + "x" * 420_000
    text, seconds = _timed(html)
    assert seconds < 1.0, f"{seconds:.2f} s"
    assert text == "Hallo, Bestellung 302-1234567-1234567"


def test_run_of_nbsp_is_fast() -> None:
    # Found while replacing the fallback: " *\n *" in the final tidying
    # retried at every space of a newline-free run (400,000 &nbsp; between
    # two words: minutes, on the tree parser's path too).
    html = "<p>Hallo" + "&nbsp;" * 330_000 + "Welt</p>"
    text, seconds = _timed(html)
    assert seconds < 1.0, f"{seconds:.2f} s"
    assert text == "Hallo Welt"


def test_blocks_and_breaks_become_lines_inline_markup_does_not() -> None:
    html = ("<div>Hallo,</div><p>bitte <b>helfen</b> Sie.<br>Danke</p>"
            "<table><tr><td>Von:</td><td><a href='x'>a@b.de</a></td></tr></table>")
    assert html_to_text(html) == "Hallo,\nbitte helfen Sie.\nDanke\nVon: a@b.de"


def test_dropped_elements_comments_and_ruby_text_are_not_text() -> None:
    html = ("<html><head><title>T</title><style>p{}</style></head><body>"
            "<!-- note -->a<script>b</script><ruby>c<rt>d</rt></ruby>"
            "<rp><i>e</i></rp><template>f</template>g</body></html>")
    assert html_to_text(html) == "acg"


def test_pre_keeps_its_line_breaks_and_only_its_strings() -> None:
    html = "<p>x</p><pre>a  b\nc<br><title>t</title><script>s</script></pre>y"
    assert html_to_text(html) == "x\na b\nct\ny"


def test_end_tag_closes_up_to_the_open_element_of_its_name() -> None:
    # </div> closes the <span> inside it; a stray </p> closes nothing.
    assert html_to_text("<div><span>a</div>b</p>c") == "a\nbc"
    assert html_to_text("<table><tr><td>a<td>b</table>c") == "a b\nc"


def test_big_html_is_parsed_not_stripped() -> None:
    # Past 400,000 characters the old code stripped tags with regexes and
    # kept neither <br> lines nor dropped <style>: now the parser reads it all.
    filler = "<p>" + "Newsletter text. " * 20 + "</p>"
    html = "<style>x</style>Von: a@b.de<br>An: c@d.de" + filler * ((500_000 // len(filler)) + 1)
    assert len(html) > 500_000
    text = html_to_text(html)
    assert text.startswith("Von: a@b.de\nAn: c@d.de\nNewsletter text.")
    assert "x" not in text.split("\n")[0]


def test_part_is_read_up_to_the_caps() -> None:
    over_chars = "<p>" + "a" * MAX_HTML_CHARS + "</p><p>TAIL</p>"
    assert "TAIL" not in html_to_text(over_chars)
    over_elements = "<p>first</p>" + "<b>x</b>" * MAX_HTML_ELEMENTS + "<p>TAIL</p>"
    # libxml2 hands over "x" and "&" as two strings.
    over_strings = "<p>first</p>" + "x&amp;" * (MAX_HTML_STRINGS // 2 + 1) + "<p>TAIL</p>"
    for html in (over_elements, over_strings):
        assert len(html) < MAX_HTML_CHARS
        text = html_to_text(html)
        assert text.startswith("first\n")
        assert "TAIL" not in text


def test_text_libxml2_cannot_take_still_converts() -> None:
    # A lone surrogate (a broken utf-7 part) cannot be encoded for libxml2.
    assert html_to_text("<p>a\ud800b</p>") == "a\ufffdb"
    assert html_to_text("\ufeff<p>x</p>") == "x"
    assert html_to_text("") == ""
