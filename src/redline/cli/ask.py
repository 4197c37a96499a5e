"""`redline ask "问题" [--sense ID] [--format json]`: the help desk (SPEC R-HLP)."""

from __future__ import annotations

from typing import Optional

import typer

from redline.cli.context import cli_context
from redline.cli.output import print_json
from redline.errors import InputError


def ask_command(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="关于社区规则的问题，例如：个体店能接蒲公英合作吗？"),
    sense: Optional[list[str]] = typer.Option(None, "--sense", help="澄清问题中选定的含义 id（可重复）"),
    format: str = typer.Option("text", "--format", help="text | json"),
    llm: bool = typer.Option(False, "--llm", help="用大模型润色答案（只依据检索到的文章；失败时用离线答案）"),
    llm_base_url: Optional[str] = typer.Option(None, "--llm-base-url", help="OpenAI 兼容接口地址（默认 $REDLINE_LLM_BASE_URL）"),
    llm_model: Optional[str] = typer.Option(None, "--llm-model", help="模型名称（默认 $REDLINE_LLM_MODEL）；密钥取自 $REDLINE_LLM_API_KEY"),
) -> None:
    """回答规则问题：引用规则 id 与文章；词语有歧义时先反问，不猜测。"""
    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json，而不是 {format!r}")
    from redline.helpdesk import ask

    context = cli_context(ctx)
    answer = ask(question, context.policy, tuple(sense or ()))
    if llm:
        from redline.helpdesk.phrasing import phrase
        from redline.llm import ChatClient

        answer = phrase(question, answer, ChatClient.from_env(llm_base_url, llm_model), context.policy)
    if format == "json":
        print_json(answer.to_json())
        return
    if answer.clarify is not None:
        typer.echo(answer.clarify.question)
        for option in answer.clarify.options:
            typer.echo(f"  {option.id}：{option.label}")
        typer.echo(f"请加上 --sense ID 重新提问，例如：redline ask \"{question}\" --sense {answer.clarify.options[0].id}")
        return
    # Plain echo: the answer's own line breaks are its layout; Rich would re-wrap them.
    typer.echo(answer.answer)
    if answer.citations:
        typer.echo(f"\n依据规则：{'、'.join(answer.citations)}")
    if answer.sources:
        typer.echo(f"来源文章：{'、'.join(answer.sources)}（策略版本 {answer.policy_version}）")
    for note in answer.notes:
        typer.echo(f"注意：{note}", err=True)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask_command)
