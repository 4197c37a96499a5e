"""`redline policy validate|show`: check a policy file, print the effective policy."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.policy import load_policy, load_policy_mapping

policy_app = typer.Typer(help="策略文件：校验与查看。", no_args_is_help=True)


@policy_app.command("validate")
def validate(file: Path = typer.Argument(..., help="要校验的策略 TOML 文件（覆盖内置策略）")) -> None:
    """校验策略文件；错误会指出具体的键。"""
    policy = load_policy(file)
    console.print(f"[green]策略有效[/green]：{file}（版本 {policy.version}）")


@policy_app.command("show")
def show(
    ctx: typer.Context,
    key: Optional[str] = typer.Argument(None, help="只显示某个键，如 checks.price"),
    format: str = typer.Option("toml", "--format", help="toml | json"),
) -> None:
    """显示当前生效的策略（内置策略叠加 --policy 文件）。"""
    context = cli_context(ctx)
    policy = context.policy  # validates
    data = load_policy_mapping(context.policy_path)
    if key:
        for part in key.split("."):
            if not isinstance(data, dict) or part not in data:
                raise typer.BadParameter(f"策略中没有键 `{key}`")
            data = data[part]
    if format == "json":
        print_json({"version": policy.version, "policy": data} if not key else data)
        return
    import tomli_w

    console.print(f"# 策略版本 {policy.version}", highlight=False)
    if isinstance(data, dict):
        typer.echo(tomli_w.dumps(data))
    else:
        typer.echo(repr(data))


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
