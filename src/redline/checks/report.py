"""Human-readable labels for check results (Chinese), shared by the CLI and the web pages."""

from __future__ import annotations

SEVERITY_LABELS = {"violation": "违规", "warning": "警告", "info": "提示"}
VERDICT_LABELS = {"pass": "通过", "warn": "有风险", "violation": "违规"}
FAMILY_LABELS = {
    "diversion": "导流",
    "adlaw": "广告法极限词",
    "claim": "资质类宣称",
    "values": "价值观",
    "commercial": "商业推广",
    "substance": "信息增量",
    "sentiment": "情绪与讨论",
    "price": "低价引流",
    "originality": "原创度",
}
SANCTION_LABELS = {
    "remove_note": "笔记永久下架",
    "remove_product": "商品下架",
    "throttle_note": "笔记限流",
    "throttle_90": "限流 90%",
    "account_ban": "封禁账号",
    "commercial_rights_limited": "商业权益受限",
    "demote_note": "笔记降权",
    "remove_product_and_throttle": "商品下架并限流店铺",
    "throttle_then_mute": "首次违规限流，再次违规禁言",
}
SCORE_LABELS = {"marketing": "营销强度", "negative": "负面情绪", "question": "具体提问", "length": "字数", "density": "信息密度"}


def label(mapping: dict[str, str], key: str) -> str:
    return mapping.get(key, key)
