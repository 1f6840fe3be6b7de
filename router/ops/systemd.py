"""sd_notify: tell systemd (`Type=notify`) that `serve` is ready, alive, stopping.

The protocol is one datagram per message to the unix socket named by
`NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`),
so it is written here in a few lines rather than taken from a package (the
`sdnotify` package on PyPI is the same few lines, unmaintained since 2017).
Outside systemd the variable is unset and every call does nothing.

The watchdog: when the unit sets `WatchdogSec=`, systemd passes
`WATCHDOG_USEC` (and `WATCHDOG_PID`, the process meant); `serve` then pings
at half that interval from its event loop, so a loop that hangs stops the
pings and systemd restarts the service.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from router.aio import first_of

log = logging.getLogger("router.ops")


def notify(*lines: str) -> bool:
    """Send `lines` (e.g. "READY=1") as one datagram; False when not under systemd."""
    target = os.environ.get("NOTIFY_SOCKET")
    if not target:
        return False
    address = "\0" + target[1:] if target.startswith("@") else target
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto("\n".join(lines).encode("utf-8"), address)
    except OSError as error:
        log.warning(f"cannot notify systemd at {target}: {error}",
                    extra={"event": "notify_failed"})
        return False
    return True


def watchdog_seconds() -> float | None:
    """The interval between pings that systemd asks for; None when it asks for none."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        interval = int(usec) / 1_000_000 / 2
    except ValueError:
        return None
    return interval if interval > 0 else None


async def watchdog(stop: asyncio.Event) -> None:
    """Ping systemd's watchdog until `stop` (nothing when it is not asked for)."""
    interval = watchdog_seconds()
    if interval is None:
        return
    while not stop.is_set():
        notify("WATCHDOG=1")
        await first_of(stop, timeout=interval)
