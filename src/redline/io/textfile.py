"""Decode user-supplied text strictly, with a clear error that says where it broke."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

from redline.errors import InputError

# Refuse inputs this large outright: a note is a few thousand characters; 64 MB is an accident.
MAX_INPUT_BYTES = 64 * 1024 * 1024


def decode_text(data: bytes, source: str, encoding: str = "utf-8") -> str:
    """Decode strictly (a UTF-8 BOM is dropped). No guessing: a wrong guess would check garbage."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{source} 太大（{len(data)} 字节，上限 {MAX_INPUT_BYTES} 字节）")
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(f"未知的编码：{encoding}") from exc
    if codec == "utf-8":
        codec = "utf-8-sig"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        hint = "；如果是 GBK/GB18030 文件，请加 --encoding gb18030" if codec == "utf-8-sig" else ""
        raise InputError(f"{source} 不是有效的 {encoding} 文本（第 {exc.start} 字节：{exc.reason}）{hint}") from exc


def read_text_argument(path: str | None, encoding: str = "utf-8") -> tuple[str, str]:
    """Read FILE, or standard input for '-' / None. Returns (text, source name)."""
    if path in (None, "-"):
        return decode_text(sys.stdin.buffer.read(), "标准输入", encoding), "标准输入"
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件：{file}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{file} 是目录，不是文件") from exc
    except OSError as exc:
        raise InputError(f"无法读取 {file}：{exc.strerror}") from exc
    return decode_text(data, str(file), encoding), str(file)
