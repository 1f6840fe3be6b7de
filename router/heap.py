"""The cyclic garbage collector around large, long-lived allocations.

A config of 20,000 sellers is a few hundred thousand objects, built at
once and kept until the next reload.  The collector would pass over them
again and again while they are built (half the time of loading them), and
once more, all of them at once, at its next collection after: in `serve`
that pass holds the interpreter lock, and the SMTP sessions wait for it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0
_was_enabled = True


@contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    Reference counting still frees what the block drops; only cycles wait.
    Process-wide (the collector is): nested and concurrent blocks re-enable
    it when the last one ends, and only if it was enabled before the first.
    """
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """What the block builds lives long: no collections meanwhile, none of it after.

    At its end (unless it raised) everything alive is moved out of the
    collector's reach (`gc.freeze`, cheap), as the daemon does with what
    it built at start (`router.aio.settle_heap`).  What is later dropped is
    still freed by reference counting; a config holds no cycles.
    """
    with collections_paused():
        yield
        gc.freeze()
