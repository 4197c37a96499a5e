"""`redline creative review|check|reindex`: decisions on ad creatives, and matching of
re-submitted near-copies to the earlier decision (SPEC R-LED).

Decisions are stored in the relational store (table `creative_reviews`, Alembic branch
`originality`): they are ledger-like records other parts query. Their texts are also kept in a
near-duplicate index in `<home>/corpus/creatives`, which `reindex` rebuilds from the table.
"""

from __future__ import annotations

import typer

from redline.cli.context import cli_context
from redline.cli.corpus import read_text_argument
from redline.cli.output import console, print_json
from redline.errors import InputError
from redline.originality import IndexParams, query_index
from redline.originality.creatives import creative_verdict
from redline.originality.index import notes_content
from redline.store.corpus import CorpusStore, creatives_dir
from redline.store.creative_reviews import DECISIONS, all_latest_reviews, latest_reviews, record_review
from redline.text.normalize import normalizer_for

creative_app = typer.Typer(help="广告创意：记录审核结论，识别改头换面重新提交的创意。", no_args_is_help=True)

CREATIVE_ACCOUNT = "-"  # creatives are indexed without an account


def _store(ctx: typer.Context) -> CorpusStore:
    context = cli_context(ctx)
    return CorpusStore.open(creatives_dir(context.home.corpus_dir), IndexParams.from_policy(context.policy))


@creative_app.command("review")
def review(
    ctx: typer.Context,
    creative_id: str = typer.Argument(..., help="创意 id"),
    file: str = typer.Argument(..., help='创意文案文件，"-" 为标准输入'),
    decision: str = typer.Option(..., "--decision", help="approved | rejected"),
    reason: str = typer.Option("", "--reason", help="结论理由（驳回时必填）"),
    reviewer: str = typer.Option("", "--reviewer", help="审核人"),
) -> None:
    """记录一条创意的审核结论（可重复审核，以最新一条为准）。"""
    if decision not in DECISIONS:
        raise InputError(f"--decision 只能是 approved 或 rejected，收到 {decision!r}")
    if decision == "rejected" and not reason.strip():
        raise InputError("驳回创意时必须用 --reason 写明理由")
    if not creative_id.strip():
        raise InputError("创意 id 不能为空")
    context = cli_context(ctx)
    policy = context.policy
    text = read_text_argument(file, policy.originality.max_text_chars)
    store = _store(ctx)
    with context.database.session() as session:
        record_review(session, creative_id, decision, reason.strip(), text, policy.version, reviewer)
        # The index follows the decision; if this fails the decision is rolled back with it.
        if creative_id in store.index:
            store.remove(creative_id)
        store.add([creative_id], [CREATIVE_ACCOUNT], *notes_content([text], normalizer_for(policy)))
    label = "通过" if decision == "approved" else "驳回"
    console.print(f"已记录：创意 {creative_id} {label}" + (f"（理由：{reason.strip()}）" if reason.strip() else ""),
                  highlight=False)


@creative_app.command("check")
def check(
    ctx: typer.Context,
    file: str = typer.Argument(..., help='待审创意文案文件，"-" 为标准输入'),
    exclude: str | None = typer.Option(None, "--id", help="这条创意自己的 id（已审核过时不与自己比对）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """与已审核创意比对：近似于被驳回的创意时，沿用原结论与理由。"""
    if format not in ("text", "json"):
        raise InputError(f"不支持的输出格式 {format}（可选 text、json）")
    context = cli_context(ctx)
    policy = context.policy
    text = read_text_argument(file, policy.originality.max_text_chars)
    store = _store(ctx)
    result = query_index(store.index, [text], policy, exclude_ids=[exclude], symmetric=True)[0]
    with context.database.session() as session:
        found = latest_reviews(session, [match.note_id for match in result.matches])
        decisions = {cid: row.as_dict() for cid, row in found.items()}
    verdict = creative_verdict(result, decisions, policy).as_dict()
    if format == "json":
        print_json(verdict)
        return
    if verdict["inherited_decision"]:
        console.print(
            f"[red]沿用驳回结论[/red]：与已驳回创意 {verdict['inherited_from']} 高度相似，"
            f"原理由：{verdict['inherited_reason']}",
            highlight=False,
        )
    elif verdict["matched"]:
        console.print("与已审核创意高度相似（均为通过），可参考原结论。")
    else:
        console.print(f"未发现相似度 ≥ {verdict['threshold']:.0%} 的已审核创意，需正常审核。", highlight=False)
    for match in verdict["matches"]:
        label = "通过" if match["decision"] == "approved" else "驳回"
        console.print(f"· {match['creative_id']} 相似度 {match['similarity']:.0%}，结论 {label}"
                      + (f"（{match['reason']}）" if match["reason"] else ""), highlight=False)


@creative_app.command("reindex")
def reindex(ctx: typer.Context) -> None:
    """从数据库中的审核记录重建创意索引（索引丢失或损坏时使用）。"""
    import shutil

    context = cli_context(ctx)
    policy = context.policy
    with context.database.session() as session:
        rows = all_latest_reviews(session)
        ids, texts = [row.creative_id for row in rows], [row.text for row in rows]
    directory = creatives_dir(context.home.corpus_dir)
    shutil.rmtree(directory, ignore_errors=True)
    store = CorpusStore.open(directory, IndexParams.from_policy(policy))
    if ids:
        store.add(ids, [CREATIVE_ACCOUNT] * len(ids), *notes_content(texts, normalizer_for(policy)))
    console.print(f"已重建创意索引：{len(store.index)} 条创意。")


def register(app: typer.Typer) -> None:
    app.add_typer(creative_app, name="creative")
