"""Build a policy that differs from the shipped one in a few keys (for detector tests)."""

from __future__ import annotations

from typing import Any

from redline.policy import Policy
from redline.policy.load import load_policy_mapping, merge_overrides, policy_from_mapping


def policy_with(overrides: dict[str, Any]) -> Policy:
    return policy_from_mapping(merge_overrides(load_policy_mapping(None), overrides), "<test>")
