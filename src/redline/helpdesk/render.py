"""Fill an article's `{dotted.policy.key[:format]}` placeholders from the policy in force.

Formats: none (numbers trimmed: 3.0 → 3), `%` (0.03 → 3%), `inv%` (the complement: a 0.10
traffic multiplier is a 90% throttle), `¥` (a price), `listN` (first N list items, joined 、).
Path segments may be quoted when a key contains dots: `ledger.rules."claim.medical".points`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from redline.errors import PolicyError

_SEGMENT = r'(?:"[^"{}]+"|[^".{}:\s]+)'
PLACEHOLDER = re.compile(r"\{(" + _SEGMENT + r"(?:\." + _SEGMENT + r")*)(?::([a-z%¥0-9]+))?\}")
_SPLIT = re.compile(r'"([^"]+)"|([^".]+)')


def placeholder_keys(template: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(template)]


def lookup(mapping: Mapping[str, Any], path: str) -> Any:
    value: Any = mapping
    for quoted, plain in _SPLIT.findall(path):
        segment = quoted or plain
        if isinstance(value, Mapping) and segment in value:
            value = value[segment]
        elif isinstance(value, (list, tuple)) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            raise KeyError(path)
    return value


def render(template: str, mapping: Mapping[str, Any], *, where: str = "") -> str:
    """The template with every placeholder filled; a key missing from the policy is an error."""

    def fill(match: re.Match[str]) -> str:
        path, spec = match.group(1), match.group(2) or ""
        try:
            value = lookup(mapping, path)
        except KeyError:
            raise PolicyError(f"帮助文章{f' {where}' if where else ''}引用的策略键不存在：{path}") from None
        return format_value(value, spec, path)

    return PLACEHOLDER.sub(fill, template)


def format_value(value: Any, spec: str, path: str = "") -> str:
    if spec.startswith("list"):
        if not isinstance(value, (list, tuple)):
            raise PolicyError(f"策略键 {path} 不是列表，不能用 :{spec}")
        limit = int(spec[4:] or len(value))
        return "、".join(str(item) for item in value[:limit])
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if not isinstance(value, (int, float)) or not spec:
        return _number(value) if isinstance(value, (int, float)) else str(value)
    if spec == "%":
        return _number(value * 100) + "%"
    if spec == "inv%":
        return _number((1 - value) * 100) + "%"
    if spec == "¥":
        return "¥" + _number(value)
    raise PolicyError(f"未知的格式 :{spec}（策略键 {path}）")


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    rounded = round(value, 6)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:g}"
