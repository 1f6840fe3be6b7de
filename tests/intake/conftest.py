"""Fixtures: real `csba-router serve` processes (see routerproc)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.intake.routerproc import EXTRA_REGION, Router, free_port, launch


@pytest.fixture
def start_router(tmp_path: Path) -> Iterator[Callable[..., Router]]:
    """Start routers on fresh configs in tmp_path; stopped at the end of the test."""
    started: list[Router] = []

    def start(*, regions: dict[str, str] | None = None, extra: dict[str, str] | None = None,
              port: int | None = None, wait: bool = True, storage: str | None = None) -> Router:
        router = launch(tmp_path / f"router{len(started)}", port or free_port(),
                        regions=regions, extra=extra, storage=storage)
        started.append(router)
        if wait:
            router.expect("listening")
        return router

    yield start
    for router in started:
        router.close()


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Router]:
    """One shared router for the tests that only talk SMTP to it."""
    server = launch(tmp_path_factory.mktemp("router"), free_port(), regions=EXTRA_REGION)
    try:
        server.expect("listening")
        yield server
    finally:
        server.close()
