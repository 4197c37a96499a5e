"""The twelve indicators (SPEC R-IDX), their dimensions and the measured parts behind each.

Which metric feeds which indicator is the model (written here); every number — curve
breakpoints, weights, bonuses — is in the policy (`[index]`, `[signals]`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["note", "account", "both"]

DIMENSIONS: dict[str, str] = {"quality": "内容质量", "compliance": "合规性", "feedback": "用户反馈"}


@dataclass(frozen=True)
class Indicator:
    code: str
    dimension: str
    name: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("Q1", "quality", "原创度"),
    Indicator("Q2", "quality", "信息增量"),
    Indicator("Q3", "quality", "专业资质"),
    Indicator("Q4", "quality", "内容结构与体验（完播率、封面标题点击率）"),
    Indicator("C1", "compliance", "商业合作报备与品牌联动"),
    Indicator("C2", "compliance", "导流"),
    Indicator("C3", "compliance", "价值观与敏感内容"),
    Indicator("C4", "compliance", "数据真实性"),
    Indicator("F1", "feedback", "举报与负面评价"),
    Indicator("F2", "feedback", "互动率与讨论度"),
    Indicator("F3", "feedback", "停留时长"),
    Indicator("F4", "feedback", "粉丝活跃度与画像匹配"),
)
INDICATOR_BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


@dataclass(frozen=True)
class Component:
    """One measured part of an indicator: metric column `key`, scored by curve `curve`."""

    key: str
    indicator: str
    curve: str
    label: str
    level: Level
    unit: Literal["share", "count", "ratio", "points", "likes"]
    missing: str  # why it is unknown when it is (Chinese)


COMPONENTS: tuple[Component, ...] = (
    Component("originality", "Q1", "originality", "原创度（1 − 重复率）", "note", "share", "没有原创度检测结果（未建立笔记语料库或原创度模块不可用）"),
    Component("text_q2", "Q2", "text_points", "信息增量问题扣分", "note", "points", "笔记正文尚未检测"),
    Component("text_q3", "Q3", "text_points", "资质相关表述扣分", "note", "points", "笔记正文尚未检测"),
    Component("completion_short", "Q4", "completion_short", "完播率（15–30 秒视频）", "note", "share", "不是 15–30 秒视频或观看样本不足"),
    Component("completion_long", "Q4", "completion_long", "完播率（2–5 分钟视频）", "note", "share", "不是 2–5 分钟视频或观看样本不足"),
    Component("completion_other", "Q4", "completion_other", "完播率（其他时长视频）", "note", "share", "不是视频或观看样本不足"),
    Component("ctr", "Q4", "ctr", "封面标题点击率（阅读 / 曝光）", "note", "share", "缺少曝光数据或曝光样本不足"),
    Component("text_c1", "C1", "text_points", "商业报备与广告用语扣分", "note", "points", "笔记正文尚未检测"),
    Component("brand_linkage", "C1", "brand_linkage", "合作品牌的在效扣分", "note", "points", "不是品牌合作笔记"),
    Component("text_c2", "C2", "text_points", "导流信息扣分", "note", "points", "笔记正文尚未检测"),
    Component("text_c3", "C3", "text_points", "价值观问题扣分", "note", "points", "笔记正文尚未检测"),
    Component("fake_engagement", "C4", "fake_engagement", "突发互动中来自新号/不活跃号的占比", "note", "share", "没有互动事件"),
    Component("imbalance", "C4", "imbalance", "近期笔记平均点赞（万粉以上账号）", "account", "likes", "粉丝数未达互动失衡检查门槛或缺少点赞数据"),
    Component("fake_followers", "C4", "fake_followers", "突发关注中来自新号/不活跃号的占比", "account", "share", "统计窗口内没有关注事件"),
    Component("reports", "F1", "reports", "24 小时内有效举报（最多的一段）", "note", "count", "没有该笔记的行为事件（无法得知举报情况）"),
    Component("negative_comments", "F1", "negative_comments", "负面评论占比", "note", "share", "评论样本不足"),
    Component("interaction_rate", "F2", "interaction_rate", "互动率（点赞+收藏+评论）/ 阅读", "note", "share", "缺少阅读数据或阅读样本不足"),
    Component("dwell_ratio", "F3", "dwell_ratio", "平均停留时长 / 同类基准", "note", "ratio", "缺少停留时长数据或样本不足"),
    Component("fan_activity", "F4", "fan_activity", "活跃粉丝占比（28 天登录 ≥ 3 次）", "both", "share", "缺少粉丝关注与登录数据"),
    Component("fan_match", "F4", "fan_match", "粉丝兴趣与笔记品类匹配度", "note", "share", "缺少粉丝兴趣画像"),
)
COMPONENT_BY_KEY = {component.key: component for component in COMPONENTS}


def components_of(indicator: str, level: str) -> tuple[Component, ...]:
    """The parts of an indicator measured at `level` ("note" or "account")."""
    return tuple(c for c in COMPONENTS if c.indicator == indicator and (c.level == level or c.level == "both"))
