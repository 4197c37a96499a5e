"""What every command can ask for: the policy, the data home, the database (opened lazily)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from redline.home import DataHome
from redline.policy import Policy, load_policy

if TYPE_CHECKING:
    from redline.store.database import Database


@dataclass
class CliContext:
    home_dir: Path | None = None
    policy_path: Path | None = None
    db_url: str | None = None
    _database: "Database | None" = field(default=None, repr=False)

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.policy_path)

    @cached_property
    def home(self) -> DataHome:
        return DataHome.resolve(self.home_dir).ensure()

    @property
    def database(self) -> "Database":
        if self._database is None:
            from redline.store.database import Database

            self._database = Database.open(self.db_url, home=self.home)
        return self._database


def cli_context(ctx: typer.Context) -> CliContext:
    """The `CliContext` of the running command (the root callback always sets one)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):
        root.obj = CliContext()
    return root.obj
