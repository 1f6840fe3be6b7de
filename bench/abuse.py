"""Abuse: what one sender's attack costs everyone else, side by side with a quiet run.

Usage:  .venv/bin/python bench/abuse.py [--only NAME ...] [--messages N] [--sessions S]
                                        [--idle N] [--runs R] [--pipeline]

Each measurement is one function registered with @measurement: it runs the
same thing quietly and under an attack (each on a fresh `serve`) and
returns a Figure; `main` prints them as one table.  Add a measurement by
writing another such function (`best_of` runs a quiet and an attacked
variant alternately and keeps the best of each: on a shared machine other
work only ever slows a run down).

Measurements:

- accept-idle-spread: SMTP accept rate (messages/s from the first send to
  the last 250, S sessions sending N ~2 KB inquiries, as bench/smtp_load.py
  measures) while `--idle` connections (300) are held open and silent,
  from 30 addresses (10 each, all accepted under the default limits);
- accept-idle-one: the same with the idle connections all from one address
  (past smtp.max_connections_per_ip, 50, they are refused with 421);
- worst-html: the decide time (parse + classify) of the worst hostile HTML
  known (bench/worst_html.py: fuzzing's and issue 12's cases, 2 MB a part),
  beside an ordinary HTML inquiry of some 20 KB;
- reload-noop: the worst NOOP round trip on an open SMTP session while
  `serve` reloads (SIGHUP) a config of `--sellers` sellers (20,000), beside
  the worst over a quiet stretch as long (bench/abuse_reload.py);

`serve --intake-only` is measured (the accept rate alone, without the
pipeline competing for the CPU); `--pipeline` runs the whole daemon with
the orders imported, as smtp_load.py does by default.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import smtp_load  # noqa: E402 - the load client and helpers of the SMTP load bench


@dataclass(frozen=True)
class Figure:
    """One line of the table: the same measurement quiet and under attack."""

    name: str
    what: str
    unit: str
    quiet: float
    attacked: float
    note: str = ""


Measurement = Callable[[argparse.Namespace], Figure]
MEASUREMENTS: dict[str, Measurement] = {}


def measurement(name: str) -> Callable[[Measurement], Measurement]:
    def register(function: Measurement) -> Measurement:
        MEASUREMENTS[name] = function
        return function
    return register


# --- a serve to measure ----------------------------------------------------------


@contextmanager
def serve(pipeline: bool, messages: int) -> Iterator[tuple[int, int]]:
    """A fresh `serve` on the embedded defaults in a temporary directory; its port and pid."""
    directory = Path(tempfile.mkdtemp(prefix="csba-abuse-"))
    port = smtp_load.free_port()
    (directory / "router.yaml").write_text(smtp_load.router_config(port), encoding="utf-8")
    if pipeline:
        (directory / "orders.txt").write_text(smtp_load.orders_report(messages))
        imported = smtp_load.cli(directory, "orders", "import", "--seller",
                                 smtp_load.SELLER_ID, "orders.txt",
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if imported.wait(120) != 0:
            raise SystemExit("abuse: orders import failed")
    log_path = directory / "serve.log"
    with log_path.open("w") as log:
        process = smtp_load.cli(directory, "serve", *([] if pipeline else ["--intake-only"]),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log)
    try:
        smtp_load.wait_for(lambda: smtp_load.ready(log_path.read_text(), not pipeline),
                           smtp_load.START_TIMEOUT, f"serve ready (see {log_path})")
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def hold_idle(port: int, count: int, addresses: int) -> tuple[list[socket.socket], int]:
    """`count` connections from `addresses` loopback addresses, greeted and then silent.

    Returns the open ones and how many were refused (421).
    """
    held: list[socket.socket] = []
    refused = 0
    for n in range(count):
        source = f"127.0.{1 + n % addresses // 250}.{2 + n % addresses % 250}"
        sock = socket.create_connection(("127.0.0.1", port), timeout=30,
                                        source_address=(source, 0))
        greeting = sock.recv(1024)
        if greeting.startswith(b"220"):
            held.append(sock)
        else:
            refused += 1
            sock.close()
    return held, refused


def accept_rate(args: argparse.Namespace, idle: int, addresses: int) -> tuple[float, str]:
    """Messages/s of the load (smtp_load.send_load) while `idle` connections are held.

    The note also gives serve's CPU time per message during the load, which
    other work on a shared machine disturbs less than the rate.
    """
    messages = [smtp_load.inquiry(n, 2048) for n in range(args.messages)]
    with serve(args.pipeline, args.messages) as (port, pid):
        held, refused = hold_idle(port, idle, addresses) if idle else ([], 0)
        try:
            cpu = smtp_load.cpu_seconds(pid)
            load = smtp_load.send_load(port, messages, args.sessions)
            cpu = smtp_load.cpu_seconds(pid) - cpu
        finally:
            for sock in held:
                sock.close()
    note = f"{len(held)} held, {refused} refused; " if idle else ""
    return load.rate, (note + f"{load.refused} of the load refused, "
                       f"serve CPU {1000 * cpu / len(messages):.2f} ms/msg")


# --- the measurements --------------------------------------------------------------


def best_of(args: argparse.Namespace, quiet: Callable[[], tuple[float, str]],
            attacked: Callable[[], tuple[float, str]]) -> tuple[float, float, str]:
    """The best of `--runs` runs of each, quiet and attacked alternating.

    On a shared machine other work only ever slows a run down, so the best
    run is the one that shows the code; alternating spreads any trend over both.
    """
    quiet_runs: list[tuple[float, str]] = []
    attacked_runs: list[tuple[float, str]] = []
    for n in range(args.runs):
        first, second = (quiet, attacked) if n % 2 == 0 else (attacked, quiet)
        results = (first(), second())
        quiet_runs.append(results[0] if first is quiet else results[1])
        attacked_runs.append(results[1] if first is quiet else results[0])
    best_quiet, best_attacked = max(quiet_runs), max(attacked_runs)
    runs = ", ".join(f"{q:.0f}/{a:.0f}" for (q, _), (a, _) in zip(quiet_runs, attacked_runs,
                                                                strict=True))
    return (best_quiet[0], best_attacked[0],
            f"runs quiet/attacked {runs}; best quiet: {best_quiet[1]}; "
            f"best attacked: {best_attacked[1]}")


@measurement("accept-idle-spread")
def accept_with_idle_connections(args: argparse.Namespace) -> Figure:
    quiet, attacked, note = best_of(args, lambda: accept_rate(args, 0, 1),
                                    lambda: accept_rate(args, args.idle, 30))
    return Figure("accept-idle-spread",
                  f"SMTP accept rate, {args.idle} idle connections from 30 addresses",
                  "msg/s", quiet, attacked, note)


@measurement("accept-idle-one")
def accept_with_idle_connections_from_one(args: argparse.Namespace) -> Figure:
    quiet, attacked, note = best_of(args, lambda: accept_rate(args, 0, 1),
                                    lambda: accept_rate(args, args.idle, 1))
    return Figure("accept-idle-one",
                  f"SMTP accept rate, {args.idle} idle connections from one address",
                  "msg/s", quiet, attacked, note)


@measurement("worst-html")
def decide_time_of_the_worst_html(args: argparse.Namespace) -> Figure:
    import worst_html  # bench/worst_html.py: the hostile cases and how they are decided

    paragraph = ("<p>Guten Tag, meine Bestellung 302-1234567-1234567 ist noch nicht "
                 "angekommen. <b>Wo bleibt sie?</b></p>\n")
    ordinary = worst_html.html_mail("<html><body>" + paragraph * 200 + "</body></html>")
    worst_html.decide_seconds(ordinary)  # the first decide loads the language models
    quiet = worst_html.decide_seconds(ordinary, args.runs)
    name, seconds = worst_html.worst(runs=args.runs)
    return Figure("worst-html", "decide time, worst hostile HTML vs an ordinary HTML mail",
                  "ms", quiet * 1000, seconds * 1000, f"worst case: {name}")


@measurement("reload-noop")
def noop_latency_during_reload(args: argparse.Namespace) -> Figure:
    import abuse_reload  # bench/abuse_reload.py: the serve, the session and the timing

    figures = abuse_reload.reload_noop_latency(args.sellers)
    return Figure("reload-noop",
                  f"worst NOOP latency, SIGHUP with {figures.sellers:,} sellers", "ms",
                  figures.quiet.worst * 1000, figures.reload.worst * 1000,
                  f"reload took {figures.reload_seconds:.1f} s; median NOOP "
                  f"{figures.quiet.median * 1000:.1f} / {figures.reload.median * 1000:.1f} ms")


# --- the table ----------------------------------------------------------------------


def table(figures: list[Figure]) -> str:
    rows = [("measurement", "quiet", "attacked", "ratio", "notes")]
    for f in figures:
        ratio = f"{f.attacked / f.quiet:.2f}" if f.quiet else "-"
        rows.append((f.what, f"{f.quiet:.1f} {f.unit}", f"{f.attacked:.1f} {f.unit}", ratio,
                     f.note))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row[:4], widths,
                                                                  strict=True)), row[4]])
                     for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(MEASUREMENTS),
                        help="run these measurements only (default: all)")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--idle", type=int, default=300, help="idle connections held")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each, quiet and attacked alternating; the best is shown")
    parser.add_argument("--sellers", type=int, default=20_000,
                        help="sellers in the config reloaded by reload-noop")
    parser.add_argument("--pipeline", action="store_true",
                        help="measure the whole daemon (default: serve --intake-only)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{'serve' if args.pipeline else 'serve --intake-only'}; "
          f"load: {args.messages} messages over {args.sessions} sessions")
    figures = []
    for name in args.only or list(MEASUREMENTS):
        began = time.monotonic()
        figures.append(MEASUREMENTS[name](args))
        print(f"  {name}: {time.monotonic() - began:.0f} s", file=sys.stderr)
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
