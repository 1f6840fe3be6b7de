"""The collector pause around config loading and the daemon's reload."""

from __future__ import annotations

import gc

import pytest

from router.heap import collections_paused, long_lived


def test_pauses_nest_and_restore_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with collections_paused():
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()  # disabled before: left disabled
    finally:
        gc.enable()


def test_long_lived_freezes_what_the_block_built_and_not_after_an_error() -> None:
    before = gc.get_freeze_count()
    try:
        with long_lived():
            built = [[n] for n in range(1000)]
        assert gc.get_freeze_count() >= before + len(built)
        frozen = gc.get_freeze_count()
        with pytest.raises(ValueError), long_lived():
            raise ValueError("a config that does not load")
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()
