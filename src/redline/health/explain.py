"""Explanations of a stored score, in Chinese: the index, each dimension and indicator, the input
numbers and the thresholds they were compared with, and what would raise the score.

Works from stored rows (note results, account results) and the policy; it re-scores nothing
differently: the component scores shown are the ones stored, and the thresholds come from the
same policy keys the curves use.
"""

from __future__ import annotations

import math
from typing import Any

from redline.health.model import DIMENSIONS, INDICATORS, Component, components_of
from redline.health.score import indicator_weights
from redline.policy import Policy


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _status(key: str, value: float, row: dict[str, Any], policy: Policy) -> tuple[str, str, str | None]:
    """(the input shown, how it compares with the thresholds, advice when below par)."""
    s = policy.signals
    o = policy.originality
    if key == "originality":
        low = 1 - o.low_quality_duplicate_ratio
        if value < low:
            return _pct(value), f"重复率 {_pct(1 - value)} 超过 {_pct(o.low_quality_duplicate_ratio)}，判定为低质", "重写与已有笔记重复的段落，加入自己的经历和观点，把重复率降到 30% 以下。"
        bonus = value >= o.bonus_min_originality and (row.get("text_chars") or 0) > o.bonus_min_chars
        bonus = bonus and value >= low
        return _pct(value), "原创度达标" + (f"，且字数超过 {o.bonus_min_chars} 字，获得流量加权" if bonus else f"；原创度 ≥ {_pct(o.bonus_min_originality)} 且字数 > {o.bonus_min_chars} 字可获得加权"), None if bonus else f"把正文扩充到 {o.bonus_min_chars} 字以上的原创内容可获得流量加权。"
    if key.startswith("text_"):
        code = key[-2:].upper()
        families = "、".join(getattr(policy.index.text, code))
        if value <= 0:
            return "0 分", f"未发现 {families} 类问题", None
        return f"{value:g} 分", f"{families} 类检测发现问题，扣 {value:g} 分（违规 {policy.index.text.violation_points:g} 分/条，警示 {policy.index.text.warning_points:g} 分/条）", "按下方的检测结果修改正文后重新检测（redline check）。"
    if key == "completion_short":
        c = s.completion_short
        if value < c.low:
            return _pct(value), f"15–30 秒视频完播率低于 {_pct(c.low)}，视为低质", "把关键信息提前到前 3 秒，剪掉铺垫，控制在 20 秒左右。"
        if value < c.healthy:
            return _pct(value), f"介于低质线 {_pct(c.low)} 与健康线 {_pct(c.healthy)} 之间", f"缩短开头，完播率提到 {_pct(c.healthy)} 以上。"
        return _pct(value), f"达到健康线 {_pct(c.healthy)}", None
    if key == "completion_long":
        c = s.completion_long
        if value < c.bonus:
            return _pct(value), f"2–5 分钟视频完播率低于加成线 {_pct(c.bonus)}", "加入分段小标题和进度提示，完播率达到 40% 可获推荐加成。"
        return _pct(value), f"达到加成线 {_pct(c.bonus)}，获得推荐加成", None
    if key == "completion_other":
        return _pct(value), "该时长没有平台基准线，按完播率线性计分", "视频控制在 15–30 秒或 2–5 分钟，并提高完播率。" if value < 0.5 else None
    if key == "ctr":
        cover = "；已使用动态封面" if row.get("dynamic_cover") else f"；动态封面（如产品对比切换）可提升点击率约 {_pct(s.dynamic_cover_ctr_uplift)}"
        return _pct(value), f"阅读 {int(row.get('reads') or 0)} / 曝光 {int(row.get('impressions') or 0)}{cover}", "优化封面与标题（关键词前置、数字、提问），视频可换成动态封面。" if value < 0.10 else None
    if key == "brand_linkage":
        if value <= 0:
            return "0 分", "合作品牌没有在效扣分", None
        return f"{value:g} 分", f"合作品牌 {row.get('brand_account_id')} 有 {value:g} 分在效扣分，合作笔记可能被连带限流", "与合规记录良好的品牌合作。"
    if key == "fake_engagement":
        return _pct(value), f"{int(row.get('burst_engagement') or 0)} / {int(row.get('engagement') or 0)} 次互动出现在突发时段（{s.burst_window_minutes} 分钟内 ≥ {s.burst_min_events} 次，且 ≥ {_pct(s.burst_suspicious_share)} 来自注册不足 {s.new_account_days} 天或 {s.inactive_days} 天未登录的账号）", "停止任何刷量行为；被检测到每次扣 6–10 分，累计 3 次永久封号。" if value > 0 else None
    if key == "imbalance":
        if value < s.imbalance_max_likes:
            return f"{value:.0f} 赞/篇", f"粉丝 ≥ {s.imbalance_min_fans:,} 但近期笔记平均点赞低于 {s.imbalance_max_likes}，触发互动失衡预警（核实后降权 {policy.ledger.imbalance_demotion_days} 天）", "清理僵尸粉，发布能引发真实互动的内容。"
        return f"{value:.0f} 赞/篇", f"平均点赞达到 {s.imbalance_max_likes}，互动与粉丝量匹配", None
    if key == "fake_followers":
        return _pct(value), "统计窗口内新增关注中出现在突发时段、来自新号或不活跃账号的占比", "不要购买粉丝；异常关注会拉低粉丝活跃度并可能被扣分。" if value > 0 else None
    if key == "reports":
        if value >= s.reports_for_review:
            return f"{value:.0f} 次", f"{s.reports_window_hours} 小时内有效举报 ≥ {s.reports_for_review} 次，已触发人工复核（核实违规扣 5 分/条并限制曝光）", "检查笔记是否有导流、虚假宣传等问题并及时修改。"
        return f"{value:.0f} 次", f"{s.reports_window_hours} 小时内有效举报少于 {s.reports_for_review} 次", None
    if key == "negative_comments":
        return _pct(value), f"负面评论 {_pct(value)}（共 {int(row.get('labelled_comments') or 0)} 条评论）", "及时回复或折叠负面评论，针对投诉改进。" if value >= 0.2 else None
    if key == "interaction_rate":
        if value < s.interaction_stop:
            status = f"低于停推线 {_pct(s.interaction_stop)}，笔记将停止推荐"
        elif value < s.interaction_healthy:
            status = f"介于停推线 {_pct(s.interaction_stop)} 与健康线 {_pct(s.interaction_healthy)} 之间"
        else:
            status = f"达到健康线 {_pct(s.interaction_healthy)}"
        detail = f"（点赞 {int(row.get('likes') or 0)} + 收藏 {int(row.get('saves') or 0)} + 评论 {int(row.get('comment_events') or 0)}，突发互动 {int(row.get('burst_engagement') or 0)} 不计；阅读 {int(row.get('reads') or 0)}）"
        return _pct(value), status + detail, None if value >= s.interaction_healthy else "在结尾提出具体问题引导评论，提供值得收藏的清单或步骤。"
    if key == "dwell_ratio":
        source = "按数据计算的同类基准" if row.get("dwell_baseline_source") == "data" else "策略中的品类基准"
        baseline = _num(row.get("dwell_baseline")) or 0.0
        avg = _num(row.get("avg_dwell")) or 0.0
        status = f"平均停留 {avg:.1f} 秒，{source} {baseline:.1f} 秒，比值 {value:.2f}"
        if value > s.dwell_high_value_factor:
            return f"{value:.2f}×", status + f"，超过基准 {s.dwell_high_value_factor:g} 倍，判定为高价值内容并触发二次推荐", None
        return f"{value:.2f}×", status + f"；超过 {s.dwell_high_value_factor:g} 倍可触发二次推荐", "增加信息密度和可读的结构（小标题、清单、对比图），让读者停留更久。"
    if key == "fan_activity":
        if value < s.fan_active_zombie:
            status = f"低于 {_pct(s.fan_active_zombie)}，可能被判定为僵尸粉号"
        elif value < s.fan_active_bonus:
            status = f"介于 {_pct(s.fan_active_zombie)} 与加权线 {_pct(s.fan_active_bonus)} 之间"
        else:
            status = f"达到加权线 {_pct(s.fan_active_bonus)}"
        return _pct(value), status + f"（活跃粉丝：{s.fan_active_window_days} 天内登录 ≥ {s.fan_active_min_logins} 次）", None if value >= s.fan_active_target else f"通过直播、群聊等维护粉丝关系，把活跃粉丝占比提升到 {_pct(s.fan_active_target)} 以上。"
    if key == "fan_match":
        strong = value >= s.fan_match_strong
        return _pct(value), f"粉丝中对「{row.get('category') or '该品类'}」感兴趣的占比" + (f"，达到强匹配线 {_pct(s.fan_match_strong)}" if strong else f"，低于强匹配线 {_pct(s.fan_match_strong)}"), None if strong else "深耕垂直领域，发布与粉丝兴趣一致的内容。"
    return f"{value:g}", "", None


def _component_view(component: Component, raw: float | None, score: float | None, row: dict[str, Any], policy: Policy) -> dict[str, Any]:
    view: dict[str, Any] = {
        "key": component.key,
        "label": component.label,
        "known": raw is not None and score is not None,
        "value": raw,
        "score": None if score is None else round(score, 1),
        "weight": getattr(policy.index.component_weights, component.key),
        "curve": [list(point) for point in getattr(policy.index.curves, component.curve)],
    }
    if raw is None or score is None:
        view["missing"] = component.missing
        return view
    shown, status, advice = _status(component.key, raw, row, policy)
    view.update({"shown": shown, "status": status, "advice": advice})
    return view


RAW_COLUMN = {"reports": "reports_24h_max", "negative_comments": "negative_comments"}


def _dimension_views(scores: dict[str, float | None], policy: Policy) -> list[dict[str, Any]]:
    weights = policy.index.dimension_weights
    return [
        {"key": key, "name": name, "weight": getattr(weights, key), "score": None if scores.get(key) is None else round(scores[key], 1)}
        for key, name in DIMENSIONS.items()
    ]


def _improvements(indicators: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    """Advice ordered by how many index points the part could still add."""
    known_weight = sum(i["weight_in_index"] for i in indicators if i["score"] is not None) or 1.0
    out = []
    for indicator in indicators:
        if indicator["score"] is None:
            continue
        parts = [c for c in indicator["components"] if c["known"]]
        part_weight = sum(c["weight"] for c in parts) or 1.0
        for part in parts:
            if not part.get("advice"):
                continue
            gain = (100 - part["score"]) * part["weight"] / part_weight * indicator["weight_in_index"] / known_weight
            if gain <= 0.05:
                continue
            out.append({"indicator": indicator["code"], "component": part["key"], "advice": part["advice"], "possible_gain": round(gain, 1)})
    out.sort(key=lambda item: -item["possible_gain"])
    return out[:limit]


def explain_note(row: dict[str, Any], policy: Policy, findings: list[dict[str, Any]] | None = None, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The explanation of one stored note result (a row of the per-day note results)."""
    weights = indicator_weights(policy)
    indicators = []
    for indicator in INDICATORS:
        components = [
            _component_view(c, _num(row.get(RAW_COLUMN.get(c.key, c.key))), _num(row.get(f"cmp_{c.key}")), row, policy)
            for c in components_of(indicator.code, "note")
        ]
        score = _num(row.get(f"ind_{indicator.code}"))
        view = {
            "code": indicator.code,
            "name": indicator.name,
            "dimension": indicator.dimension,
            "weight_in_index": round(weights[indicator.code], 4),
            "score": None if score is None else round(score, 1),
            "components": components,
        }
        if indicator.code == "Q1" and row.get("bonus_originality"):
            view["bonus"] = {"points": policy.index.bonuses.originality, "reason": "原创度达标且字数超过门槛"}
        if indicator.code == "F2" and row.get("bonus_discussion"):
            view["bonus"] = {"points": policy.index.bonuses.discussion, "reason": f"评论区具体提问占比 ≥ {_pct(policy.index.bonuses.discussion_min_share)}（讨论度高）"}
        if score is None:
            view["missing"] = "；".join(sorted({c["missing"] for c in components if "missing" in c}))
        indicators.append(view)
    index = _num(row.get("index"))
    coverage = _num(row.get("coverage")) or 0.0
    unknown = [f"{i['code']} {i['name']}：{i['missing']}" for i in indicators if i["score"] is None]
    result = {
        "kind": "note",
        "id": row.get("note_id"),
        "account_id": row.get("account_id"),
        "day": str(row.get("day")) if row.get("day") is not None else None,
        "index": None if index is None else round(index, 1),
        "coverage": round(coverage, 3),
        "policy_version": row.get("policy_version"),
        "engine": row.get("engine"),
        "dimensions": _dimension_views({k: _num(row.get(f"dim_{k}")) for k in DIMENSIONS}, policy),
        "indicators": indicators,
        "unknown": unknown,
        "improve": _improvements(indicators),
        "findings": findings or [],
        "history": [{"day": str(h["day"]), "index": None if _num(h.get("index")) is None else round(_num(h.get("index")), 1)} for h in (history or [])],
    }
    result["summary"] = _summary(result, policy)
    return result


def explain_account(row: dict[str, Any], policy: Policy, history: list[dict[str, Any]] | None = None, weakest_notes: list[dict[str, Any]] | None = None,
                    note_advice: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The explanation of one stored account result (`details` holds the parts); `note_advice`
    is the improvement list of its weakest note, merged into the account's."""
    details = row.get("details") or {}
    metrics = details.get("metrics") or {}
    weights = indicator_weights(policy)
    share = policy.index.account_component_weight
    indicators = []
    account_components = details.get("components") or {}
    for indicator in INDICATORS:
        parts = []
        for component in components_of(indicator.code, "account"):
            raw = _num(metrics.get(component.key))
            parts.append(_component_view(component, raw, _num(account_components.get(component.key)), {**metrics, "category": None}, policy))
        score = _num((details.get("indicators") or {}).get(indicator.code))
        from_notes = _num((details.get("from_notes") or {}).get(indicator.code))
        from_account = _num((details.get("from_account") or {}).get(indicator.code))
        view = {
            "code": indicator.code,
            "name": indicator.name,
            "dimension": indicator.dimension,
            "weight_in_index": round(weights[indicator.code], 4),
            "score": None if score is None else round(score, 1),
            "from_notes": None if from_notes is None else round(from_notes, 1),
            "from_account": None if from_account is None else round(from_account, 1),
            "components": parts,
        }
        if from_notes is not None and from_account is not None:
            view["combination"] = f"近期笔记加权 {from_notes:.1f} × {1 - share:g} + 账号层面 {from_account:.1f} × {share:g}"
        elif from_notes is not None:
            view["combination"] = f"近期笔记加权得分 {from_notes:.1f}（逐篇明细：redline explain note 笔记id）"
        if score is None:
            view["missing"] = "近期笔记与账号层面都没有该指标的数据"
        indicators.append(view)
    index = _num(row.get("health_index"))
    result = {
        "kind": "account",
        "id": row.get("account_id"),
        "day": str(row.get("day")) if row.get("day") is not None else None,
        "index": None if index is None else round(index, 1),
        "index_before_deductions": None if _num(row.get("index_before_deductions")) is None else round(_num(row.get("index_before_deductions")), 1),
        "deductions": _num(row.get("deductions")) or 0.0,
        "deduction_entries": details.get("deduction_entries") or [],
        "coverage": round(_num(row.get("coverage")) or 0.0, 3),
        "notes": row.get("notes"),
        "policy_version": row.get("policy_version"),
        "engine": row.get("engine"),
        "aggregation": f"近期笔记按时效（半衰期 {policy.index.recency_half_life_days:g} 天）与曝光量（log(1+曝光)）加权汇总",
        "metrics": metrics,
        "dimensions": _dimension_views({"quality": _num(row.get("quality")), "compliance": _num(row.get("compliance")), "feedback": _num(row.get("feedback"))}, policy),
        "indicators": indicators,
        "unknown": [f"{i['code']} {i['name']}" for i in indicators if i["score"] is None],
        "improve": _merge_advice(_improvements(indicators), note_advice or []),
        "weakest_notes": weakest_notes or [],
        "history": [{"day": str(h["day"]), "index": None if _num(h.get("index")) is None else round(_num(h.get("index")), 1)} for h in (history or [])],
    }
    result["summary"] = _summary(result, policy)
    return result


def _merge_advice(own: list[dict[str, Any]], from_note: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    seen = {item["advice"] for item in own}
    merged = list(own)
    for item in from_note:
        if item["advice"] not in seen:
            seen.add(item["advice"])
            merged.append({**item, "advice": f"{item['advice']}（见笔记 {item.get('note_id', '')}）" if item.get("note_id") else item["advice"]})
    merged.sort(key=lambda item: -item["possible_gain"])
    return merged[:limit]


def _summary(result: dict[str, Any], policy: Policy) -> str:
    index = result["index"]
    what = "笔记" if result["kind"] == "note" else "账号"
    if index is None:
        return f"该{what}没有任何已知指标，无法计算健康度。"
    t = policy.traffic
    if index >= t.high_tier_min_index:
        tier = f"≥ {t.high_tier_min_index:g} 分，属高健康度：进入推荐池概率提升"
    elif index < t.low_tier_below_index:
        tier = f"< {t.low_tier_below_index:g} 分，属低健康度：新笔记限流、无法接蒲公英订单、可能进入观察名单"
    else:
        tier = "处于中间档"
    coverage = result["coverage"]
    known = f"；已知指标覆盖 {_pct(coverage)} 的权重" if coverage < 0.999 else ""
    return f"{what}健康度 {index:.1f} 分（{tier}）{known}。"

