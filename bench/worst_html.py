"""Decide time of the worst HTML known: every hostile case, through parse and classify.

The cases are tests/fuzz/hostile.py's (each 2 MB, the most of one part
that is read), the 420,000-character unclosed tag of issue 12, and a
message of twelve 2 MB hostile parts; each is sent as the text/html body
of a customer's mail and decided with the labelled set's config, as the
pipeline decides it (parse_message, then classify).  `worst()` is for
bench/abuse.py: the slowest case and its time.

    .venv/bin/python bench/worst_html.py [--size CHARS] [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from router.decide.classify import classify  # noqa: E402
from router.mail.read import parse_message  # noqa: E402
from tests.fuzz.hostile import HTML_CASES, html_case  # noqa: E402
from tests.fuzz.targets import ENVELOPES, world  # noqa: E402

SIZE = 2_000_000
_HEAD = ("From: kunde@example.de\r\nTo: csba-de2de@amazon.de\r\nSubject: Frage\r\n"
         "Message-ID: <worst@example.de>\r\n")


def html_mail(html: str) -> bytes:
    return (_HEAD + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()


def many_parts_mail(html: str, parts: int = 12) -> bytes:
    body = "".join(f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
                   for _ in range(parts))
    return (_HEAD + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + body
            + "--b--").encode()


def cases(size: int = SIZE) -> dict[str, tuple[str, bytes]]:
    """name -> (what it attacks, raw message)."""
    out = {name: (what, html_mail(html_case(name, size)))
           for name, (what, _) in HTML_CASES.items()}
    out["unclosed_tag_420k"] = (
        "issue 12's case: 420,000 characters of an unclosed tag (95 s before)",
        html_mail("<p>Hallo <a " + "x" * 420_000))
    out["twelve_parts"] = ("twelve 2 MB parts of paragraphs in one message",
                           many_parts_mail(html_case("paragraphs", size)))
    return out


def decide_seconds(raw: bytes, runs: int = 1) -> float:
    """Best of `runs` wall times of parse_message + classify."""
    w = world()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        mail = parse_message(raw)
        classify(w.config, mail, ENVELOPES[2], orders=w.orders, history=w.history, now=w.now)
        best = min(best, time.perf_counter() - start)
    return best


def measure(size: int = SIZE, runs: int = 1) -> list[tuple[str, str, float]]:
    """(name, what it attacks, seconds) for every case, slowest first."""
    world()  # config, orders and language models load outside the timing
    rows = [(name, what, decide_seconds(raw, runs)) for name, (what, raw) in cases(size).items()]
    return sorted(rows, key=lambda row: row[2], reverse=True)


def worst(size: int = SIZE, runs: int = 1) -> tuple[str, float]:
    """The slowest case's name and decide time in seconds."""
    name, _, seconds = measure(size, runs)[0]
    return name, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE, help="characters per HTML part")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (best is shown)")
    args = parser.parse_args()
    rows = measure(args.size, args.runs)
    print(f"decide time (parse + classify) of hostile HTML, {args.size:,} characters a part, "
          f"best of {args.runs}:")
    for name, what, seconds in rows:
        print(f"  {seconds * 1000:8.0f} ms  {name:22s} {what}")
    name, _, seconds = rows[0]
    print(f"worst: {name} {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
