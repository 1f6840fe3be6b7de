"""YAML loading that remembers where every key and value came from.

PyYAML's composer keeps a start mark on each node; we build plain Python
data from the node tree ourselves and keep a map from the data path
(`("sellers", 0, "region")`) to a file position, so validation errors found
later on the plain data can be reported as FILE:LINE:COLUMN.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from router.config.errors import Problem, dotted

Path_ = tuple[str | int, ...]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FLOAT_TAG = "tag:yaml.org,2002:float"

# libyaml's parser where PyYAML was built with it (the wheels are): it reads
# 20,000 sellers about ten times faster than PyYAML's pure-Python scanner.
# Its nodes, marks and constructors are PyYAML's own; only a syntax error
# is worded differently, so that case is parsed again by the pure-Python
# loader, whose messages (and positions) the problems quote.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Limits that keep a hostile or broken file from costing the daemon its
# memory or its time (an alias bomb expands exponentially; PyYAML's
# composer recurses per nesting level).  20,000 sellers take about 4 MB
# and 400,000 values, well inside them.
MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 2_000_000


class _Refused(Exception):
    """The file passes a limit (size, depth, expansion, kind): it is refused."""


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    """How many values the node becomes once aliases and merge keys are expanded.

    Shared (aliased) nodes are counted once per use but computed once, so
    this costs time linear in the file even for an alias bomb, and is
    checked before anything is expanded.
    """
    if depth > MAX_DEPTH:
        raise _Refused(f"the config is nested deeper than {MAX_DEPTH} levels; refused")
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, memo, depth + 1) + _expanded_size(value, memo, depth + 1)
            if size > MAX_VALUES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, memo, depth + 1)
            if size > MAX_VALUES:
                break
    memo[id(node)] = size
    return size


class Pos(NamedTuple):
    """Where a value or key is: one per node of the file (a tuple: cheap to make)."""

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

    def __init__(self, file: str, loader: Any, env: dict[str, str]) -> None:
        self.file = file
        self.loader = loader
        self.env = env
        self.smap = SourceMap()
        self.problems: list[Problem] = []
        self.unset: set[str] = set()

    def problem(self, node: yaml.Node, message: str) -> None:
        pos = _pos(self.file, node)
        self.problems.append(Problem(pos.file, pos.line, pos.column, message))

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if len(path) > MAX_DEPTH:
            raise _Refused(f"the config is nested deeper than {MAX_DEPTH} levels; refused")
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
                if name not in self.unset:  # reported once, where it is first used
                    self.unset.add(name)
                    self.problem(node, f"{dotted(path)}: environment variable {name} is not "
                                 "set")
                return ""
            return self.env[name]

        return _ENV_REF.sub(repl, value)


def load_yaml(
    path: Path, env: dict[str, str] | None = None
) -> tuple[Any, SourceMap, list[Problem]]:
    """Read one YAML file; syntax errors come back as problems, never raised."""
    file = str(path)
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        return None, SourceMap(), [Problem(file, 1, 1, "file not found")]
    except _Refused as exc:
        return None, SourceMap(), [Problem(file, 1, 1, str(exc))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, SourceMap(), [Problem(file, 1, 1, f"cannot read file: {exc}")]
    try:
        # The pure-Python reader checks the text when the loader is made (a
        # control character raises ReaderError there); libyaml's while parsing.
        loader = _FAST_LOADER(text)
    except yaml.YAMLError as exc:
        return None, SourceMap(), [Problem(file, 1, 1, f"YAML error: {exc}")]
    try:
        node = _compose(loader, text)
        if node is None:
            return None, SourceMap(), []
        if _expanded_size(node, {}) > MAX_VALUES:
            raise _Refused(f"the config expands to more than {MAX_VALUES:,} values (aliases "
                           "repeating large parts?); refused")
        builder = _Builder(file, loader, dict(os.environ) if env is None else env)
        data = builder.build(node, ())
        return data, builder.smap, builder.problems
    except yaml.MarkedYAMLError as exc:
        return None, SourceMap(), [_syntax_problem(file, exc)]
    except yaml.YAMLError as exc:
        return None, SourceMap(), [Problem(file, 1, 1, f"YAML error: {exc}")]
    except _Refused as exc:
        return None, SourceMap(), [Problem(file, 1, 1, str(exc))]
    except RecursionError:
        return None, SourceMap(), [Problem(
            file, 1, 1, f"the config is nested too deeply (more than {MAX_DEPTH} levels "
            "are refused)")]
    finally:
        loader.dispose()


def _compose(loader: Any, text: str) -> yaml.Node | None:
    """The document's node tree; a syntax error as the pure-Python loader words it."""
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    except yaml.YAMLError:  # syntax (marked) or a character the reader refuses
        if type(loader) is yaml.SafeLoader:
            raise
    slow = yaml.SafeLoader(text)
    try:
        # Raises the error in PyYAML's words; should it parse after all (the
        # parsers disagree), its nodes serve as well: they are the same kind.
        return slow.get_single_node()
    finally:
        slow.dispose()


def read_config_text(path: Path) -> str:
    """The file's text; only a regular file, and at most `MAX_BYTES`.

    Opened without blocking and checked before reading, so a FIFO or a
    device named as config is refused instead of hanging the command.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("not a regular file; a config must be a plain file")
        if info.st_size > MAX_BYTES:
            raise _Refused(f"the file has {info.st_size:,} bytes; a config may have at most "
                           f"{MAX_BYTES:,}")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_BYTES:
        raise _Refused(f"the file has more than {MAX_BYTES:,} bytes; refused")
    return data.decode("utf-8")


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
