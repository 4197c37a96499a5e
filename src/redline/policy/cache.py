"""Objects compiled from a policy (a checker, an analyzer), kept per effective policy.

Compiling is costly (automata, tables) and a process usually runs under one policy, sometimes
a few (tests, user overrides); entries are keyed by the policy's fingerprinted version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from redline.policy.load import default_policy
from redline.policy.schema import Policy

T = TypeVar("T")


class PerPolicy(Generic[T]):
    def __init__(self, build: Callable[[Policy], T], size: int = 8):
        self._build = build
        self._size = size
        self._items: dict[str, T] = {}

    def get(self, policy: Policy | None = None) -> T:
        """The object for `policy` (the shipped policy when None), built on first use."""
        policy = policy or default_policy()
        item = self._items.get(policy.version)
        if item is None:
            if len(self._items) >= self._size:
                self._items.clear()
            item = self._items[policy.version] = self._build(policy)
        return item
