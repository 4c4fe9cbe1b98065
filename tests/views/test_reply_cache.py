"""Answers from the role documents and the organisation are built once while both stay the
same objects, and afresh once either is replaced (bot/views/reply_cache.py)."""

from __future__ import annotations

import threading

from bot.views.common import Reply, notice
from bot.views.reply_cache import ReplyCache


class Source:
    """Stands for a RoleCatalog or an OrgConfig: compared by identity only."""


def test_an_answer_is_built_once_while_its_sources_stay_the_same() -> None:
    cache = ReplyCache()
    roles, org = Source(), Source()
    built: list[str] = []

    def build(text: str) -> Reply:
        built.append(text)
        return notice(text)

    first = cache.get(roles, org, "a", lambda: build("a"))
    assert cache.get(roles, org, "a", lambda: build("again")) is first
    assert first.block_dicts()  # checked when built
    assert cache.get(roles, org, "b", lambda: build("b")).text == "b"
    assert built == ["a", "b"]

    new_org = Source()  # an organisation change is a new OrgConfig
    assert cache.get(roles, new_org, "a", lambda: build("a, new org")).text == "a, new org"
    new_roles = Source()
    assert cache.get(new_roles, new_org, "a", lambda: build("a, new roles")).text == "a, new roles"
    assert built == ["a", "b", "a, new org", "a, new roles"]


def test_past_its_limit_answers_are_built_each_time() -> None:
    cache = ReplyCache(limit=2)
    roles, org = Source(), Source()
    calls = 0

    def build() -> Reply:
        nonlocal calls
        calls += 1
        return notice(f"answer {calls}")

    for key in ("a", "b", "c", "c"):
        cache.get(roles, org, key, build)
    assert calls == 4  # "c" was never kept
    cache.get(roles, org, "a", build)
    assert calls == 4


def test_concurrent_callers_all_get_a_checked_answer_then_the_kept_one() -> None:
    cache = ReplyCache()
    roles, org = Source(), Source()
    answers: list[Reply] = []
    built: list[Reply] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def build() -> Reply:
        reply = notice("the answer")
        with lock:
            built.append(reply)
        return reply

    def ask() -> None:
        start.wait()
        reply = cache.get(roles, org, "k", build)
        with lock:
            answers.append(reply)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and {a.text for a in answers} == {"the answer"}
    # Each was checked before it was handed out, even one built beside another.
    assert all(a._rendered is not None for a in answers)
    # Afterwards one of them is kept, and no caller builds again.
    kept = cache.get(roles, org, "k", build)
    assert kept in built and cache.get(roles, org, "k", build) is kept
    assert len(built) == len({id(b) for b in built}) <= 8
