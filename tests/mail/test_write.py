"""The MIME writing helpers match what they stand for (the standard library's own forms)."""

from __future__ import annotations

import random
import re
import textwrap

from router.mail.write import CONTROL, canonical_original, one_line, wrap_line


def _samples() -> list[str]:
    """Values as decisions and originals give them: words of every length, odd blanks."""
    rng = random.Random(7)
    alphabet = "abcdefghij-_.,ÄöüßéΩ漢\t\n\r\x00\x7f\u00a0\u2028\u3000\x1c "
    values = ["", " ", "a", "x" * 200, "  two  spaces ", "tab\there", "Grüße aus Köln"]
    for _ in range(400):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.choice((1, 3, 8, 30, 90))))
                 for _ in range(rng.randint(0, 25))]
        values.append(rng.choice((" ", "  ", "\n")).join(words))
    return values


def test_text_is_one_line_as_the_regex_makes_it() -> None:
    for value in _samples():
        assert one_line(value) == " ".join(CONTROL.sub(" ", value).split()), repr(value)


def test_wrap_is_textwrap_for_one_line() -> None:
    for value in _samples():
        line = one_line(value)
        for width in (1, 10, 40, 57, 76):
            expected = textwrap.wrap(line, width, break_long_words=False,
                                     break_on_hyphens=False) or [""]
            assert wrap_line(line, width) == expected, (line, width)


def test_canonical_original_of_mixed_line_ends() -> None:
    for raw in (b"a\r\nb\nc\r\n", b"a\rb\r\n", b"a\n\nb", b"a\r\r\nb", b"", b"\r\n\r\nX: y\r\n",
                b"a\r\nb\r\n"):
        expected = re.sub(rb"\r?\n", b"\r\n", raw.lstrip(b"\r\n"))
        assert canonical_original(raw) == expected, raw
