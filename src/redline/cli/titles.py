"""`redline titles …`: write title variants, run title experiments, replay the Upworthy evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from redline.cli.context import cli_context
from redline.cli.output import console, err_console, print_json
from redline.errors import InputError

titles_app = typer.Typer(help="标题实验室：生成新标题、在真实流量上测试、提示是否替换。", no_args_is_help=True)

FORMAT_HELP = "text | json"


def _check_format(format: str) -> None:
    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json（收到 {format}）")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"找不到文件：{path}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"文件 {path} 不是 UTF-8 编码：{exc}") from exc
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc}") from exc


@titles_app.command("generate")
def generate(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="原标题"),
    body: Optional[Path] = typer.Option(None, "--body", help="笔记正文文件（UTF-8），用于提取关键词"),
    n: Optional[int] = typer.Option(None, "--n", help="生成数量（默认见策略 titles.default_variants）"),
    llm_base_url: Optional[str] = typer.Option(None, "--llm-base-url", envvar="REDLINE_LLM_BASE_URL", help="OpenAI 兼容接口地址，如 https://api.deepseek.com/v1"),
    llm_model: Optional[str] = typer.Option(None, "--llm-model", envvar="REDLINE_LLM_MODEL", help="模型名称"),
    llm_timeout: float = typer.Option(30.0, "--llm-timeout", help="单次请求超时（秒）"),
    llm_retries: int = typer.Option(2, "--llm-retries", help="失败重试次数"),
    seed: int = typer.Option(0, "--seed", help="离线生成器的随机种子"),
    format: str = typer.Option("text", "--format", help=FORMAT_HELP),
) -> None:
    """生成符合小红书风格且通过合规检查的新标题（密钥取自环境变量 REDLINE_LLM_API_KEY）。"""
    from redline.titles.generate import generate_variants

    _check_format(format)
    context = cli_context(ctx)
    body_text = _read_text(body) if body else ""
    client = None
    if llm_base_url or llm_model:
        from redline.llm import ChatClient, LLMError

        try:
            client = ChatClient(llm_base_url or "", llm_model or "", timeout=llm_timeout, retries=llm_retries)
        except LLMError as exc:
            raise InputError(str(exc)) from exc
    generation = generate_variants(title, body_text, n, context.policy, llm=client, seed=seed)
    if format == "json":
        print_json(generation.to_dict() | {"policy_version": context.policy.version})
        return
    for note in generation.notes:
        err_console.print(f"[yellow]{note}[/yellow]")
    console.print(f"关键词：{'、'.join(generation.key_terms) or '（无）'}；共 {len(generation.variants)} 个新标题", highlight=False)
    for index, variant in enumerate(generation.variants, start=1):
        console.print(f"{index:>3}. {variant.title}  [dim]({variant.source}, {len(variant.title)} 字)[/dim]", highlight=False)
    if generation.rejected:
        console.print(f"\n未通过筛选 {len(generation.rejected)} 个：", highlight=False)
        for item in generation.rejected:
            console.print(f"  ✗ {item.title}  [red]{', '.join(item.rules)}[/red] {item.reason}", highlight=False)


def _lab(ctx: typer.Context):
    from redline.store.titles import TitleLab

    context = cli_context(ctx)
    return TitleLab(context.database, context.policy)


def _print_view(view: dict, format: str) -> None:
    if format == "json":
        print_json(view)
        return
    console.print(f"实验 {view['id']}（笔记 {view['note_id']}）：{_STATUS.get(view['status'], view['status'])}，"
                  f"已曝光 {view['served']}/{view['horizon']}", highlight=False)
    table = Table("组", "曝光", "点击", "点击率", "最优概率", "胜过原标题", "标题")
    table.columns[-1].overflow = "fold"
    for arm in view["arms"]:
        table.add_row(
            "原标题" if arm["arm"] == 0 else str(arm["arm"]),
            str(arm["impressions"]),
            str(arm["clicks"]),
            "—" if arm["ctr"] is None else f"{arm['ctr'] * 100:.2f}%",
            f"{arm['p_best'] * 100:.0f}%",
            "—" if arm["p_beats_original"] is None else f"{arm['p_beats_original'] * 100:.0f}%",
            arm["title"],
        )
    console.print(table)
    for reason in view["reasons"]:
        console.print(reason, highlight=False)
    if view.get("prompt") and view["status"] == "proposed":
        console.print(f"[bold green]{view['prompt']}[/bold green]（redline titles accept|decline {view['id']}）", highlight=False)
    for item in view.get("rejected", []):
        console.print(f"  ✗ {item['title']}  [red]{', '.join(item['rules'])}[/red] {item['reason']}", highlight=False)


_STATUS = {
    "running": "测试中",
    "proposed": "等待创作者确认替换",
    "halted": "已暂停（分流比例异常）",
    "finished": "已结束，保留原标题",
    "accepted": "已替换为新标题",
    "declined": "创作者拒绝替换，已结束",
    "reverted": "已撤销替换，恢复原标题",
}


@titles_app.command("start")
def start(
    ctx: typer.Context,
    note_id: str = typer.Argument(..., help="笔记编号（须已在库中）"),
    variants: Optional[Path] = typer.Option(None, "--variants", help="候选标题文件：JSON 数组，或每行一个；默认离线生成"),
    expected_impressions: Optional[int] = typer.Option(None, "--expected-impressions", help="笔记预期曝光量（决定测试几个标题与最长测试流量）"),
    expected_ctr: Optional[float] = typer.Option(None, "--expected-ctr", help="预期点击率，如 0.012"),
    seed: int = typer.Option(0, "--seed", help="随机种子（生成与后验抽样）"),
    format: str = typer.Option("text", "--format", help=FORMAT_HELP),
) -> None:
    """为笔记开启标题实验：筛选候选标题，按先验排序，按预期流量决定测试几个。"""
    _check_format(format)
    candidates = _read_variants(variants) if variants else None
    _print_view(_lab(ctx).start(note_id, candidates, expected_impressions, expected_ctr, seed), format)


def _read_variants(path: Path) -> list[str]:
    text = _read_text(path).strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"候选标题文件 {path} 不是合法的 JSON：{exc}") from exc
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise InputError(f"候选标题文件 {path} 必须是字符串数组")
        return data
    return [line.strip() for line in text.splitlines() if line.strip()]


@titles_app.command("serve")
def serve(
    ctx: typer.Context,
    experiment_id: str = typer.Argument(..., help="实验编号"),
    size: Optional[int] = typer.Option(None, "--size", help="本批曝光量（默认见策略 titles.experiment.batch_impressions）"),
    format: str = typer.Option("text", "--format", help=FORMAT_HELP),
) -> None:
    """分配下一批流量：每个标题展示多少次。"""
    _check_format(format)
    plan = _lab(ctx).serve(experiment_id, size)
    if format == "json":
        print_json(plan)
        return
    console.print(f"实验 {plan['experiment']} 第 {plan['batch']} 批：", highlight=False)
    for arm in plan["arms"]:
        console.print(f"  组 {arm['arm']}：{arm['impressions']} 次曝光（{arm['share'] * 100:.1f}%）  {arm['title']}", highlight=False)


def _parse_result(token: str) -> tuple[int, tuple[int, int]]:
    parts = token.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        arm, impressions, clicks = (int(p) for p in parts)
    except ValueError as exc:
        raise InputError(f"结果格式应为 组:曝光:点击，如 1:120:3（收到 {token}）") from exc
    return arm, (impressions, clicks)


@titles_app.command("record")
def record(
    ctx: typer.Context,
    experiment_id: str = typer.Argument(..., help="实验编号"),
    results: list[str] = typer.Argument(..., help="每组结果 组:曝光:点击，如 0:125:2 1:125:4"),
    format: str = typer.Option("text", "--format", help=FORMAT_HELP),
) -> None:
    """记录本批的曝光与点击，然后判断：继续、提示替换、暂停（分流异常）或结束。"""
    _check_format(format)
    parsed: dict[int, tuple[int, int]] = {}
    for token in results:
        arm, value = _parse_result(token)
        if arm in parsed:
            raise InputError(f"第 {arm} 组的结果重复出现")
        parsed[arm] = value
    _print_view(_lab(ctx).record(experiment_id, parsed), format)


@titles_app.command("status")
def status(
    ctx: typer.Context,
    experiment_id: str = typer.Argument(..., help="实验编号"),
    format: str = typer.Option("text", "--format", help=FORMAT_HELP),
) -> None:
    """查看实验：各标题的表现、最优概率、决定与理由。"""
    _check_format(format)
    _print_view(_lab(ctx).status(experiment_id), format)


@titles_app.command("accept")
def accept(ctx: typer.Context, experiment_id: str = typer.Argument(...), format: str = typer.Option("text", "--format", help=FORMAT_HELP)) -> None:
    """接受替换：笔记标题换成胜出的新标题（有记录，可用 revert 撤销）。"""
    _check_format(format)
    _print_view(_lab(ctx).accept(experiment_id), format)


@titles_app.command("decline")
def decline(ctx: typer.Context, experiment_id: str = typer.Argument(...), format: str = typer.Option("text", "--format", help=FORMAT_HELP)) -> None:
    """拒绝替换：保留原标题，结束实验。"""
    _check_format(format)
    _print_view(_lab(ctx).decline(experiment_id), format)


@titles_app.command("revert")
def revert(ctx: typer.Context, experiment_id: str = typer.Argument(...), format: str = typer.Option("text", "--format", help=FORMAT_HELP)) -> None:
    """撤销已接受的替换，恢复原标题。"""
    _check_format(format)
    _print_view(_lab(ctx).revert(experiment_id), format)


@titles_app.command("fit-prior")
def fit_prior(ctx: typer.Context, format: str = typer.Option("text", "--format", help=FORMAT_HELP)) -> None:
    """用平台已结束的标题实验重新拟合先验（预测新标题相对原标题的点击率）。"""
    _check_format(format)
    result = _lab(ctx).fit_prior()
    if format == "json":
        print_json(result)
        return
    console.print(result.get("message") or f"先验已用 {result['training_arms']} 个分组重新拟合。", highlight=False)
    for name, weight in result["weights"].items():
        console.print(f"  {name}: {weight:+.4f}", highlight=False)


@titles_app.command("replay")
def replay(
    ctx: typer.Context,
    upworthy: Path = typer.Option(..., "--upworthy", help="upworthy_exploratory_clean.parquet 的路径"),
    seed: int = typer.Option(7, "--seed", help="随机种子（结果可复现）"),
    format: str = typer.Option("text", "--format", help=FORMAT_HELP),
) -> None:
    """在 Upworthy 真实 A/B 数据上回放：与均分 A/B、普通 Thompson 采样同场比较。"""
    from redline.ingest.upworthy import load_upworthy
    from redline.titles.replay import replay as run_replay

    _check_format(format)
    context = cli_context(ctx)
    data = load_upworthy(upworthy)
    if not data.clean:
        raise InputError(f"{upworthy} 中没有可回放的纯标题测试")
    report = run_replay(data.clean, data.broken, context.policy, seed=seed, progress=lambda m: err_console.print(m))
    report["skipped_tests"] = data.skipped
    if format == "json":
        print_json(report)
        return
    table = Table("策略", "oracle_share", "（合计）", "提议率", "winner_precision", "A/A 误报率")
    for name, m in report["strategies"].items():
        table.add_row(name, f"{m['oracle_share']:.3f}", f"{m['oracle_share_pooled']:.3f}", f"{m['proposal_rate']:.3f}",
                      f"{m['winner_precision']:.3f}", f"{m['aa_false_winner_rate']:.4f}")
    console.print(f"回放 {report['tests']} 个纯标题测试（随机种子 {seed}，策略版本 {report['policy_version']}）", highlight=False)
    console.print(table)
    console.print(f"先验 top-1 命中 {report['prior_top1']:.3f}（随机挑选 {report['random_top1']:.3f}）", highlight=False)
    srm = report["srm"]
    console.print(f"分流比例检查：随机化失效周的测试被标记 {srm['broken_flag_rate']:.1%}，正常测试被标记 {srm['clean_flag_rate']:.1%}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(titles_app, name="titles")
