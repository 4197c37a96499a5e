"""The data home: one directory holding all state (relational store, event lake, corpus index).

Chosen by `--home DIR`, else the `REDLINE_HOME` variable, else a per-user default
(`$XDG_DATA_HOME/redline`, falling back to `~/.local/share/redline`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_VARIABLE = "REDLINE_HOME"
DB_VARIABLE = "REDLINE_DB"


def default_home() -> Path:
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "redline"


@dataclass(frozen=True)
class DataHome:
    root: Path

    @classmethod
    def resolve(cls, root: str | Path | None = None) -> "DataHome":
        return cls(Path(root).expanduser() if root else default_home())

    def ensure(self) -> "DataHome":
        self.root.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def database_path(self) -> Path:
        return self.root / "redline.sqlite3"

    @property
    def database_url(self) -> str:
        """`REDLINE_DB` when set (e.g. postgresql+psycopg://…), else the embedded SQLite file."""
        return os.environ.get(DB_VARIABLE) or f"sqlite:///{self.database_path}"

    @property
    def lake_dir(self) -> Path:
        return self.root / "lake"

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"
