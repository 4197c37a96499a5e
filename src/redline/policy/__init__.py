"""Policy as data (SPEC R-POL): the shipped TOML file, validated into typed objects."""

from redline.policy.load import default_policy, load_policy, load_policy_mapping, merge_overrides
from redline.policy.schema import Policy

__all__ = ["Policy", "default_policy", "load_policy", "load_policy_mapping", "merge_overrides"]
