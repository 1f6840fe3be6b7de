"""`csba-router ARGS` run inside the test process, seen as a subprocess would see it.

Starting `python -m router` costs a second of imports per command; the
command tests run hundreds of commands.  `cli` calls the same entry point
(`router.cli.main`) with stdout and stderr captured as bytes and decoded as
`subprocess.run(..., text=True)` decodes a child's output, the environment
and working directory the test gives, and `SystemExit` (argparse's usage
errors, `--help`) turned into the exit status.  An exception escaping `main`
is raised into the test: as a subprocess it would be a traceback on stderr
and exit status 1, which every caller's assertions refuse.

What only a separate process shows stays tested with real subprocesses:
`python -m router` and the console script turning `main`'s return value into
the process's exit status (tests/cli/test_cli.py), and commands that run side
by side with each other or with `serve` as processes (billing send, orders
import before a daemon starts, `serve` itself).

Global state a command sets is put back afterwards: the loggers' handlers
and levels (`setup_logging`, `ingest`), the environment, the working
directory.  Every engine the command opened is disposed of, as the end of
its process would close its database connections.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import router.store
from router.cli import main


def cli(*args: str, env: Mapping[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `csba-router *args` here; what `subprocess.run(..., text=True)` would return.

    The environment is this process's without `CSBA_ROUTER_CONFIG`, plus `env`.
    """
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace",
                              write_through=True)
    with _environment(env), _directory(cwd), _logging(), _engines_closed():
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = stdout, stderr
        try:
            status = _status(args)
        finally:
            sys.stdout, sys.stderr = saved
            stdout.flush()
            stderr.flush()
    return subprocess.CompletedProcess(["csba-router", *args], status,
                                       _text(out.getvalue()), _text(err.getvalue()))


def _status(args: tuple[str, ...]) -> int:
    try:
        return main(list(args))
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1


def _text(data: bytes) -> str:
    """Decoded as `text=True` decodes a pipe: UTF-8, universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


@contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.pop("CSBA_ROUTER_CONFIG", None)
    os.environ.update(env or {})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _directory(cwd: Path | None) -> Iterator[None]:
    saved = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved)


@contextmanager
def _logging() -> Iterator[None]:
    """Every logger's handlers, level and flags as they were (commands set some)."""
    manager = logging.Logger.manager
    before = {name: _logger_state(logger) for name, logger in [
        ("", logging.getLogger()), *manager.loggerDict.items()]
        if isinstance(logger, logging.Logger)}
    try:
        yield
    finally:
        for name, logger in [("", logging.getLogger()), *list(manager.loggerDict.items())]:
            if not isinstance(logger, logging.Logger):
                continue
            handlers, level, propagate, disabled = before.get(name, ([], logging.NOTSET,
                                                                     True, False))
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled


def _logger_state(logger: logging.Logger) -> tuple[list[logging.Handler], int, bool, bool]:
    return list(logger.handlers), logger.level, logger.propagate, logger.disabled


@contextmanager
def _engines_closed() -> Iterator[None]:
    """Dispose of every engine opened through `router.store.open_engine` meanwhile."""
    original = router.store.open_engine
    opened: list[Any] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        engine = original(*args, **kwargs)
        opened.append(engine)
        return engine

    router.store.open_engine = recording  # type: ignore[assignment]
    try:
        yield
    finally:
        router.store.open_engine = original  # type: ignore[assignment]
        for engine in opened:
            engine.dispose()
