"""The Typer application: global options, error handling, and discovery of command modules.

Every module of `redline.cli` that defines `register(app)` is imported and asked to add its
commands, so a new part of the system adds a command by adding a module, touching nothing here.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.exceptions import TyperException

from redline.cli.context import CliContext
from redline.errors import RedlineError

app = typer.Typer(
    name="redline",
    help="redline：内容健康度与流量治理引擎（小红书式内容社区）。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _global_options(
    ctx: typer.Context,
    home: Optional[Path] = typer.Option(None, "--home", help="数据目录（默认 $REDLINE_HOME 或 ~/.local/share/redline）"),
    policy: Optional[Path] = typer.Option(None, "--policy", help="覆盖内置策略的 TOML 文件（逐键覆盖）"),
    db: Optional[str] = typer.Option(None, "--db", help="数据库 URL（默认数据目录中的 SQLite；生产用 postgresql://…）"),
) -> None:
    ctx.obj = CliContext(home_dir=home, policy_path=policy, db_url=db)


_NOT_COMMAND_MODULES = {"app", "context", "output"}


def _register_command_modules() -> None:
    package = importlib.import_module("redline.cli")
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name in _NOT_COMMAND_MODULES or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"redline.cli.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_command_modules()


def main() -> None:
    """Entry point: expected failures print a Chinese message and exit 2 (usage errors too)."""
    try:
        status = app(standalone_mode=False)
    except RedlineError as exc:
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("已中止。", err=True)
        sys.exit(130)
    except TyperException as exc:  # usage errors (exit code 2): bad option values, missing arguments
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"错误：{exc}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(status if isinstance(status, int) else 0)
