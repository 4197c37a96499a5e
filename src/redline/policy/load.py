"""Load the shipped policy, apply a user's overrides key by key, validate, fingerprint."""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from redline.errors import PolicyError
from redline.policy.schema import Policy

DEFAULT_POLICY_NAME = "default.toml"


def default_policy_text() -> str:
    return resources.files("redline.policy").joinpath(DEFAULT_POLICY_NAME).read_text("utf-8")


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"策略文件 {source} 不是合法的 TOML：{exc}") from exc


def merge_overrides(base: dict[str, Any], overrides: dict[str, Any], path: str = "") -> dict[str, Any]:
    """Overlay `overrides` on `base`: tables merge recursively, any other value replaces.

    A key the base does not have is an error naming it: a misspelt key must not be silently
    ignored (the typed model would reject it too, but this message says where it came from).
    """
    merged = dict(base)
    for key, value in overrides.items():
        dotted = f"{path}.{key}" if path else key
        if key not in base:
            raise PolicyError(f"策略键 `{dotted}` 不存在（覆盖文件只能修改已有的键）")
        if isinstance(value, dict) and isinstance(base[key], dict) and not _is_free_mapping(dotted):
            merged[key] = merge_overrides(base[key], value, dotted)
        else:
            merged[key] = value
    return merged


# Tables whose keys are data (a word → its replacement), replaced whole by an override.
_FREE_MAPPINGS = {"text.symbol_words", "checks.adlaw.category_allowed", "checks.adlaw.rewordings"}


def _is_free_mapping(dotted: str) -> bool:
    return dotted in _FREE_MAPPINGS


def _format_validation_error(exc: ValidationError, source: str) -> str:
    lines = [f"策略 {source} 校验失败："]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        if error["type"] == "missing":
            lines.append(f"  键 `{key}`：缺少此键")
            continue
        value = repr(error.get("input"))
        if len(value) > 80:
            value = value[:77] + "..."
        lines.append(f"  键 `{key}`：{error['msg']}（值：{value}）")
    return "\n".join(lines)


def policy_from_mapping(data: dict[str, Any], source: str = "<policy>") -> Policy:
    """Validate a policy mapping into a `Policy`, with its fingerprint set."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    fingerprint = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]
    try:
        return Policy.model_validate({**data, "fingerprint": fingerprint})
    except ValidationError as exc:
        raise PolicyError(_format_validation_error(exc, source)) from exc


def load_policy_mapping(path: str | Path | None = None) -> dict[str, Any]:
    """The effective policy as a plain mapping: the shipped file with `path` overlaid."""
    data = _parse_toml(default_policy_text(), f"(内置){DEFAULT_POLICY_NAME}")
    if path is None:
        return data
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(f"找不到策略文件：{path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"无法读取策略文件 {path}：{exc}") from exc
    return merge_overrides(data, _parse_toml(text, str(path)))


def load_policy(path: str | Path | None = None) -> Policy:
    """The shipped policy, or the shipped policy with the file at `path` overriding it."""
    if path is None:
        return default_policy()
    return policy_from_mapping(load_policy_mapping(path), str(path))


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    return policy_from_mapping(load_policy_mapping(None), f"(内置){DEFAULT_POLICY_NAME}")
