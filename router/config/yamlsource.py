"""YAML loading that remembers where every key and value came from.

PyYAML's composer keeps a start mark on each node; we build plain Python
data from the node tree ourselves and keep a map from the data path
(`("sellers", 0, "region")`) to a file position, so validation errors found
later on the plain data can be reported as FILE:LINE:COLUMN.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from router.config.errors import Problem, dotted

Path_ = tuple[str | int, ...]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FLOAT_TAG = "tag:yaml.org,2002:float"


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    column: int


@dataclass
class SourceMap:
    """Positions of values and of keys, by data path."""

    values: dict[Path_, Pos] = field(default_factory=dict)
    keys: dict[Path_, Pos] = field(default_factory=dict)

    def value_pos(self, path: Path_) -> Pos:
        """Position of the value at `path`, or of its nearest known parent."""
        for end in range(len(path), -1, -1):
            pos = self.values.get(path[:end])
            if pos is not None:
                return pos
        return Pos("?", 1, 1)

    def key_pos(self, path: Path_) -> Pos:
        """Position of the key naming `path` (falls back to the value)."""
        return self.keys.get(path) or self.value_pos(path)

    def graft(self, other: SourceMap, prefix: Path_) -> None:
        """Adopt another file's positions under `prefix` (for sellers_file)."""
        for path, pos in other.values.items():
            self.values[prefix + path] = pos
        for path, pos in other.keys.items():
            self.keys[prefix + path] = pos


def _pos(file: str, node: yaml.Node) -> Pos:
    mark = node.start_mark
    return Pos(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed node tree into plain data plus a SourceMap."""

    def __init__(self, file: str, loader: yaml.SafeLoader, env: dict[str, str]) -> None:
        self.file = file
        self.loader = loader
        self.env = env
        self.smap = SourceMap()
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node, message: str) -> None:
        pos = _pos(self.file, node)
        self.problems.append(Problem(pos.file, pos.line, pos.column, message))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.smap.values[path] = _pos(self.file, node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)  # resolves `<<:` merge keys
        result: dict[Any, Any] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                self.problem(knode, "a key must be a plain name, not a list or mapping")
                continue
            key = self.loader.construct_object(knode, deep=True)
            if not isinstance(key, str | int):
                key = str(key)
            if key in result:
                self.problem(knode, f"{dotted(path + (key,))}: duplicate key, "
                             "only one of the values could be used")
                continue
            self.smap.keys[path + (key,)] = _pos(self.file, knode)
            result[key] = self.build(vnode, path + (key,))
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        if node.tag == _FLOAT_TAG:
            # Money and CPU bounds must never pass through binary floats.
            try:
                return Decimal(node.value.replace("_", ""))
            except InvalidOperation:
                pass
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            # e.g. 2026-13-01 looks like a date but is none: hand the text on,
            # the validator then reports it at this position.
            value = node.value
        if isinstance(value, str) and "${" in value:
            value = self._substitute(node, path, value)
        return value

    def _substitute(self, node: yaml.ScalarNode, path: Path_, value: str) -> str:
        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                self.problem(node, f"{dotted(path)}: environment variable {name} is not set")
                return ""
            return self.env[name]

        return _ENV_REF.sub(repl, value)


def load_yaml(
    path: Path, env: dict[str, str] | None = None
) -> tuple[Any, SourceMap, list[Problem]]:
    """Read one YAML file; syntax errors come back as problems, never raised."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, SourceMap(), [Problem(file, 1, 1, "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, SourceMap(), [Problem(file, 1, 1, f"cannot read file: {exc}")]
    try:
        # The reader checks the text when the loader is made (a control
        # character raises ReaderError there).
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        return None, SourceMap(), [Problem(file, 1, 1, f"YAML error: {exc}")]
    try:
        node = loader.get_single_node()
        if node is None:
            return None, SourceMap(), []
        builder = _Builder(file, loader, dict(os.environ) if env is None else env)
        data = builder.build(node, ())
        return data, builder.smap, builder.problems
    except yaml.MarkedYAMLError as exc:
        return None, SourceMap(), [_syntax_problem(file, exc)]
    except yaml.YAMLError as exc:
        return None, SourceMap(), [Problem(file, 1, 1, f"YAML error: {exc}")]
    finally:
        loader.dispose()


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Point at the construct that is broken, not where the parser gave up.

    For an unclosed bracket or quote PyYAML notices the problem lines later;
    its context mark is where that construct began, which is the line an
    admin has to fix.  The parser's own position is kept in the message.
    """
    problem = exc.problem or "invalid YAML"
    where, found = exc.context_mark, exc.problem_mark
    unclosed = exc.context and ("flow" in exc.context or "quoted" in exc.context)
    if where is not None and unclosed and found is not None and found.line != where.line:
        what = str(exc.context).removeprefix("while parsing ").removeprefix("while scanning ")
        message = (f"YAML syntax error: {what} that starts here is not closed "
                   f"({problem} at line {found.line + 1}, column {found.column + 1})")
        return Problem(file, where.line + 1, where.column + 1, message)
    mark = found or where
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = f"{exc.context}, {problem}" if exc.context else problem
    return Problem(file, line, col, f"YAML syntax error: {what}")
