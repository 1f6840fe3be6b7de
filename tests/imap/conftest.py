"""Fixtures: a private Dovecot per test (see dovecot.py), and daemons that poll it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.imap.dovecot import Dovecot, User, dovecot_binary, self_signed
from tests.imap.harness import start_daemon
from tests.intake.routerproc import Router

USERS = [User("csba", "imap-secret-1"), User("other", "imap-secret-2")]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One self-signed certificate for 127.0.0.1 (cert, key) for all the Dovecots."""
    dovecot_binary()  # no Dovecot: skip (or fail under CI) before anything else
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def dovecot(certificate: tuple[Path, Path]) -> Iterator[Dovecot]:
    server = Dovecot(USERS, certificate=certificate)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Callable[..., Router]]:
    """Start `serve` processes on configs with `imap:` entries; stopped after the test."""
    started: list[Router] = []

    def start(accounts: list[str], directory: Path | None = None, **options: object) -> Router:
        directory = directory or tmp_path / f"router{len(started)}"
        router = start_daemon(directory, accounts, **options)  # type: ignore[arg-type]
        started.append(router)
        return router

    yield start
    for router in started:
        router.close()
