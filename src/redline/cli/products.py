"""Products and attachments: `redline ingest products|product-links FILE` and
`redline products check` (引流款 listing checks routed to the ledger)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from redline.cli.context import cli_context
from redline.cli.output import console, print_json
from redline.errors import InputError

products_app = typer.Typer(help="商品：上架检查（引流款）并计入店铺扣分台账。", no_args_is_help=True)
VERDICTS = {"pass": "通过", "warn": "风险", "violation": "违规"}


def _format(format: str) -> None:
    if format not in ("text", "json"):
        raise InputError(f"--format 只能是 text 或 json，收到 {format!r}")


def _when(value: Optional[str]) -> datetime | None:
    from redline.cli.traffic import parse_time

    return parse_time(value)


def load_commerce(database, policy, products: Path | None, links: Path | None):
    """Load products (then check their listings into the ledger) and attachment records."""
    from redline.ingest.products import load_product_links_file, load_products_file
    from redline.store.listings import route_listings

    loaded = load_products_file(database, products, policy) if products else None
    routed = route_listings(database, policy, loaded.ids) if loaded and loaded.ids else []
    linked = load_product_links_file(database, links, policy) if links else None
    return loaded, routed, linked


def _print_routed(routed) -> None:
    for item in routed:
        if item.verdict == "pass" and not item.entries and not item.queued:
            continue
        points = sum(e.points for e in item.entries)
        rules = escape("、".join(dict.fromkeys(item.rules)) or "无")
        console.print(
            f"  商品 {escape(item.product_id)}（¥{item.price:g}，{item.account_id}）：{VERDICTS.get(item.verdict, item.verdict)}"
            f"（{rules}）"
            + (f"；计入台账 {len(item.entries)} 条，扣 {points:g} 分" if item.entries else "")
            + (f"；{len(item.queued)} 条待人工复核" if item.queued else "")
            + (f"；{len(item.already)} 条此前已计入" if item.already else "")
        )


def ingest_products_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="商品文件（JSON Lines：id, account_id, title, description, category, price, created_at）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """导入商品（按 id 新增或更新；任何一条无效则整份文件不写入），并对新增或改动的商品做上架检查：确认的引流款违规计入店铺扣分台账。"""
    _format(format)
    context = cli_context(ctx)
    loaded, routed, _ = load_commerce(context.database, context.policy, file, None)
    if format == "json":
        print_json({**loaded.to_dict(), "listings": [r.to_dict() for r in routed]})
        return
    console.print(f"{file}：商品 {loaded.read} 条，新增 {loaded.inserted}，更新 {loaded.updated}，未变 {loaded.unchanged}。")
    _print_routed(routed)


def ingest_links_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="挂车记录文件（JSON Lines：note_id, product_id（null 表示撤车）, at）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """导入挂车/撤车记录（按时间顺序追加到笔记的流量池历史；已有的记录跳过；任何一条无效则整份文件不写入）。"""
    _format(format)
    context = cli_context(ctx)
    _, _, linked = load_commerce(context.database, context.policy, None, file)
    if format == "json":
        print_json(linked.to_dict())
        return
    console.print(f"{file}：挂车记录 {linked.read} 条，新写入 {linked.inserted}，已存在 {linked.unchanged}。")


def check_command(
    ctx: typer.Context,
    products: Optional[list[str]] = typer.Argument(None, help="商品 id（省略则检查全部商品）"),
    at: Optional[str] = typer.Option(None, "--at", help="记入台账的时间（ISO 时间，默认商品上架时间）"),
    format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """重新检查商品上架信息（引流款）：确认的违规计入店铺扣分台账（同一商品同一价格只计一次）。"""
    from redline.store.listings import route_listings

    _format(format)
    context = cli_context(ctx)
    routed = route_listings(context.database, context.policy, products or None, _when(at))
    if format == "json":
        print_json([r.to_dict() for r in routed])
        return
    flagged = [r for r in routed if r.verdict != "pass"]
    console.print(f"检查了 {len(routed)} 个商品，{len(flagged)} 个有风险或违规。")
    _print_routed(routed)


products_app.command("check")(check_command)


def register(app: typer.Typer) -> None:
    from redline.cli.ingest import ingest_app

    # The import commands live under `redline ingest` with the other entities.
    ingest_app.command("products")(ingest_products_command)
    ingest_app.command("product-links")(ingest_links_command)
    app.add_typer(products_app, name="products")
