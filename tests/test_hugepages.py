"""The zygote's memory in huge pages: which regions are chosen, and that a real zygote gets them."""
from __future__ import annotations

import os
import sys

import pytest

from explorer.sandbox.hugepages import HUGE_PAGE, private_anonymous_regions, thp_available

MAPS = """\
55d0c0000000-55d0c0001000 r--p 00000000 fd:01 123 /usr/bin/python3.11
55d0c1000000-55d0c1a00000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000600000 rw-p 00000000 00:00 0
7f0000700000-7f0000800000 rw-p 00000000 00:00 0
7f0001100000-7f0001900000 rw-p 00000000 00:00 0
7f0002000000-7f0002400000 rw-s 00000000 00:05 9 /dev/zero (deleted)
7f0003000000-7f0003400000 rw-p 00200000 fd:01 456 /usr/lib/libtorch_cpu.so
7f0004000000-7f0004400000 r--p 00000000 00:00 0
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]
"""


def test_only_private_writable_anonymous_memory_and_the_heap_whole_huge_pages_of_it():
    regions = private_anonymous_regions(MAPS)
    assert regions == [
        (0x55D0C1000000, 0x55D0C1A00000),  # the heap, already aligned: all 5 huge pages
        (0x7F0000000000, 0x7F0000600000),  # anonymous: 3 huge pages
        (0x7F0001200000, 0x7F0001800000),  # anonymous, unaligned: only the 3 whole huge pages inside
    ]
    for start, end in regions:
        assert start % HUGE_PAGE == 0 and end % HUGE_PAGE == 0 and end > start
    # not chosen: < 2 MB, shared, file-backed, read-only, the stack
    assert all(not (s <= 0x7F0000700000 < e) for s, e in regions)


def kernel_version() -> tuple[int, int]:
    major, minor = (os.uname().release.split(".") + ["0"])[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


def anon_huge_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("AnonHugePages:"):
                return int(line.split()[1])
    return 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is Linux-only")
@pytest.mark.skipif(not thp_available(), reason="transparent huge pages are disabled on this machine")
def test_a_real_zygote_holds_torch_in_huge_pages():
    from explorer.sandbox import WorkerPool

    with WorkerPool(size=1, target="sandbox_targets:dispatch", preload=("torch",)) as pool:
        assert pool.wait_ready(timeout=60)
        huge_mb = anon_huge_kb(pool._zygote.process.pid) / 1024
        if huge_mb == 0 and kernel_version() < (6, 1):
            pytest.skip("MADV_COLLAPSE needs Linux 6.1 or newer")
        print(f"\nzygote: {huge_mb:.0f} MB in huge pages")
        assert huge_mb >= 32  # torch alone leaves ~150 MB of private memory in the zygote
        assert pool.run({"do": "echo", "payload": "fine"})["echo"] == "fine"
