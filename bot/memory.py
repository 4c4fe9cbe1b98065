"""Giving freed memory back to the operating system, so a burst does not stay resident.

The C allocator (glibc's malloc) keeps what Python frees in its heaps for reuse, and a
threaded server has one heap per thread that allocates: after ten admins' CSV exports or
lists at once, tens of MB stay resident though Python holds none of it. ``malloc_trim(0)``
(glibc 2.8 and newer; https://man7.org/linux/man-pages/man3/malloc_trim.3.html) hands the free
pages of every heap back. It takes well under a millisecond and only touches free memory, so
the scheduler's tick calls it (bot/scheduler.py). Elsewhere than glibc (musl, macOS) it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Give the allocator's free pages back to the operating system. Returns whether the C
    library can (glibc); never raises."""
    trim = _malloc_trim()
    if trim is None:
        return False
    try:
        trim(0)
    except OSError:
        log.debug("malloc_trim failed", exc_info=True)
        return False
    return True
