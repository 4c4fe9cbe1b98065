"""Freed memory goes back to the system at each scheduler tick (bot/memory.py)."""

from __future__ import annotations

import platform
import threading
from pathlib import Path

import pytest

from bot.memory import release_freed_memory


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_memory_a_burst_freed_is_given_back() -> None:
    kept: list[bytes] = []

    def burst() -> None:
        # 20 kB blocks, below glibc's mmap threshold, from a thread's own heap; one block in
        # fifty stays, so the freed pages lie between live ones and only a trim returns them.
        blocks = [bytes(20_000) + bytes([n % 256]) for n in range(6_000)]
        kept.extend(blocks[::50])

    thread = threading.Thread(target=burst)
    thread.start()
    thread.join()
    before = _resident_mb()
    assert release_freed_memory()
    after = _resident_mb()
    assert before - after > 50, (before, after)
    assert len(kept) == 120
