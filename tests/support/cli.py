"""Run the `redline` command line in-process, as a user would, and capture what it prints."""

from __future__ import annotations

import io
import sys

from redline.cli import main


def run_cli(monkeypatch, capsys, *args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `redline ARGS…`, with `stdin` as standard input."""
    monkeypatch.setattr(sys, "argv", ["redline", *args])
    if stdin is not None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err
