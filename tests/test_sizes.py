"""The shape of the code: module sizes under router/ (issue 16).

No module is over `LIMIT` lines: phrase and pattern tables go into data
modules of their own, logic into modules named for their job.  A module
over `EXPLAIN` lines says why it is one module of that size, in a
paragraph of its module docstring that starts with the marker "Size:"
(by convention the paragraph right after the summary line).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers import REPO

ROUTER = REPO / "router"
LIMIT = 500
EXPLAIN = 400

_MARKER = re.compile(r"^Size:\s+(\S.*?)(?:\n\s*\n|\Z)", re.MULTILINE | re.DOTALL)


def size_reason(source: str) -> str | None:
    """The "Size:" paragraph of a module's docstring, or None without one.

    A reason is a sentence: fewer than five words do not count.
    """
    docstring = ast.get_docstring(ast.parse(source), clean=True)
    match = _MARKER.search(docstring or "")
    if match is None or len(match.group(1).split()) < 5:
        return None
    return " ".join(match.group(1).split())


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def modules() -> list[tuple[str, Path]]:
    return [(path.relative_to(REPO).as_posix(), path) for path in sorted(ROUTER.rglob("*.py"))]


def test_no_module_is_over_the_limit() -> None:
    over = [f"{name}: {line_count(path)} lines" for name, path in modules()
            if line_count(path) > LIMIT]
    assert over == [], f"over {LIMIT} lines (split it): {over}"


def test_a_long_module_says_why_it_is_one_module() -> None:
    unexplained = [f"{name}: {line_count(path)} lines" for name, path in modules()
                   if line_count(path) > EXPLAIN
                   and size_reason(path.read_text(encoding="utf-8")) is None]
    assert unexplained == [], (
        f"over {EXPLAIN} lines without a 'Size: <reason>' paragraph in the module "
        f"docstring: {unexplained}")


def test_size_reason_reads_the_marker_paragraph_of_the_docstring() -> None:
    explained = '"""Summary.\n\nSize: one class whose steps share\nits state.\n\nMore."""\n'
    assert size_reason(explained) == "one class whose steps share its state."
    assert size_reason('"""Summary.\n\nSize: big.\n"""\n') is None  # not a reason
    assert size_reason('"""Summary.\n\nNo marker at all, only prose.\n"""\n') is None
    # The marker counts in the module docstring only, not in a comment or a string below.
    assert size_reason('"""Summary."""\n# Size: one class whose steps share its state.\n') is None
    assert size_reason("x = 1\n") is None
