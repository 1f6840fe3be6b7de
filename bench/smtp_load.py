"""SMTP load: the router's intake and pipeline against a bare SMTP sink, in one run.

Usage:  .venv/bin/python bench/smtp_load.py [--messages N] [--sessions S] [--size BYTES]
                                            [--keep] [--intake-only] [--profile]
                                            [--postgres [URL]] [--instances N] [--trust]

One load client (S concurrent SMTP sessions, threads with smtplib, each
sending its share of the messages one after the other) sends N in-scope
inquiries of about BYTES bytes each, every one with its own Message-ID and
its own seller-fulfilled order, twice:

1. to a bare aiosmtpd handler that only answers 250 (a subprocess: the
   ceiling for this client on this machine);
2. to `csba-router serve` on the embedded defaults (config/router.yaml's
   content in a temporary directory: SQLite, maildir outbox), with the
   orders imported first, so every message is forwarded.

`--trust` sets `trust.authserv_id` (sender trust believing the mail server in
front) and puts that server's Received: and a passing Authentication-Results:
on every message, so every message is still authenticated and forwarded: the
cost of the trust check, to compare with a run without it;
`--postgres [URL]` stores into a throwaway database on that PostgreSQL
server instead (default: the tests' server), and `--instances N` runs N
`serve` processes on it, each with its own port and the default number of
pipeline processes, delivering into one shared Maildir; the sessions are
spread over them (session k talks to instance k mod N).  The figures are
then those of the N together: what sharing one database costs or gains.

Printed: each accept rate (messages/s from the first send to the last 250)
and serve/sink (target >= 0.5); the rate at which everything is acted on
and delivered (first send until the last forward file is in outbox/new) as
a ratio of the sink's accept rate (target >= 0.25); serve's peak RSS
(VmHWM of serve and of its child processes added up, target < 300 MB).
The run also checks the result: one forward file per Message-ID and every
message `done` in the database.

Diagnosis: `--intake-only` runs `serve --intake-only` instead (the accept
rate alone: what intake costs without the pipeline competing for the CPU);
`--profile` skips the SMTP runs: it stores the messages straight into a
fresh database, then times the pipeline (`drain`) and one delivery pass
in this process, stage by stage, and prints cProfile's top functions of
the drain.  The sink is this same file run with `--sink PORT`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.parser
import email.policy
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SELLER_ID = "A1MUSTERHANDEL"
SELLER = "service@musterhandel.de"
CSBA = "csba-de2de@amazon.de"
PG_SERVER = os.environ.get("CSBA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 600.0

# German customer sentences without any keyword of a rule or a pre-sale,
# seller-question or automatic-mail signal: padding keeps the inquiry in scope.
FILLER = [
    "Ich habe schon zweimal beim Paketdienst nachgefragt, aber dort weiß niemand, "
    "wo die Sendung geblieben ist.",
    "Die Sendungsverfolgung zeigt seit einer Woche denselben Stand an.",
    "Mein Nachbar war die ganze Zeit zu Hause und hat auch nichts angenommen.",
    "Bitte sagen Sie mir, ob das Paket noch kommt oder ob ich etwas tun muss.",
    "Ich brauche die Sachen dringend für das Wochenende.",
]


# --- the messages ------------------------------------------------------------


def order_id(n: int) -> str:
    return f"306-{3_000_000 + n:07d}-{4_000_000 + n:07d}"


def orders_report(count: int) -> str:
    header = ("amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\t"
              "sales-channel\tsku\tquantity\titem-status")
    lines = [f"{order_id(n)}\t2026-10-05T10:00:00+02:00\tShipped\tMerchant\tAmazon.de\t"
             f"SKU-{n}\t1\tShipped" for n in range(count)]
    return "\n".join([header, *lines]) + "\n"


FRONT = "mx.bench.example.internal"
#: What the mail server in front writes on top of each message under `--trust`.
FRONT_HEADERS = (
    f"Received: from mail.musterhandel.de (mail.musterhandel.de [192.0.2.25]) by {FRONT} "
    "with ESMTPS id 4Xk; Tue, 3 Nov 2026 09:12:05 +0100\r\n"
    f"Authentication-Results: {FRONT}; spf=pass smtp.mailfrom=service@musterhandel.de; "
    "dkim=pass header.d=musterhandel.de header.s=s2026; "
    "dmarc=pass (p=reject) header.from=musterhandel.de\r\n").encode()


def inquiry(n: int, size: int, trust: bool = False) -> tuple[str, bytes]:
    """The n-th inquiry (Message-ID, bytes): a German forward of about `size` bytes.

    `trust`: with the front server's headers on top (see `FRONT_HEADERS`).
    """
    from tests.pipeline.test_process import forward

    message_id = f"<load-{n}-{os.getpid()}@musterhandel.de>"
    text = (f"ich habe die Bestellung {order_id(n)} aufgegeben und sie ist immer noch "
            "nicht angekommen. Wo ist das Paket?")
    raw = forward(order_id(n), message_id=message_id, text=text)
    i = 0
    while len(raw) < size:
        text += "\r\n" + FILLER[i % len(FILLER)]
        i += 1
        raw = forward(order_id(n), message_id=message_id, text=text)
    return message_id, (FRONT_HEADERS + raw if trust else raw)


# --- the load client ---------------------------------------------------------


@dataclass
class Load:
    messages: int
    seconds: float  # first send to last 250
    refused: int
    started: float  # time.monotonic() of the first send

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def send_load(ports: list[int], messages: list[tuple[str, bytes]], sessions: int) -> Load:
    """S threads, one SMTP session each (to the ports in turn), sending their share."""
    errors: list[str] = []
    ready = threading.Barrier(sessions + 1)

    def session(port: int, batch: list[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="load.bench", timeout=120) as smtp:
            smtp.ehlo()
            ready.wait()
            for _, raw in batch:
                try:
                    smtp.sendmail(SELLER, [CSBA], raw)
                except smtplib.SMTPException as exc:
                    errors.append(str(exc))

    threads = [threading.Thread(target=session,
                                args=(ports[i % len(ports)], messages[i::sessions]))
               for i in range(sessions)]
    for thread in threads:
        thread.start()
    ready.wait()  # every session is connected and greeted: the clock starts now
    started = time.monotonic()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    return Load(len(messages) - len(errors), seconds, len(errors), started)


# --- the sink ----------------------------------------------------------------


def run_sink(port: int) -> None:
    """A bare aiosmtpd server in this process's event loop; every DATA gets 250."""
    from aiosmtpd.smtp import SMTP

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Sink(), hostname="sink.bench", loop=loop), "127.0.0.1", port)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        await stop.wait()
        server.close()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(done: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
             ) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"smtp_load: not within {timeout:.0f}s: {what}")
        time.sleep(interval)


def bench_sink(messages: list[tuple[str, bytes]], sessions: int) -> Load:
    port = free_port()
    sink = subprocess.Popen([sys.executable, __file__, "--sink", str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None
        if sink.stdout.readline().strip() != "ready":
            raise SystemExit("smtp_load: the sink did not start")
        return send_load([port], messages, sessions)
    finally:
        sink.terminate()
        sink.wait(30)


# --- the router --------------------------------------------------------------


@dataclass
class Served:
    load: Load
    delivered_seconds: float  # first send until the last forward file
    peak_rss_kb: int
    exit_status: int
    cpu_seconds: dict[str, float]  # during the load: "intake" (serve) and "pipeline" (children)


def router_config(port: int, storage_url: str | None = None, outbox: Path | None = None,
                  http_port: int | None = None, trust: bool = False) -> str:
    """config/router.yaml unchanged but for the port (its ./var paths are relative),
    and the storage URL, Maildir and monitoring port when given.

    `trust`: with `trust.authserv_id` set to the bench's front server.
    """
    text = (REPO / "config" / "router.yaml").read_text(encoding="utf-8")
    edits = {r"listen: 127\.0\.0\.1:2525": f"listen: 127.0.0.1:{port}"}
    if http_port is not None:
        edits[r"(?m)^instance:$"] = f"instance:\n  http: 127.0.0.1:{http_port}"
    if storage_url is not None:
        edits[r"url: sqlite:///\./var/router\.db"] = f'url: "{storage_url}"'
    if outbox is not None:
        edits[r"transport: maildir://\./var/outbox"] = f"transport: maildir://{outbox}"
    if trust:
        edits[r"(?m)^auto_reply:$"] = f"trust:\n  authserv_id: {FRONT}\nauto_reply:"
    for pattern, new in edits.items():
        text, count = re.subn(pattern, lambda _m, new=new: new, text)
        if count != 1:
            raise SystemExit(f"smtp_load: config/router.yaml has no {pattern!r}")
    return text


def cli(directory: Path, *args: str, **popen: Any) -> subprocess.Popen[Any]:
    env = {k: v for k, v in os.environ.items() if k != "CSBA_ROUTER_CONFIG"}
    return subprocess.Popen([sys.executable, "-m", "router", "--config", "router.yaml", *args],
                            cwd=directory, env=env, **popen)


def peak_rss_kb(pid: int) -> int:
    """VmHWM of the process plus that of each of its descendants (serve's pipeline child)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    total = int(match.group(1)) if match else 0
    for child in children(pid):
        total += peak_rss_kb(child)
    return total


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_role(pid: int) -> dict[str, float]:
    return {"intake": cpu_seconds(pid),
            "pipeline": sum(cpu_seconds(child) for child in children(pid))}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def ready(log: str, intake_only: bool) -> bool:
    """serve listens and, unless intake-only, every pipeline process has started its loops.

    The load measures a running daemon, not its start: the children import
    and load the language models for a few seconds after "listening".
    """
    if '"listening"' not in log:
        return False
    started = log.count('"event": "worker_started"')
    return intake_only or 0 < started <= log.count('"event": "delivery_started"')


def bench_serve(directory: Path, messages: list[tuple[str, bytes]], sessions: int,
                intake_only: bool = False, spy_path: Path | None = None,
                storage_url: str | None = None, instances: int = 1,
                http: bool = False, trust: bool = False) -> Served:
    """Load `instances` serve processes (one database, one Maildir) and wait for the result."""
    outbox = directory / "outbox"
    homes = [directory / f"serve-{i}" for i in range(instances)]
    ports = [free_port() for _ in homes]
    url = storage_url or f"sqlite:///{directory / 'router.db'}"
    for home, port in zip(homes, ports, strict=True):
        home.mkdir()
        (home / "router.yaml").write_text(
            router_config(port, url, outbox, free_port() if http else None, trust),
            encoding="utf-8")
    (homes[0] / "orders.txt").write_text(orders_report(len(messages)), encoding="utf-8")
    imported = cli(homes[0], "orders", "import", "--seller", SELLER_ID, "orders.txt",
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, err = imported.communicate(timeout=120)
    if imported.returncode != 0:
        raise SystemExit(f"smtp_load: orders import failed: {err}")
    log_paths = [home / "serve.log" for home in homes]
    serves: list[subprocess.Popen[Any]] = []
    try:
        for home, log_path in zip(homes, log_paths, strict=True):
            with log_path.open("w") as log:
                serves.append(cli(home, "serve", *(["--intake-only"] if intake_only else []),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=log))
        for log_path in log_paths:
            wait_for(lambda log_path=log_path: ready(log_path.read_text(), intake_only),
                     START_TIMEOUT, f"serve ready (see {log_path})")
        new = outbox / "new"
        spy = None
        if spy_path is not None:  # sample every process of serve while the load runs
            spy = subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), "record",
                 *os.environ.get("SPY_ARGS", "--gil --subprocesses").split(),
                 "--rate", "250", "--format", "raw", "--nonblocking",
                 "--output", str(spy_path), "--pid", str(serves[0].pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu_before = cpu_of(serves)
        load = send_load(ports, messages, sessions)
        if not intake_only:
            wait_for(lambda: new.is_dir() and len(os.listdir(new)) >= len(messages),
                     DRAIN_TIMEOUT, "every forward in outbox/new")
        delivered = time.monotonic() - load.started
        cpu = {role: seconds - cpu_before[role] for role, seconds in cpu_of(serves).items()}
        rss = sum(peak_rss_kb(serve.pid) for serve in serves)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(60)
        for serve in serves:
            serve.send_signal(signal.SIGTERM)
        status = max(serve.wait(120) for serve in serves)
    finally:
        for serve in serves:
            if serve.poll() is None:
                serve.kill()
                serve.wait()
    if not intake_only:
        check(outbox, url, {m for m, _ in messages}, log_paths)
    return Served(load, delivered, rss, status, cpu)


def cpu_of(serves: list[subprocess.Popen[Any]]) -> dict[str, float]:
    """CPU seconds by role, added up over every serve process and its children."""
    total: Counter[str] = Counter()
    for serve in serves:
        total.update(cpu_by_role(serve.pid))
    return {"intake": total["intake"], "pipeline": total["pipeline"]}


def check(outbox: Path, url: str, expected: set[str], log_paths: list[Path]) -> None:
    """Every message forwarded once, every row done: a fast wrong answer is no answer."""
    import sqlalchemy as sa

    from router.store import open_engine, received

    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    found: Counter[str] = Counter()
    for path in (outbox / "new").iterdir():
        with path.open("rb") as handle:
            found[str(parser.parse(handle)["X-CSBA-Message-Id"])] += 1
    problems = []
    if set(found) != expected or any(n != 1 for n in found.values()):
        problems.append(f"forward files: {sum(found.values())} for {len(found)} Message-IDs, "
                        f"expected one each for {len(expected)}")
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            states = dict(conn.execute(sa.select(received.c.state, sa.func.count())
                                       .group_by(received.c.state)).all())
    finally:
        engine.dispose()
    if set(states) != {"done"}:
        problems.append(f"received states: {states}")
    for log_path in log_paths:
        failures = [line for line in log_path.read_text().splitlines()
                    if not line.startswith("{") or json.loads(line).get("level") == "ERROR"]
        if failures:
            problems.append(f"{len(failures)} error lines in {log_path}, first: {failures[0]}")
    if problems:
        raise SystemExit("smtp_load: wrong result: " + "; ".join(problems))


# --- where the time goes ------------------------------------------------------


def profile(messages: list[tuple[str, bytes]], top: int = 25, trust: bool = False) -> None:
    """Stage timings of the pipeline and delivery, in-process, and the drain's profile.

    The daemon runs intake, workers and delivery in one process, so their
    CPU times add up under one GIL: the per-message CPU cost of each stage
    is what bounds the delivered rate.
    """
    import cProfile
    import pstats

    from router.act.delivery import deliver_pass
    from router.act.templates import NoticeTemplates
    from router.config import load_config
    from router.decide.language import warm_up
    from router.orders import import_report
    from router.pipeline import prepare as prepare_module
    from router.pipeline import process as process_module
    from router.pipeline import runner
    from router.store import open_engine, upgrade, utcnow
    from router.store.arrivals import store_received

    n = len(messages)
    tmp = Path(tempfile.mkdtemp(prefix="csba-profile-"))
    config = load_config(REPO / "config" / "router.yaml", env={})
    config = config.model_copy(update={"outbound": config.outbound.model_copy(
        update={"transport": f"maildir://{tmp / 'outbox'}"})})
    if trust:
        from router.config.model import Trust

        config = config.model_copy(update={"trust": Trust(authserv_id=FRONT)})
    templates = NoticeTemplates.from_config(config)
    warm_up()

    def fresh_store(name: str) -> Any:
        engine = open_engine(f"sqlite:///{tmp / name}")
        upgrade(engine)
        (tmp / "orders.txt").write_text(orders_report(n), encoding="utf-8")
        import_report(engine, SELLER_ID, tmp / "orders.txt", on_error=print)
        began = time.perf_counter()
        for message_id, raw in messages:
            store_received(engine, raw, mail_from=SELLER, rcpt_tos=[CSBA], channel="smtp",
                           channel_ref="127.0.0.1", arrived_at=utcnow(), message_id=message_id)
        print(f"store (one commit each): {(time.perf_counter() - began) / n * 1000:6.2f} ms/msg")
        return engine

    spent: Counter[str] = Counter()
    originals: list[tuple[Any, str, Any]] = []

    def timed(name: str, module: Any) -> None:
        real = getattr(module, name)
        originals.append((module, name, real))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - began

        setattr(module, name, wrapper)

    try:
        engine = fresh_store("timed.db")
        timed("parse_message", prepare_module)
        for name in ("classify", "_facts", "_write_many", "compose_forward",
                     "enqueue_composed"):
            timed(name, process_module)
        timed("claim", runner)
        began, cpu = time.perf_counter(), time.process_time()
        runner.drain(engine, config, templates, owner="profile")
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(f"pipeline (drain):        {wall / n * 1000:6.2f} ms/msg wall, "
              f"{cpu / n * 1000:.2f} ms/msg CPU; of it:")
        for name, seconds in spent.most_common():
            print(f"  {name:22} {seconds / n * 1000:6.2f} ms/msg")
        for module, name, real in originals:
            setattr(module, name, real)
        began, cpu = time.perf_counter(), time.process_time()
        asyncio.run(deliver_pass(engine, config))
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(f"delivery (maildir):      {wall / n * 1000:6.2f} ms/msg wall, "
              f"{cpu / n * 1000:.2f} ms/msg CPU")
        engine.dispose()

        engine = fresh_store("profiled.db")
        profiler = cProfile.Profile()
        profiler.runcall(runner.drain, engine, config, templates, owner="profile")
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ncProfile of the drain, top {top} by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


# --- the report --------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--size", type=int, default=2048, help="bytes per message, about")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--profile", action="store_true",
                        help="time and profile the pipeline in-process instead (no SMTP)")
    parser.add_argument("--intake-only", action="store_true",
                        help="diagnosis: run serve --intake-only (accept rate without the "
                             "pipeline competing for the CPU); no delivery figures")
    parser.add_argument("--spy", type=Path, metavar="FILE",
                        help="diagnosis: record serve and its children with py-spy (raw "
                             "collapsed stacks) into FILE; py-spy's sampling options come "
                             "from $SPY_ARGS (default '--gil --subprocesses')")
    parser.add_argument("--postgres", nargs="?", const=PG_SERVER, metavar="URL",
                        help="store in a throwaway database on this PostgreSQL server "
                             f"(default {PG_SERVER}) instead of SQLite")
    parser.add_argument("--instances", type=int, default=1, metavar="N",
                        help="serve processes sharing the database (PostgreSQL only when "
                             "more than one)")
    parser.add_argument("--trust", action="store_true",
                        help="set trust.authserv_id and put the front server's passing "
                             "Authentication-Results on every message (the trust check's cost)")
    parser.add_argument("--http", action="store_true",
                        help="set instance.http: the daemons count /metrics (what that costs)")
    parser.add_argument("--sink", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.instances < 1 or (args.instances > 1 and args.postgres is None):
        parser.error("--instances above 1 needs --postgres (SQLite is one machine's store)")
    if args.sink is not None:
        run_sink(args.sink)
        return 0

    messages = [inquiry(n, args.size, args.trust) for n in range(args.messages)]
    size = sum(len(raw) for _, raw in messages) / len(messages)
    if args.profile:
        profile(messages, trust=args.trust)
        return 0
    store = (f"PostgreSQL, {args.instances} instance{'s' if args.instances > 1 else ''}"
             if args.postgres else "SQLite, 1 instance")
    store += ", metrics on" if args.http else ""
    store += f", trust.authserv_id {FRONT}" if args.trust else ""
    print(f"load: {len(messages)} messages of {size:.0f} bytes on average, "
          f"{args.sessions} concurrent sessions, {os.cpu_count()} CPUs; {store}")

    sink = bench_sink(messages, args.sessions)
    print(f"sink  accept: {sink.rate:8.1f} msg/s  ({sink.seconds:.2f}s)")

    directory = Path(tempfile.mkdtemp(prefix="csba-smtp-load-"))
    try:
        with contextlib.ExitStack() as stack:
            url = None
            if args.postgres:
                from pgtemp import throwaway_database  # bench/pgtemp.py, beside this file
                url = stack.enter_context(throwaway_database(args.postgres))
            served = bench_serve(directory, messages, args.sessions, args.intake_only,
                                 args.spy, url, args.instances, args.http, args.trust)
    finally:
        if args.keep:
            print(f"kept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    load = served.load
    accept_ratio = load.rate / sink.rate
    print(f"serve accept: {load.rate:8.1f} msg/s  ({load.seconds:.2f}s, "
          f"{load.refused} refused)")
    print(f"accept ratio serve/sink:        {accept_ratio:.2f}  (target >= 0.50: "
          f"{verdict(accept_ratio >= 0.5)})")
    if args.intake_only:
        return 0
    acted_rate = len(messages) / served.delivered_seconds
    acted_ratio = acted_rate / sink.rate
    rss_mb = served.peak_rss_kb / 1024 / args.instances  # the target is one instance's
    print(f"acted on and delivered: {acted_rate:8.1f} msg/s  ({served.delivered_seconds:.2f}s "
          f"from the first send to the last forward file)")
    print(f"delivered ratio to sink accept: {acted_ratio:.2f}  (target >= 0.25: "
          f"{verdict(acted_ratio >= 0.25)})")
    print(f"serve peak RSS (VmHWM):         {rss_mb:.0f} MB per instance  (target < 300 MB: "
          f"{verdict(rss_mb < 300)})")
    print(f"serve exit status after SIGTERM: {served.exit_status}")
    per_message = {role: 1000 * seconds / len(messages)
                   for role, seconds in served.cpu_seconds.items()}
    print(f"CPU per message (diagnosis):    intake {per_message['intake']:.2f} ms, "
          f"pipeline processes {per_message['pipeline']:.2f} ms")
    met = accept_ratio >= 0.5 and acted_ratio >= 0.25 and rss_mb < 300 and load.refused == 0
    return 0 if met and served.exit_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
