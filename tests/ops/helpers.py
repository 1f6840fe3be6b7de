"""Talking to a running daemon's monitoring listener, as Prometheus and a probe do."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

#: (sample name, sorted label pairs) -> value
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def instance_lines(http_port: int, workers: int | None = None) -> dict[str, str]:
    """A `config_text` extra: `instance.http` (and `instance.workers`)."""
    lines = f"instance:\n  http: 127.0.0.1:{http_port}"
    if workers is not None:
        lines += f"\n  workers: {workers}"
    return {r"(?m)^instance:$": lines}


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, str]:
    """GET a path; (status, body), also for an error status."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def scrape(port: int) -> Samples:
    """Every sample of /metrics, parsed with prometheus-client's own parser."""
    status, body = get(port, "/metrics")
    assert status == 200, body
    samples: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist (yet)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the series of `name` that have these labels (and any others)."""
    wanted = set(labels.items())
    return sum(v for (n, pairs), v in samples.items() if n == name and wanted <= set(pairs))


def wait_for_status(port: int, path: str, status: int, timeout: float,
                    also: Callable[[], None] | None = None) -> tuple[float, str]:
    """Poll `path` until it answers `status`; (seconds it took, body).

    `also` is called at each poll (for checks that must hold meanwhile).
    """
    began = time.monotonic()
    while True:
        try:
            got, body = get(port, path)
        except OSError as error:  # not listening (yet, or any more)
            got, body = 0, str(error)
        if also is not None:
            also()
        if got == status:
            return time.monotonic() - began, body
        if time.monotonic() - began > timeout:
            raise AssertionError(f"{path} still {got} ({body.strip()!r}) after {timeout}s")
        time.sleep(0.2)
