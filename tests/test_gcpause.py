"""explorer.gcpause: no collection during a pause, no catch-up walk after it, and nothing leaks."""
from __future__ import annotations

import gc
import threading
import weakref

import pytest

from explorer.gcpause import gc_paused, without_gc


class Node:
    pass


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after(collector_on):
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # pauses nest
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_keeps_the_collector_off_when_it_was_off():
    was = gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_what_a_pause_made_skips_the_young_generations(collector_on):
    gc.collect()
    with gc_paused():
        made = [[i] for i in range(1000)]
    young = {id(o) for o in gc.get_objects(0)} | {id(o) for o in gc.get_objects(1)}
    assert not any(id(o) in young for o in made)
    assert any(o is made[0] for o in gc.get_objects(2))


def test_a_cycle_made_during_a_pause_is_still_collected(collector_on):
    with gc_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
    assert gone() is not None  # a cycle: reference counting alone cannot free it
    gc.collect()
    assert gone() is None


def test_frozen_objects_stay_frozen(collector_on):
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            pass
        # unfreeze() would leave 0; a few fewer is a frozen object freed meanwhile (another thread of the suite)
        assert gc.get_freeze_count() >= frozen - 100
    finally:
        gc.unfreeze()


def test_threads_pausing_at_once_leave_it_on(collector_on):
    barrier = threading.Barrier(4)

    @without_gc
    def work():
        barrier.wait()
        return [[1] for _ in range(100)]

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()
