"""Iterate JSON Lines with their line numbers; a bad line is reported, not fatal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from redline.errors import InputError


@dataclass(frozen=True, slots=True)
class JsonLine:
    number: int
    value: dict[str, Any] | None  # None when the line was bad
    error: str = ""


def iter_json_lines(stream: IO[bytes]) -> Iterator[JsonLine]:
    """Yield every non-blank line as an object, or with the reason it could not be read."""
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield JsonLine(number, None, f"不是 UTF-8（第 {exc.start} 字节）")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield JsonLine(number, None, f"JSON 格式错误：{exc.msg}（第 {exc.colno} 列）")
            continue
        if not isinstance(value, dict):
            yield JsonLine(number, None, "每行应是一个 JSON 对象")
            continue
        yield JsonLine(number, value)


def open_binary(path: str | Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件：{path}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} 是目录，不是文件") from exc
    except OSError as exc:
        raise InputError(f"无法读取 {path}：{exc.strerror}") from exc


def count_lines(path: str | Path) -> int:
    with open_binary(path) as stream:
        return sum(1 for line in stream if line.strip())
