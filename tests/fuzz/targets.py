"""One fuzz target per parser entry point: what it is fed and what must hold.

Every target's property is the entry point's contract: it returns (never
raises anything but its documented error), and returns in bounded time.
The tests in this folder run each target briefly; bench/fuzz.py runs them
for longer and prints what it found.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from router.config.errors import ConfigError
from router.config.loader import load_config
from router.decide.classify import classify
from router.decide.decision import Decision
from router.decide.language import warm_up
from router.decide.unwrap import Unwrapped, unwrap
from router.mail.html_text import html_to_text
from router.mail.message import Envelope, ParsedMail
from router.mail.read import parse_message
from router.orders.report import LineError, OrderLine, ReportFormatError, parse_report
from tests.fuzz import strategies as fs
from tests.fuzz.bs4_reference import reference_text

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO.parent / "shared" / "corpora"
LABELLED = REPO / "tests" / "decide" / "labelled"
# Generated inputs are a few KB: any step taking this long is a hang or a
# super-linear path, not a slow machine.
SECONDS = 2.0


class TooSlow(AssertionError):
    """An entry point took longer than SECONDS on one input."""


@dataclass(frozen=True)
class Target:
    name: str
    what: str
    strategy: Callable[[], st.SearchStrategy[Any]]
    check: Callable[[Any], None]


def _timed(what: str, call: Callable[[], Any]) -> Any:
    """`call()`, or TooSlow past SECONDS of CPU time (other processes' load does not count)."""
    start = time.process_time()
    result = call()
    seconds = time.process_time() - start
    if seconds > SECONDS:
        raise TooSlow(f"{what} took {seconds:.1f} s")
    return result


# -- the checks ------------------------------------------------------------------------------

def check_html(html: str) -> None:
    text = _timed("html_to_text", lambda: html_to_text(html))
    assert isinstance(text, str)


def check_html_same_as_tree_walk(html: str) -> None:
    assert html_to_text(html) == reference_text(html)


def check_parse(raw: bytes) -> None:
    mail = _timed("parse_message", lambda: parse_message(raw))
    assert isinstance(mail, ParsedMail)


def check_unwrap(raw: bytes) -> None:
    mail = parse_message(raw)
    result = _timed("unwrap", lambda: unwrap(mail))
    assert isinstance(result, Unwrapped)


@cache
def world() -> Any:
    from tests.decide.labelled.world import load
    warm_up()  # models and phrase patterns load once, not inside a timed call
    return load(LABELLED)


ENVELOPES = (
    Envelope(mail_from="service@musterhandel.de", rcpt_tos=("csba-de2de@amazon.de",)),
    Envelope(mail_from="x@brightlight-sz.cn", rcpt_tos=("csba-cn2de@amazon.de",)),
    Envelope(mail_from="kunde@example.de", rcpt_tos=("csba-de2de@amazon.de",)),
    Envelope(mail_from="", rcpt_tos=("csba-de2de@amazon.de", "other@amazon.de")),
)


def check_classify(case: tuple[bytes, int]) -> None:
    raw, which = case
    w = world()
    mail = parse_message(raw)
    decision = _timed("classify", lambda: classify(
        w.config, mail, ENVELOPES[which % len(ENVELOPES)], orders=w.orders,
        history=w.history, now=w.now))
    assert isinstance(decision, Decision)


def check_config(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "router.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            _timed("load_config", lambda: load_config(path, env={"HOME": "/home/x"}))
        except ConfigError:
            pass


def check_report(lines: list[str | bytes]) -> None:
    def read() -> list[OrderLine | LineError]:
        return list(parse_report(lines))
    try:
        rows = _timed("parse_report", read)
    except ReportFormatError:
        return
    for row in rows:
        assert isinstance(row, (OrderLine, LineError))
        if isinstance(row, OrderLine):
            assert row.purchase_date.tzinfo is UTC


# -- seeds: real-world mail and the project's own config -------------------------------------

_SKIP_SUFFIXES = {".py", ".js", ".md", ".rb", ".pl", ".go", ".rs", ".cs", ".json", ".yml",
                  ".yaml"}
_SKIP_NAMES = {"license", "licence", "copying", "notice", "readme", "setup", "mit-license"}


@cache
def corpus_files() -> tuple[Path, ...]:
    """The public corpora's mail files (read in place, never copied: see its README)."""
    if not CORPORA.is_dir():
        return ()
    return tuple(
        path for path in sorted(CORPORA.rglob("*"))
        if path.is_file() and path.suffix.lower() not in _SKIP_SUFFIXES
        and path.stem.lower().split("-")[0] not in _SKIP_NAMES
        and path.stat().st_size < 300_000
    )


def _seed_files() -> tuple[Path, ...]:
    return corpus_files() + tuple(sorted(LABELLED.glob("*.eml")))


def seeded_mail() -> st.SearchStrategy[bytes]:
    files = _seed_files()
    return st.sampled_from(files).map(Path.read_bytes).flatmap(
        lambda seed: st.one_of(st.just(seed), fs.mutated(seed)))


def any_mail() -> st.SearchStrategy[bytes]:
    return st.one_of(fs.mime_message(), seeded_mail())


def config_text() -> st.SearchStrategy[str]:
    seeds = [(LABELLED / "config.yaml").read_text(encoding="utf-8")]
    example = REPO.parent / "shared" / "spec" / "router.example.yaml"
    if example.is_file():
        seeds.append(example.read_text(encoding="utf-8"))
    return st.one_of(fs.yaml_text(), st.sampled_from(seeds).flatmap(fs.mutated_text))


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("html", "html_to_text on tag soup", fs.html_soup, check_html),
    Target("html_reference", "html_to_text equals the old BeautifulSoup tree walk",
           fs.html_soup, check_html_same_as_tree_walk),
    Target("parse", "parse_message on generated MIME, corpus files and their mutations",
           any_mail, check_parse),
    Target("unwrap", "unwrap of a parsed message", any_mail, check_unwrap),
    Target("classify", "classify with the labelled set's config and world",
           lambda: st.tuples(any_mail(), st.integers(0, 3)), check_classify),
    Target("config", "load_config on YAML text: only ConfigError", config_text, check_config),
    Target("report", "parse_report on report lines: only ReportFormatError",
           fs.report_lines, check_report),
)}
