"""Answers built from the role documents and the organisation alone, each built and checked
once per process while both stay the same.

The role documents are read once at start; the organisation changes only as a whole new
OrgConfig (bot/org_store.py `_take`), so comparing the two objects by identity says whether
an answer built from them still holds. A Reply keeps its checked blocks after its first
rendering, so a cached answer costs a dict lookup rather than slack_sdk's checks of every
block (about 0.5 ms for a role card).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from bot.views.common import Reply


class ReplyCache:
    """``get(roles, org, key, build)``: ``build()``'s Reply for ``key``, built once while
    ``roles`` and ``org`` are the same objects. At most ``limit`` answers are kept (keys may
    come from what members type, as `/liec who <duty>` does): past it, answers are built each
    time until the sources change. Thread-safe."""

    def __init__(self, limit: int = 512) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._sources: tuple[object, object] | None = None
        self._replies: dict[Hashable, Reply] = {}

    def get(self, roles: object, org: object, key: Hashable, build: Callable[[], Reply]) -> Reply:
        with self._lock:
            if self._sources is None or self._sources[0] is not roles or self._sources[1] is not org:
                self._sources, self._replies = (roles, org), {}
            replies = self._replies
            found = replies.get(key)
        if found is not None:
            return found
        reply = build()
        reply.block_dicts()  # checked now, once, outside the lock
        with self._lock:
            if replies is self._replies and len(replies) < self._limit:
                replies[key] = reply
        return reply
