"""The layers of router/, read from the source: what may import what.

Deciding (`router.decide`) and the mail layer under it (`router.mail`) are
pure code over plain values: they import nothing of the parts that store,
send, receive or run (`LOWER_MAY_NOT_IMPORT`) and no library that does I/O
(`IO_LIBRARIES`), so a message can be decided again, and tested, without a
database or a socket.  `router.mail` is below `router.decide` and serves
act, account and cases as well, so it imports nothing of those either.
And no module imports another package's private names
(`from router.x.y import _z`): what a package shares has a public name.

The store does I/O, but sits below the stages that use it: it imports
none of them (`BELOW`).

Every import counts, at the top of a module, inside a function (the lazy
ones) or under `if TYPE_CHECKING:`.  `violations` reads any tree, so the
tests below also plant violations in a made-up one and see them found.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import router

ROOT = Path(router.__file__).resolve().parent.parent

#: The parts that store, send, receive or run: never imported by the pure layers.
LOWER_MAY_NOT_IMPORT = ("router.store", "router.act", "router.pipeline", "router.intake",
                        "router.cli", "router.daemon", "router.ops", "router.aio",
                        "router.verify")
#: What each pure layer may not import, beyond `LOWER_MAY_NOT_IMPORT`.
PURE = {
    "router.decide": LOWER_MAY_NOT_IMPORT,
    "router.mail": (*LOWER_MAY_NOT_IMPORT, "router.decide", "router.account", "router.cases"),
}
#: Layers that do I/O but sit below the ones that move mail: what they may not import.
#: The store keeps the tables and answers questions; it never calls up into
#: the stages that use it.
BELOW = {
    "router.store": ("router.act", "router.pipeline", "router.intake", "router.cli",
                     "router.daemon", "router.ops", "router.account", "router.cases",
                     "router.verify"),
}
#: Libraries that talk to a database, the network, other processes or an event loop.
IO_LIBRARIES = frozenset({
    "sqlalchemy", "alembic", "psycopg", "psycopg2", "sqlite3", "aiosmtpd", "imapclient",
    "imaplib", "smtplib", "poplib", "socket", "ssl", "selectors", "asyncio", "subprocess",
    "multiprocessing", "http", "urllib", "requests", "dns", "dkim", "spf", "dmarc",
    "apscheduler", "prometheus_client",
})


@dataclass(frozen=True)
class Import:
    """One imported module (and name, for `from ... import name`) of one module."""

    importer: str
    module: str
    name: str | None
    path: Path
    line: int

    def __str__(self) -> str:
        what = f"from {self.module} import {self.name}" if self.name else f"import {self.module}"
        return f"{self.path}:{self.line}: {self.importer}: {what}"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(root: Path, module: str) -> bool:
    return (root.joinpath(*module.split(".")) / "__init__.py").is_file()


def imports(root: Path, package: str = "router") -> Iterator[Import]:
    """Every import statement of every module of `package` under `root`."""
    for path in sorted((root / package).rglob("*.py")):
        importer = _module_name(root, path)
        here = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(importer, alias.name, None, path, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: from the importer's package upwards
                    base = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                    module = ".".join([*base, module] if module else base)
                for alias in node.names:
                    yield Import(importer, module, alias.name, path, node.lineno)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package(root: Path, module: str) -> str:
    return module if _is_package(root, module) else module.rpartition(".")[0]


def violations(root: Path, package: str = "router") -> list[str]:
    """Every import under `root/package` that breaks the rules of this module, as a line."""
    found: list[str] = []
    for imp in imports(root, package):
        for layer, forbidden in PURE.items():
            if not _within(imp.importer, layer):
                continue
            if any(_within(imp.module, lower) for lower in forbidden):
                found.append(f"{imp}: {layer} imports {imp.module}")
            elif imp.module.split(".")[0] in IO_LIBRARIES:
                found.append(f"{imp}: {layer} imports an I/O library")
        for layer, forbidden in BELOW.items():
            if _within(imp.importer, layer) and any(_within(imp.module, up) for up in forbidden):
                found.append(f"{imp}: {layer} imports {imp.module}")
        if not _within(imp.module, package):
            continue
        # A private module on the way (router.x._y) or a private name.
        target = f"{imp.module}.{imp.name}" if imp.name else imp.module
        private = [part for part in target.split(".") if _private(part)]
        if private and _package(root, imp.module) != _package(root, imp.importer):
            found.append(f"{imp}: {private[-1]} is private to {_package(root, imp.module)}")
    return found


# --------------------------------------------------------------------------
# The tree as it is.


def test_router_keeps_its_layers() -> None:
    assert violations(ROOT) == []


def test_the_reader_sees_the_real_imports() -> None:
    # Not vacuous: the checker finds the imports it judges.
    seen = {(i.importer, i.module) for i in imports(ROOT)}
    assert ("router.decide.classify", "router.mail.message") in seen
    assert ("router.pipeline.process", "sqlalchemy") in seen
    assert ("router.act.compose", "router.mail.write") in seen


# --------------------------------------------------------------------------
# Planted violations in a made-up tree are found.


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name in ("router/__init__.py", "router/mail/__init__.py", "router/decide/__init__.py",
                 "router/act/__init__.py", "router/store/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("", encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_clean_tree_has_no_violations(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "router/mail/read.py": "import re\nfrom router.mail.charsets import decode\n",
        "router/decide/classify.py": "from router.mail import read\nfrom .rules import Rule\n",
        "router/act/compose.py": "import sqlalchemy\nfrom router.act.templates import _own\n"
                                 "from router import __version__\n",
    })
    assert violations(root) == []


@pytest.mark.parametrize("name, text, problem", [
    ("router/mail/read.py", "import sqlalchemy as sa\n", "an I/O library"),
    ("router/decide/classify.py", "def f():\n    import asyncio.tasks\n", "an I/O library"),
    ("router/decide/classify.py", "from router.store.engine import begin\n",
     "router.decide imports router.store.engine"),
    ("router/decide/classify.py",
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from router.act import compose\n",
     "router.decide imports router.act"),
    ("router/decide/classify.py", "from ..act.compose import Composed\n",
     "router.decide imports router.act.compose"),
    ("router/mail/read.py", "from router.decide.unwrap import unwrap\n",
     "router.mail imports router.decide.unwrap"),
    ("router/store/handled.py", "from router.pipeline.plan import Facts\n",
     "router.store imports router.pipeline.plan"),
    ("router/act/compose.py", "from router.mail.write import _mime\n",
     "_mime is private to router.mail"),
    ("router/act/compose.py", "import router.mail._wire\n", "_wire is private to router.mail"),
    ("router/act/compose.py", "from router.mail import _wire\n",
     "_wire is private to router.mail"),
])
def test_a_planted_violation_is_found(tmp_path: Path, name: str, text: str,
                                      problem: str) -> None:
    found = violations(_tree(tmp_path, {name: text}))
    assert len(found) == 1 and found[0].endswith(problem), found
    assert found[0].startswith(str(tmp_path / name) + ":")
